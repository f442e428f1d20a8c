import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveEnd, BLOCK, contentPadding, memberHeader, padded, type TarMember } from '../../../src/transfer/tar-header.js';
import { decodeName, encodeName } from '../../../src/transfer/byte-names.js';
import { tarCommand, tarUnusable } from '../../../src/transfer/push-stream.js';

/** An archive as push-stream.ts writes it. */
function archive(members: Array<TarMember & { data?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  const add = (b: Buffer): void => {
    parts.push(b);
    n += b.length;
  };
  for (const m of members) {
    add(memberHeader(m));
    if (m.data) {
      add(m.data);
      add(contentPadding(m.data.length));
    }
  }
  add(archiveEnd(n));
  return Buffer.concat(parts);
}

test('GNU tar extracts what the headers describe: names long and not UTF-8, modes without umask, mtimes, symlinks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lwt-tar-'));
  try {
    const longDir = `${'d'.repeat(120)}/${'e'.repeat(90)}`;
    const odd = decodeName(Buffer.from([0x6f, 0xff, 0x2e, 0x74])); // o\xff.t
    const members: Array<TarMember & { data?: Buffer }> = [
      { name: 'empty', type: 'file', mode: 0o600, size: 0, mtime: 1_000_000_000, data: Buffer.alloc(0) },
      { name: 'block', type: 'file', mode: 0o755, size: BLOCK, mtime: 1_600_000_000.9, data: Buffer.alloc(BLOCK, 7) },
      { name: `${longDir}/f`, type: 'file', mode: 0o640, size: 1000, mtime: 1_700_000_000, data: Buffer.alloc(1000, 1) },
      { name: odd, type: 'file', mode: 0o604, size: 3, mtime: 1_700_000_001, data: Buffer.from('abc') },
      { name: 'link', type: 'symlink', mode: 0o777, size: 0, mtime: 1_500_000_000, target: `../${'t'.repeat(150)}` },
    ];
    const tar = archive(members);
    assert.equal(tar.length % (20 * BLOCK), 0, 'whole records');
    assert.notEqual(tar.length % (256 * BLOCK), 0, 'the host reads 256-block records: the last one is short here');
    // Under a umask that would take group and other bits away: -p must keep the modes sent.
    const r = spawnSync('sh', ['-c', `umask 077 && mkdir -p ${longDir} && ${tarCommand(dir)}`], { input: tar, cwd: dir, encoding: 'buffer' });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stderr.toString(), '');
    for (const m of members.filter((x) => x.type === 'file')) {
      const p = join(dir, m.name);
      const st = lstatSync(encodeName(p));
      assert.equal(st.mode & 0o7777, m.mode, m.name);
      assert.equal(st.mtimeMs / 1000, Math.floor(m.mtime), m.name);
      assert.deepEqual(readFileSync(encodeName(p)), m.data, m.name);
    }
    assert.ok(readdirSync(dir, { encoding: 'buffer' }).some((b) => b.equals(Buffer.from([0x6f, 0xff, 0x2e, 0x74]))), 'the name arrives byte for byte');
    assert.equal(readlinkSync(join(dir, 'link')), `../${'t'.repeat(150)}`);
    assert.equal(lstatSync(join(dir, 'link')).mtimeMs / 1000, 1_500_000_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sizes and padding: contents fill whole blocks, huge sizes take GNU base-256', () => {
  assert.equal(padded(0), 0);
  assert.equal(padded(1), BLOCK);
  assert.equal(contentPadding(BLOCK + 1).length, BLOCK - 1);
  assert.equal(archiveEnd(0).length, 20 * BLOCK);
  assert.equal(archiveEnd(19 * BLOCK).length, 21 * BLOCK, 'two zero blocks always fit before the record ends');
  const big = memberHeader({ name: 'big', type: 'file', mode: 0o644, size: 2 ** 34, mtime: 0 });
  assert.equal(big[124], 0x80);
  assert.equal(big.readUInt32BE(132), 0, 'low 32 bits');
  assert.equal(big.readUInt32BE(128), 4, '2^34 = 4 << 32');
  const small = memberHeader({ name: 'x', type: 'file', mode: 0o644, size: 8, mtime: 0 });
  assert.equal(small.toString('ascii', 124, 135), '00000000010');
});

test('a host without a usable tar is told apart from a tar that failed on some files', () => {
  assert.ok(tarUnusable(127, 'sh: tar: not found'));
  assert.ok(tarUnusable(1, "tar: unrecognized option '--warning=no-timestamp'"));
  assert.equal(tarUnusable(2, 'tar: d/.lwt-tmp-x: Cannot open: Permission denied'), false);
  assert.match(tarCommand("./-x/it's"), / -C '\.\/-x\/it'\\''s'$/);
  assert.throws(() => tarCommand('-x'), /would be read as an option/);
});

test('the batch pool: the bytes come out in order and whole, buffers are reused only once taken, at most `count` in flight', async () => {
  const { BatchPool } = await import('../../../src/transfer/push-stream.js');
  const out: Buffer[] = [];
  const pending: Array<() => void> = [];
  const pipe = {
    write: (d: string | Buffer, done?: () => void): void => {
      out.push(Buffer.from(d as Buffer)); // a copy: the buffer is reused after `done`
      if (done) pending.push(done);
    },
    end: (): void => undefined,
  };
  const pool = new BatchPool(pipe, 8, 2);
  const input = Buffer.from('abcdefghijklmnopqrstuvwxyz');
  let finished = false;
  const run = (async () => {
    await pool.add(input.subarray(0, 5));
    await pool.zeros(4);
    await pool.add(input.subarray(5));
    await pool.flush();
    finished = true;
  })();
  await new Promise((r) => setImmediate(r));
  assert.equal(out.length, 2, 'two batches written, then it waits: both buffers are in flight');
  assert.equal(finished, false);
  while (pending.length > 0 || !finished) {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  await run;
  assert.deepEqual(Buffer.concat(out), Buffer.concat([input.subarray(0, 5), Buffer.alloc(4), input.subarray(5)]));
  assert.equal(pool.written, input.length + 4);
});
