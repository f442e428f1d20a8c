import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyConnectError } from '../../../src/ssh/classify-error.js';

/** An error as Node's socket or ssh2 raises it. */
const err = (message: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), extra);

test('socket error codes name the reason the README lists', () => {
  const cases: Array<[string, string, string]> = [
    ['ECONNREFUSED', 'refused', 'connection refused'],
    ['ENOTFOUND', 'dns', 'name lookup failed (ENOTFOUND)'],
    ['EAI_AGAIN', 'dns', 'name lookup failed (EAI_AGAIN)'],
    ['EAI_FAIL', 'dns', 'name lookup failed (EAI_FAIL)'],
    ['EAI_NONAME', 'dns', 'name lookup failed (EAI_NONAME)'],
    ['ETIMEDOUT', 'connect-timeout', 'TCP connect timed out'],
    ['EHOSTUNREACH', 'connect-timeout', 'no route to host (EHOSTUNREACH)'],
    ['ENETUNREACH', 'connect-timeout', 'no route to host (ENETUNREACH)'],
    ['ECONNRESET', 'reset', 'connection reset (ECONNRESET)'],
    ['EPIPE', 'reset', 'connection reset (EPIPE)'],
    ['ECONNABORTED', 'reset', 'connection reset (ECONNABORTED)'],
  ];
  for (const [code, reason, message] of cases) {
    assert.deepEqual(classifyConnectError(err(`connect ${code} 10.0.0.1:22`, { code })), { reason, message }, code);
  }
});

test('ssh2 errors: auth by level, handshake timeout and early close by message, anything else is protocol', () => {
  assert.deepEqual(classifyConnectError(err('All configured authentication methods failed', { level: 'client-authentication' })), {
    reason: 'auth',
    message: 'authentication refused: no offered key was accepted',
  });
  assert.deepEqual(classifyConnectError(err('Timed out while waiting for handshake')), { reason: 'connect-timeout', message: 'no SSH handshake in time' });
  for (const m of ['Connection lost before handshake', 'socket hung up', 'Socket closed']) {
    assert.deepEqual(classifyConnectError(err(m)), { reason: 'reset', message: m });
  }
  assert.deepEqual(classifyConnectError(err('Protocol version not supported\nsecond line')), { reason: 'protocol', message: 'Protocol version not supported' });
  assert.deepEqual(classifyConnectError(err('Bad packet length 1195725856', { level: 'protocol' })), { reason: 'protocol', message: 'Bad packet length 1195725856' });
});

test('the code wins over the message, and a thrown non-error is still classified', () => {
  // ssh2 may wrap a socket error: the code is the more specific evidence.
  assert.equal(classifyConnectError(err('Timed out while waiting for handshake', { code: 'ECONNREFUSED' })).reason, 'refused');
  assert.deepEqual(classifyConnectError('weird'), { reason: 'protocol', message: 'weird' });
});
