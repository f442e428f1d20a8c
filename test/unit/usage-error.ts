import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';

/** Validator for assert.throws/rejects: a one-line UsageError with exactly this message (or matching it). */
export function usageError(message: string | RegExp): (err: unknown) => true {
  return (err: unknown): true => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    assert.ok(!/[\r\n]/.test(err.message), 'message must be one line');
    return true;
  };
}
