import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readLines } from '../../../src/dispatch/line-source.js';

async function collect(chunks: Array<string | Buffer>, opts = {}): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for await (const l of readLines(Readable.from(chunks.map((c) => Buffer.from(c))), opts)) out.push([l.seq, l.text]);
  return out;
}

test('lines split across chunks, a last line without newline, empty lines kept and counted', async () => {
  assert.deepEqual(await collect(['a\nb', 'c\n\nd']), [
    [1, 'a'],
    [2, 'bc'],
    [3, ''],
    [4, 'd'],
  ]);
  assert.deepEqual(await collect(['x\n']), [[1, 'x']]);
  assert.deepEqual(await collect([]), []);
});

test('bytes are kept exactly, invalid UTF-8 and a multi-byte character split over chunks included', async () => {
  const euro = Buffer.from('€\n');
  const chunks = [Buffer.from([0xff, 0x41, 0x0a]), euro.subarray(0, 1), euro.subarray(1)];
  const lines = [];
  for await (const l of readLines(Readable.from(chunks))) lines.push(l);
  assert.deepEqual(lines[0]!.bytes, Buffer.from([0xff, 0x41]));
  assert.equal(lines[1]!.text, '€');
  assert.deepEqual(lines[1]!.bytes, Buffer.from('€'));
});

test('skipped lines keep their numbers: a resumed run gives each line the same Seq', async () => {
  assert.deepEqual(await collect(['a\nb\nc\nd\n'], { skip: (s: number) => s === 2 || s === 3 }), [
    [1, 'a'],
    [4, 'd'],
  ]);
});

test('the source reads only as lines are taken (flow control), and waits on the gate', async () => {
  let pulled = 0;
  async function* endless(): AsyncGenerator<Buffer> {
    for (;;) {
      pulled++;
      yield Buffer.from('line\n'.repeat(10));
    }
  }
  let gates = 0;
  const it = readLines(endless(), { gate: () => void gates++ })[Symbol.asyncIterator]();
  for (let i = 0; i < 25; i++) await it.next();
  await it.return(undefined);
  assert.equal(pulled, 3, 'three chunks of ten lines for 25 lines taken');
  assert.equal(gates, 25);
});
