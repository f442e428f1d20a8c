import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, type State } from '../../../../src/ssh/config/apply.js';
import { usageError } from '../../usage-error.js';

const fresh = (): State => ({ identityFiles: [], refusedSeen: new Map() });

test('the first value obtained wins, with where it was read', () => {
  const st = fresh();
  apply(st, { key: 'user', value: 'first' }, 'a.conf', 3);
  apply(st, { key: 'user', value: 'second' }, 'b.conf', 1);
  apply(st, { key: 'port', value: 2222 }, 'a.conf', 4);
  apply(st, { key: 'port', value: 22 }, 'a.conf', 9);
  apply(st, { key: 'proxyJump', value: 'bastion' }, 'a.conf', 5);
  apply(st, { key: 'proxyCommand', value: 'nc %h %p' }, 'a.conf', 6);
  apply(st, { key: 'batchMode', value: false }, 'a.conf', 7);
  apply(st, { key: 'batchMode', value: true }, 'a.conf', 8);
  assert.deepEqual(st.user, { value: 'first', source: 'a.conf', line: 3 });
  assert.deepEqual(st.port, { value: 2222, source: 'a.conf', line: 4 });
  assert.deepEqual(st.proxy, { kind: 'jump', value: 'bastion' }, 'ProxyJump and ProxyCommand share one slot');
  assert.equal(st.batchMode, false);
});

test('IdentityFile accumulates, skips repeats, and stops past 100 files', () => {
  const st = fresh();
  for (let i = 0; i < 100; i++) apply(st, { key: 'identityFile', value: `~/.ssh/k${i}` }, 'a.conf', i + 1);
  apply(st, { key: 'identityFile', value: '~/.ssh/k5' }, 'a.conf', 200);
  assert.equal(st.identityFiles.length, 100);
  assert.deepEqual(st.identityFiles[5], { value: '~/.ssh/k5', source: 'a.conf', line: 6 });
  assert.throws(() => apply(st, { key: 'identityFile', value: '~/.ssh/one-more' }, 'a.conf', 201), usageError('a.conf:201: too many identity files (more than 100)'));
});
