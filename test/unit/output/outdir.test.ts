import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutdirWriter } from '../../../src/output/outdir.js';

async function inDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'lwt-outdir-'));
  try {
    await fn(join(root, 'out')); // a folder the writer has to make
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('-o files hold every byte in order, past any cap, and land only when the host settles', () =>
  inDir(async (dir) => {
    const w = new OutdirWriter(dir);
    const big = Buffer.alloc(3 << 20, 0xab); // three times the default --output-cap
    w.chunk('web1', 'stdout', Buffer.from([0, 255, 10]));
    w.chunk('web1', 'stderr', Buffer.from('warn\n'));
    w.chunk('web1', 'stdout', big);
    w.chunk('web1', 'stdout', Buffer.from('end'));
    // Before the host settles nothing has its final name: only hidden temporary files.
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual((await readdir(dir)).filter((n) => !n.startsWith('.')), []);
    await w.settle('web1');
    const out = await readFile(join(dir, 'web1.out'));
    assert.equal(out.length, 3 + big.length + 3);
    assert.deepEqual(out.subarray(0, 3), Buffer.from([0, 255, 10]));
    assert.equal(out.subarray(3 + big.length).toString(), 'end');
    assert.equal(await readFile(join(dir, 'web1.err'), 'utf8'), 'warn\n');
    assert.deepEqual((await readdir(dir)).sort(), ['web1.err', 'web1.out'], 'no temporary file is left');
    assert.equal((await stat(join(dir, 'web1.out'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
  }));

test('a host that said nothing gets two empty files; a retried attempt leaves only the last attempt', () =>
  inDir(async (dir) => {
    const w = new OutdirWriter(dir);
    w.chunk('db1', 'stdout', Buffer.from('first attempt\n'));
    w.chunk('db1', 'stderr', Buffer.from('lost\n'));
    await w.restart('db1');
    w.chunk('db1', 'stdout', Buffer.from('second\n'));
    await Promise.all([w.settle('db1'), w.settle('quiet')]);
    assert.equal(await readFile(join(dir, 'db1.out'), 'utf8'), 'second\n');
    assert.equal(await readFile(join(dir, 'db1.err'), 'utf8'), '');
    assert.equal(await readFile(join(dir, 'quiet.out'), 'utf8'), '');
    assert.equal(await readFile(join(dir, 'quiet.err'), 'utf8'), '');
    assert.deepEqual((await readdir(dir)).sort(), ['db1.err', 'db1.out', 'quiet.err', 'quiet.out']);
  }));

test('a folder that cannot be made fails the settle with its reason, not the process', () =>
  inDir(async (dir) => {
    const w = new OutdirWriter(join('/proc/version', 'x')); // under a file: mkdir fails
    w.chunk('h', 'stdout', Buffer.from('x'));
    await assert.rejects(w.settle('h'), /ENOTDIR|EEXIST|ENOENT/);
    void dir;
  }));
