/**
 * Stands in for `node:assert` inside the CLI bundle for asn1's BER reader and writer and ssh2's
 * fs-compat (scripts/bundle-stand-ins.mjs), which ssh2 loads at its start. Node's assert module
 * drags in its error formatting and comparison code: ~1–4 ms of every start of an SSH verb.
 * Those files call `assert()`, `assert.ok` and `assert.equal` only (the build checks it). A
 * passing assertion does nothing, as with node's; a failing one is handed to node's assert,
 * loaded then, which throws its own AssertionError with the same message.
 */
import { createRequire } from 'node:module';

/** Node's assert, seen as plain functions (its assertion signatures need no narrowing here). */
type Check = (...args: unknown[]) => void;
type NodeAssert = { ok: Check; equal: Check; strictEqual: Check };
let loaded: NodeAssert | undefined;
const nodeAssert = (): NodeAssert => (loaded ??= createRequire(import.meta.url)('node:assert') as NodeAssert);

/** The methods the stand-in has: the build refuses a stood-in file that calls another. */
export const ASSERT_LITE_METHODS: readonly string[] = ['ok', 'equal', 'strictEqual'];

function ok(value: unknown, message?: string | Error): void {
  if (!value) nodeAssert().ok(value, message);
}

export const assertLite = Object.assign((value: unknown, message?: string | Error): void => ok(value, message), {
  ok,
  equal(actual: unknown, expected: unknown, message?: string | Error): void {
    // Node's equal is `==`, except that NaN equals NaN: it decides whenever `!=` says unequal.
    if (actual != expected) nodeAssert().equal(actual, expected, message);
  },
  strictEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (!Object.is(actual, expected)) nodeAssert().strictEqual(actual, expected, message);
  },
});
