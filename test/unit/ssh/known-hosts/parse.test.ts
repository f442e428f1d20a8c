import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KnownHosts } from '../../../../src/ssh/known-hosts/verify.js';
import { scratchKeys, line } from './helpers.js';

const k = scratchKeys();

test('bad lines are skipped with a warning naming file:line', () => {
  const kh = KnownHosts.fromText(
    [
      'onlyahost',
      line('h', k.edA),
      'h ssh-ed25519 !!notbase64!!',
      `h ssh-rsa ${k.edA.b64}`,
      `@weird h ${k.edA.type} ${k.edA.b64}`,
      `|1|c2hvcnQ=|AAAA ${k.edA.type} ${k.edA.b64}`,
      `|2|x|y ${k.edA.type} ${k.edA.b64}`,
      'h 2048 65537 1234567',
    ].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('h', 22, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 2 });
  assert.equal(kh.warnings.length, 7);
  assert.deepEqual(
    kh.warnings.map((w) => w.split(':').slice(0, 2).join(':')),
    ['kh:1', 'kh:3', 'kh:4', 'kh:5', 'kh:6', 'kh:7', 'kh:8'],
  );
  assert.match(kh.warnings[2] ?? '', /key type ssh-rsa does not match/);
});
