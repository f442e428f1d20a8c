import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndScanner, RECEIVER_COMMAND } from '../../../src/transfer/held-listing.js';
import { findPrefix, listingScript, parseListing } from '../../../src/transfer/remote-list.js';
import { parseReplies, stepHeader } from '../../../src/transfer/receive-program.js';

const NONCE = 'a1b2c3';

test('the end of the listing is found when its mark is cut between chunks, and not in a name without the nonce', () => {
  const listing = Buffer.from(['LWT1', 'T', 'f', '644', '5', '1.0', 'LWT-END-other 0', '', ''].join('\0'));
  const mark = Buffer.from(`LWT-END-${NONCE} 0\0`);
  const after = Buffer.from('P\0+\0');
  const all = Buffer.concat([listing, mark, after]);
  for (let cut = 1; cut < all.length; cut++) {
    const s = new EndScanner(NONCE);
    const first = s.push(all.subarray(0, cut));
    const second = s.push(all.subarray(cut));
    assert.deepEqual(first ?? second, { status: 0 }, `cut at ${cut}`);
    assert.equal(s.listingBytes, listing.length, `cut at ${cut}`);
    assert.deepEqual(Buffer.concat(s.listingChunks()), listing, `cut at ${cut}`);
    assert.deepEqual(Buffer.concat(s.after), after, `cut at ${cut}`);
  }
  const s = new EndScanner(NONCE);
  assert.equal(s.push(Buffer.from('LWT1\0T\0')), undefined);
  assert.deepEqual(s.push(Buffer.from(`LWT-END-${NONCE} 1\0`)), { status: 1 }, 'the listing status travels');
});

/** The held listing script run by the local sh, the way the host's login shell runs it. */
function hold(cwd: string, script: string): { out: Promise<Buffer>; write: (b: Buffer | string) => void; end: () => void; code: Promise<number | null> } {
  const p = spawn('/bin/sh', ['-c', script], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  p.stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = new Promise<number | null>((resolve) => p.on('close', resolve));
  return { out: code.then(() => Buffer.concat(chunks)), write: (b) => p.stdin.write(b), end: () => p.stdin.end(), code };
}

test('the held shell lists, waits, and on `p` runs the receiver in the same process chain; on anything else exits with the listing status', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-held-'));
  try {
    const root = join(dir, 'tree');
    await mkdir(root);
    await writeFile(join(root, 'a'), 'old');
    const script = listingScript({ kind: 'tree', root, checksum: false, createParent: true }, { receiver: RECEIVER_COMMAND });

    const released = hold(dir, script);
    released.write(`${NONCE}\nx\n`);
    released.end();
    assert.equal(await released.code, 0);
    const s = new EndScanner(NONCE);
    assert.deepEqual(s.push(await released.out), { status: 0 });
    const listing = parseListing(Buffer.concat(s.listingChunks()), () => findPrefix(root));
    assert.deepEqual(listing.entries.map((e) => e.rel).sort(), ['', 'a']);
    assert.deepEqual(s.after, [], 'released: nothing after the mark');

    const run = hold(dir, script);
    run.write(`${NONCE}\np\n`);
    const content = Buffer.from('new');
    run.write(Buffer.concat([stepHeader({ op: 'F', tmp: join(root, '.lwt-tmp-x-0'), path: join(root, 'a'), mode: 0o600, atime: 1e9, mtime: 1e9, size: 3 }), content]));
    run.end();
    assert.equal(await run.code, 0);
    const s2 = new EndScanner(NONCE);
    assert.deepEqual(s2.push(await run.out), { status: 0 });
    assert.deepEqual(parseReplies(Buffer.concat(s2.after)), { started: true, replies: [undefined] });
    assert.equal(await readFile(join(root, 'a'), 'utf8'), 'new');
    assert.deepEqual(await readdir(root), ['a']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a shell without the receiver (no perl) exits 127 after the mark and answers nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-held-'));
  try {
    const script = listingScript({ kind: 'tree', root: join(dir, 'none'), checksum: false, createParent: false }, { receiver: 'lwt-no-such-receiver' });
    const run = hold(dir, script);
    run.write(`${NONCE}\np\nF\0`);
    run.end();
    assert.equal(await run.code, 127);
    const s = new EndScanner(NONCE);
    assert.deepEqual(s.push(await run.out), { status: 0 });
    assert.equal(parseReplies(Buffer.concat(s.after)).started, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
