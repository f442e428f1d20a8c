import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dangerousDeleteRoot, deleteRefusal } from '../../../src/transfer/delete-guard.js';

test('--delete is refused for /, the home, folders holding the home and system top-level folders', () => {
  const home = '/home/ops';
  assert.equal(dangerousDeleteRoot('/', home), 'it is the root folder /');
  assert.equal(dangerousDeleteRoot('/home/ops', home), 'it is the login home folder (/home/ops)');
  assert.equal(dangerousDeleteRoot('/home', home), 'it holds the login home folder (/home/ops)');
  for (const sys of ['/etc', '/usr', '/bin', '/boot', '/var', '/lib', '/lib64', '/libx32', '/sbin', '/proc', '/sys', '/dev']) {
    assert.equal(dangerousDeleteRoot(sys, home), `it is the system folder ${sys}`);
  }
});

test('--delete may clean folders below them and look-alike names', () => {
  const home = '/home/ops';
  for (const ok of ['/etc/myapp', '/srv/www', '/home/ops/site', '/home/opsx', '/var/www', '/usr/local/app', '/etcetera', '/srv/lib']) {
    assert.equal(dangerousDeleteRoot(ok, home), undefined, ok);
  }
  assert.equal(dangerousDeleteRoot('/root', '/root'), 'it is the login home folder (/root)');
});

test('the refusal names DEST, its real path when spelled otherwise, the rule and the way out', () => {
  assert.equal(
    deleteRefusal('/srv/..', '/', 'it is the root folder /'),
    '--delete refused: /srv/.. (/ on the host): it is the root folder /; nothing was changed (--force-delete-dangerous to clean it anyway)',
  );
  assert.match(deleteRefusal('/etc', '/etc', 'it is the system folder /etc'), /^--delete refused: \/etc: it is the system folder/);
});
