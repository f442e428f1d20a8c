import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTempName, TempNames } from '../../../src/transfer/temp-names.js';

test('temporary names sit in the final folder, are short, and are recognised', () => {
  const t = new TempNames();
  const a = t.next('/srv/www/index.html');
  const b = t.next('/srv/www/index.html');
  assert.notEqual(a, b);
  assert.match(a, /^\/srv\/www\/\.lwt-tmp-[0-9a-f]{16}-0$/);
  assert.ok(isTempName(a.slice(a.lastIndexOf('/') + 1)));
  assert.match(t.next('file'), /^\.lwt-tmp-[0-9a-f]{16}-2$/);
  assert.match(t.next(`/d/${'x'.repeat(255)}`), /^\/d\/\.lwt-tmp-/);
  assert.ok(isTempName(new TempNames().next('x')), 'every transfer\'s names are recognised');
});

test('names that only look like lwt\'s temporary files are a user\'s files, not leftovers', () => {
  const ours = new TempNames().next('x');
  const token = ours.slice('.lwt-tmp-'.length, ours.lastIndexOf('-'));
  for (const name of [
    '.lwt-tmp-',
    '.lwt-tmp-deadbeef-0',
    '.lwt-tmp-0123abcd-1x',
    'lwt-tmp-0123abcd-1',
    `.lwt-tmp-${token.slice(0, 12)}${((parseInt(token.slice(12), 16) + 1) % 0x10000).toString(16).padStart(4, '0')}-0`,
    `.lwt-tmp-${token.toUpperCase()}-0`,
    `${ours}.bak`,
    `x${ours}`,
  ]) {
    assert.equal(isTempName(name), false, name);
  }
  // Of 4096 random names of the right shape, about 1/65536 pass the check: none here.
  let passed = 0;
  for (let i = 0; i < 4096; i++) if (isTempName(`.lwt-tmp-${i.toString(16).padStart(16, 'a')}-0`)) passed++;
  assert.ok(passed <= 1, `${passed} look-alikes passed`);
});
