import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from 'node:assert';
import { assertLite } from '../../../src/bundle/assert-lite.js';

test('assert-lite: passing assertions do nothing, as node:assert', () => {
  assertLite(1);
  assertLite.ok('x');
  assertLite.equal(1, '1'); // loose, as node's legacy equal
  assertLite.equal(NaN, NaN);
  assertLite.strictEqual(NaN, NaN);
  assertLite.strictEqual('a', 'a');
});

test("assert-lite: failing assertions throw node's AssertionError with the message given", () => {
  assert.throws(() => assertLite(0, 'zero'), (e: unknown) => e instanceof AssertionError && e.message === 'zero');
  assert.throws(() => assertLite.ok(undefined, 'missing'), (e: unknown) => e instanceof AssertionError && e.message === 'missing');
  assert.throws(() => assertLite.ok(false), AssertionError);
  assert.throws(() => assertLite.equal(1, 2, 'one'), (e: unknown) => e instanceof AssertionError && e.message === 'one');
  assert.throws(() => assertLite.equal('object', 'string'), (e: unknown) => e instanceof AssertionError && e.operator === '==');
  assert.throws(() => assertLite.strictEqual(1, '1'), (e: unknown) => e instanceof AssertionError && e.operator === 'strictEqual');
  const err = new TypeError('mine');
  assert.throws(() => assertLite.ok(null, err), (e: unknown) => e === err);
});
