import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentCache } from '../../../src/transfer/push.js';
import type { Entry } from '../../../src/transfer/entry.js';

test('readEntry: a small file is read once per run for every host that shares its Entry; past the budget it is read again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-cache-'));
  try {
    const path = join(dir, 'f');
    await writeFile(path, 'first');
    const e: Entry = { rel: 'f', type: 'f', mode: 0o644, size: 5, mtime: 1 };
    const cache = new ContentCache(8);
    let joined = 0;
    const at = (): string => (joined++, path);
    assert.equal((await cache.readEntry(e, at)).toString(), 'first');
    await writeFile(path, 'other');
    assert.equal((await cache.readEntry(e, at)).toString(), 'first', 'kept: not read again');
    assert.equal(joined, 1, 'the path is made only when the file is read');
    const big: Entry = { ...e, rel: 'g', mtime: 2 };
    assert.equal((await cache.readEntry(big, at)).toString(), 'other', 'over the 8-byte budget');
    await writeFile(path, 'third');
    assert.equal((await cache.readEntry(big, at)).toString(), 'third', 'not kept: read again');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
