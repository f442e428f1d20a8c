import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../../../src/transfer/entry.js';
import { fetchScript, FetchReader, type FetchEvent } from '../../../src/transfer/fetch-script.js';
import { fetchProgram } from '../../../src/transfer/fetch-program.js';
import { encodeName } from '../../../src/transfer/byte-names.js';

const file = (rel: string, size: number): Entry => ({ rel, type: 'f', mode: 0o644, size, mtime: 1 });

type Streamer = 'sh' | 'perl';

/**
 * Run a stream with the local tools (sh and GNU dd, or perl), cut it into per-file results.
 * Both must say exactly the same of every file: each case below runs with both.
 */
async function stream(root: string, files: Entry[], by: Streamer, followLinks = false): Promise<Map<string, string>> {
  const { order, input } =
    by === 'sh'
      ? ((s) => ({ order: s.order, input: encodeName(s.script) }))(fetchScript(root, files, followLinks))
      : fetchProgram(root, files, followLinks);
  const out = new Map<string, string>();
  const data = new Map<string, Buffer[]>();
  const reader = new FetchReader(order, (ev: FetchEvent) => {
    if (ev.type === 'skipped') out.set(ev.entry.rel, `skipped: ${ev.reason}`);
    if (ev.type === 'start') data.set(ev.entry.rel, []);
    if (ev.type === 'data') data.get(ev.entry.rel)!.push(ev.data);
    if (ev.type === 'end') out.set(ev.entry.rel, `${ev.read ?? 'x'}:${Buffer.concat(data.get(ev.entry.rel)!).toString('latin1')}`);
  });
  const child = spawn(by === 'sh' ? '/bin/sh' : 'perl', by === 'sh' ? ['-s'] : ['-'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.on('data', (c: Buffer) => reader.push(c));
  child.stdin.end(input);
  await new Promise((r) => child.on('close', r));
  assert.equal(reader.done, order.length, 'every file accounted for');
  return out;
}

for (const by of ['sh', 'perl'] as const) {
test(`${by}: the stream carries listed files exactly, at most their listed size, and refuses what changed`, async () => {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'lwt-fetch-')));
  try {
    const root = join(dir, 'root');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'a.txt'), 'hello\n');
    await writeFile(join(root, "it's\nodd"), 'odd');
    await writeFile(join(root, 'sub', 'grew'), '0123456789');
    await writeFile(join(root, 'sub', 'shrank'), 'ab');
    await writeFile(join(root, 'empty'), '');
    execFileSync('mkfifo', [join(root, 'fifo')]);
    await symlink('/etc/hostname', join(root, 'link'));
    await writeFile(Buffer.from(`${root}/caf\xe9`, 'latin1'), 'bytes');
    const got = await stream(root, [
      file('a.txt', 6),
      file("it's\nodd", 3),
      file('sub/grew', 4),
      file('sub/shrank', 5),
      file('empty', 0),
      file('fifo', 3),
      file('link', 3),
      file('caf\udce9', 5),
    ], by);
    assert.equal(got.get('a.txt'), '6:hello\n');
    assert.equal(got.get("it's\nodd"), '3:odd');
    assert.equal(got.get('sub/grew'), '5:0123', 'listed 4 bytes: 4 kept, dd read one more: it grew');
    assert.equal(got.get('sub/shrank'), '2:ab\0\0\0', 'padded to the listed size; read=2 tells the caller to drop it');
    assert.equal(got.get('empty'), '0:');
    assert.match(got.get('fifo')!, /^skipped: not a regular file/, 'a FIFO is never opened for reading');
    assert.match(got.get('link')!, /^skipped: not a regular file/);
    assert.equal(got.get('caf\udce9'), '5:bytes');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(`${by}: a folder that is a symlink now (to /etc) is not entered: its files are refused`, async () => {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'lwt-fetch-')));
  try {
    const root = join(dir, 'root');
    await mkdir(root, { recursive: true });
    await symlink('/etc', join(root, 'd'));
    const got = await stream(root, [file('d/hostname', 3), file('d/passwd', 10)], by);
    assert.match(got.get('d/hostname')!, /^skipped: its folder .*\/root\/d is not where it was listed/);
    assert.match(got.get('d/passwd')!, /^skipped: its folder/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(`${by}: with -L a file and a folder are read through their symlinks; a dangling one is refused`, async () => {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'lwt-fetch-')));
  try {
    const root = join(dir, 'root');
    await mkdir(join(dir, 'elsewhere'), { recursive: true });
    await mkdir(root, { recursive: true });
    await writeFile(join(dir, 'elsewhere', 'target'), 'far\n');
    await symlink(join(dir, 'elsewhere', 'target'), join(root, 'link'));
    await symlink(join(dir, 'nowhere'), join(root, 'dangling'));
    const got = await stream(root, [file('link', 4), file('dangling', 1)], by, true);
    assert.equal(got.get('link'), '4:far\n');
    assert.match(got.get('dangling')!, /^skipped: not a regular file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
}

test('perl: names travel as hex, so a name holding Perl code or a newline is only a name', () => {
  const { input } = fetchProgram('/r', [file("x'; system('touch lwt-p'); '\n__END__", 1)], false);
  const data = input.toString('latin1').split('__END__\n')[1]!;
  assert.equal(data, `d ${Buffer.from('/r').toString('hex')}\nf ${Buffer.from("x'; system('touch lwt-p'); '\n__END__").toString('hex')} 2\n`);
});

test('perl: a large file is streamed in pieces and padded when it shrank by more than a buffer', async () => {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'lwt-fetch-')));
  try {
    const root = join(dir, 'root');
    await mkdir(root, { recursive: true });
    const big = Buffer.alloc(300_000, 7);
    await writeFile(join(root, 'big'), big);
    await writeFile(join(root, 'small'), 'abc');
    const got = await stream(root, [file('big', 300_000), file('small', 200_000)], 'perl');
    assert.equal(got.get('big'), `300000:${big.toString('latin1')}`);
    assert.equal(got.get('small'), `3:abc${'\0'.repeat(199_997)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
