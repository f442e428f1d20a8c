import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReplies, RECEIVE_PROGRAM, stepHeader, type ReceiveStep } from '../../../src/transfer/receive-program.js';

/** Run the receiver with the local perl in `cwd`; `input` is written and stdin ended. */
function receive(cwd: string, input: Buffer): Promise<{ code: number | null; out: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('perl', ['-e', RECEIVE_PROGRAM], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out: Buffer.concat(out), stderr }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
}

function file(tmp: string, path: string, content: Buffer, mode = 0o644, mtime = 1_600_000_000): Buffer[] {
  return [stepHeader({ op: 'F', tmp, path, mode, atime: mtime, mtime, size: content.length }), content];
}

async function inDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-recv-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('files land under their final names with mode and mtime, through a temporary name that is gone after', () =>
  inDir(async (dir) => {
    await writeFile(join(dir, 'old'), 'old content');
    const input = Buffer.concat([
      ...file('.lwt-tmp-a-0', 'old', Buffer.from('new content'), 0o640, 1_500_000_000.9),
      ...file('.lwt-tmp-a-1', '-delete', Buffer.from('a name that looks like an option'), 0o755),
      ...file('.lwt-tmp-a-2', 'empty', Buffer.alloc(0), 0o600),
    ]);
    const r = await receive(dir, input);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseReplies(r.out), { started: true, replies: [undefined, undefined, undefined] });
    assert.deepEqual((await readdir(dir)).sort(), ['-delete', 'empty', 'old']);
    assert.equal(await readFile(join(dir, 'old'), 'utf8'), 'new content');
    const st = await stat(join(dir, 'old'));
    assert.deepEqual([st.mode & 0o7777, st.mtimeMs / 1000], [0o640, 1_500_000_000]);
    assert.equal((await stat(join(dir, '-delete'))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(dir, 'empty'))).size, 0);
  }));

test('a temporary name that already exists (a symlink planted there) is never written through; the final name is untouched', () =>
  inDir(async (dir) => {
    await writeFile(join(dir, 'victim'), 'keep me');
    await writeFile(join(dir, 'final'), 'old');
    await symlink(join(dir, 'victim'), join(dir, '.lwt-tmp-b-0'));
    const r = await receive(dir, Buffer.concat([...file('.lwt-tmp-b-0', 'final', Buffer.from('evil')), ...file('.lwt-tmp-b-1', 'next', Buffer.from('next'))]));
    assert.equal(r.code, 0, r.stderr);
    const { replies } = parseReplies(r.out);
    assert.match(replies[0] ?? '', /^open final: file exists$/);
    assert.equal(replies[1], undefined, 'the next file still goes');
    assert.equal(await readFile(join(dir, 'victim'), 'utf8'), 'keep me');
    assert.equal(await readFile(join(dir, 'final'), 'utf8'), 'old');
    assert.equal(await readlink(join(dir, '.lwt-tmp-b-0')), join(dir, 'victim'), 'the planted link is left as it was');
    assert.equal(await readFile(join(dir, 'next'), 'utf8'), 'next');
  }));

test('a stream cut mid-file leaves the final name as it was and no temporary file', () =>
  inDir(async (dir) => {
    await writeFile(join(dir, 'big'), 'old');
    const whole = Buffer.concat(file('.lwt-tmp-c-0', 'big', Buffer.alloc(200_000, 7)));
    const r = await receive(dir, whole.subarray(0, 100_000));
    assert.notEqual(r.code, 0);
    assert.deepEqual(parseReplies(r.out), { started: true, replies: [] });
    assert.deepEqual(await readdir(dir), ['big']);
    assert.equal(await readFile(join(dir, 'big'), 'utf8'), 'old');
  }));

test('removals (missing is fine), folder removal, attributes; a failure is one line naming the path', () =>
  inDir(async (dir) => {
    await mkdir(join(dir, 'gone-dir'));
    await writeFile(join(dir, 'gone-file'), 'x');
    await writeFile(join(dir, 'attrs'), 'x');
    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'inside'), 'x');
    const steps: ReceiveStep[] = [
      { op: 'T', path: '.lwt-tmp-never-there' },
      { op: 'D', path: 'gone-file' },
      { op: 'R', path: 'gone-dir' },
      { op: 'R', path: 'full' },
      { op: 'A', path: 'attrs', mode: 0o604, atime: 1_000_000_000, mtime: 1_000_000_001 },
      { op: 'A', path: 'missing', mode: 0o644, atime: 0, mtime: 0 },
    ];
    const r = await receive(dir, Buffer.concat(steps.map(stepHeader)));
    assert.equal(r.code, 0, r.stderr);
    const { replies } = parseReplies(r.out);
    assert.equal(replies.length, 6);
    assert.deepEqual(replies.slice(0, 3), [undefined, undefined, undefined]);
    assert.match(replies[3] ?? '', /^rmdir full: directory not empty$/);
    assert.equal(replies[4], undefined);
    assert.equal(replies[5], 'setstat missing: no such file or folder');
    const st = await lstat(join(dir, 'attrs'));
    assert.deepEqual([st.mode & 0o7777, st.mtimeMs / 1000], [0o604, 1_000_000_001]);
    assert.deepEqual((await readdir(dir)).sort(), ['attrs', 'full']);
  }));

test('the reply parser: not started, a cut-off reply, names that are not UTF-8', () => {
  assert.deepEqual(parseReplies(Buffer.from('')), { started: false, replies: [] });
  assert.deepEqual(parseReplies(Buffer.from('perl: not found')), { started: false, replies: [] });
  assert.deepEqual(parseReplies(Buffer.from('P\0+\0-\0open a: x\0-\0trunc')), { started: true, replies: [undefined, 'open a: x'] });
  const odd = parseReplies(Buffer.concat([Buffer.from('P\0-\0open '), Buffer.of(0xff), Buffer.from(': x\0')]));
  assert.deepEqual(odd.replies, ['open \udcff: x'], 'a byte that is not UTF-8 is kept as its escape (byte-names.ts), not replaced');
});

test('step headers carry exact bytes and whole seconds', () => {
  const h = stepHeader({ op: 'F', tmp: 't', path: 'p', mode: 0o100644, atime: 1.9, mtime: 2.5, size: 3 });
  assert.equal(h.toString('latin1'), ['F', 't', 'p', '420', '1', '2', '3', ''].join('\0'));
  assert.equal(stepHeader({ op: 'D', path: 'x' }).toString('latin1'), 'D\0x\0');
});
