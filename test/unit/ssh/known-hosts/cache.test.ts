import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnownHostsFiles, signature, statOrUndefined } from '../../../../src/ssh/known-hosts/cache.js';
import { scratchKeys, line } from './helpers.js';

const k = scratchKeys();

test('a file is parsed once per version: same signature, same parse; a change reads it again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-khc-'));
  const file = join(dir, 'known_hosts');
  await writeFile(file, `${line('a', k.edA)}\n`);
  const files = new KnownHostsFiles();
  const warnings: string[] = [];
  const first = await files.get(file, warnings);
  assert.ok(first);
  assert.equal(await files.get(file, warnings), first);
  const st = await stat(file);
  assert.equal(files.entries.get(file)?.sig, signature(st));
  assert.equal(signature(st), `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`);
  await writeFile(file, `${line('a', k.edA)}\n${line('b', k.edB)}\n`);
  const second = await files.get(file, warnings);
  assert.notEqual(second, first);
  assert.deepEqual(warnings, []);
  await rm(dir, { recursive: true });
});

test('missing files are no warning and leave no entry; unreadable ones warn with the code', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-khc-'));
  const files = new KnownHostsFiles();
  const warnings: string[] = [];
  const file = join(dir, 'known_hosts');
  await writeFile(file, `${line('a', k.edA)}\n`);
  await files.get(file, warnings);
  await rm(file);
  assert.equal(await files.get(file, warnings), undefined);
  assert.equal(files.entries.has(file), false, 'a file that went away is dropped');
  assert.equal(await files.get(join(file, 'below-a-file'), warnings), undefined, 'ENOTDIR is missing too');
  assert.equal(await statOrUndefined(join(dir, 'nope')), undefined);
  const folder = join(dir, 'folder');
  await mkdir(folder);
  assert.equal(await files.get(folder, warnings), undefined);
  assert.deepEqual(warnings, [`${folder}: cannot read: EISDIR`]);
  assert.equal(files.entries.has(folder), false);
  await rm(dir, { recursive: true });
});

test('a path below a file is missing; a symlink loop is a warning naming its error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-khc-'));
  const file = join(dir, 'known_hosts');
  await writeFile(file, `${line('a', k.edA)}\n`);
  assert.equal(await statOrUndefined(join(file, 'below')), undefined);
  const loop = join(dir, 'loop');
  await symlink(loop, loop);
  await assert.rejects(statOrUndefined(loop), { code: 'ELOOP' });
  const files = new KnownHostsFiles();
  const warnings: string[] = [];
  assert.equal(await files.get(loop, warnings), undefined);
  assert.deepEqual(warnings, [`${loop}: cannot read: ELOOP`]);
  await rm(dir, { recursive: true });
});
