import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostFileName } from '../../../src/hosts/file-name.js';

test('a host name is its own file name; what a path could misread is replaced', () => {
  assert.equal(hostFileName('root@web-01.example:2222'), 'root@web-01.example:2222');
  assert.equal(hostFileName('[fe80::1]'), '[fe80::1]');
  assert.equal(hostFileName('a/b c\\d'), 'a_b_c_d');
  assert.equal(hostFileName('..'), '_');
  assert.equal(hostFileName('...x'), '_x');
  assert.equal(hostFileName('.hidden'), '_hidden');
  assert.equal(hostFileName('a..b'), 'a..b');
  assert.equal(hostFileName('é'), '_');
});
