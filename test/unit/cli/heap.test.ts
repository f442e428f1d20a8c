import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

// In a process of its own: the flags stay set for the life of the process that sets them.
// It makes short-lived garbage with a few survivors, as a run of many connections does, and
// prints the size V8 gave the young generation.
const CHURN = `
const [mod, call] = process.argv.slice(1);
if (call !== 'none') (await import(mod))[call]();
const v8 = await import('node:v8');
const keep = [];
for (let i = 0; i < 400000; i++) {
  const o = { a: new Array(20).fill(i), s: 'x' + i };
  if (i % 50 === 0) keep.push(o);
  if (keep.length > 2000) keep.splice(0, 1000);
}
console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
`;

const newSpace = (call: string): number =>
  Number(execFileSync(process.execPath, ['--input-type=module', '-e', CHURN, new URL('../../../src/cli/heap.js', import.meta.url).href, call], { encoding: 'utf8' }));

test('heap: without the flags V8 grows the young generation under churn; both calls keep it at its starting size', () => {
  const grown = newSpace('none');
  for (const call of ['keepYoungGenerationSmall', 'keepHeapSmall']) {
    const kept = newSpace(call);
    assert.ok(kept < grown, `${call}: young generation ${kept} bytes, ${grown} without it`);
    assert.ok(kept <= 4 * 1024 * 1024, `${call}: young generation ${kept} bytes`);
  }
});
