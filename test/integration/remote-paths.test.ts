/**
 * Remote paths that look like options (security review, item 1). Before the fix,
 * `put-all f -- -delete/` ran `find -H -delete …` in the login folder and emptied it, and
 * `get-all -- -delete out/` did the same. Each host here has a scratch home of its own (a
 * tmpfs over the login user's home inside the host's mount namespace), so the attack only
 * ever reaches a throw-away folder; the canary file proves whether it got through.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { runLwt, type LwtRun } from './helpers.js';
import { okOnHost, onHost } from './transfer-helpers.js';

let fleet: Fleet;
let home: string;
let work: string;
let hosts: string[];

before(async () => {
  fleet = await startFleet({ good: 2, port: 2229, firstAddress: '127.0.7.1', privateRoot: '/srv/lwt-host', privateHome: true });
  hosts = fleet.addresses('good');
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  work = await mkdtemp(join(tmpdir(), 'lwt-dash-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

const lwt = (verb: string, args: string[]): Promise<LwtRun> => runLwt(['--home', home, verb, '-F', fleet.sshConfig, '-w', hosts.join(','), ...args]);

/** The login folder's listing on a host, one name a line, sorted. */
async function homeListing(host: string): Promise<string[]> {
  return (await onHost(fleet, host, 'ls -A1 . | LC_ALL=C sort')).split('\n').filter(Boolean);
}

test('the hosts log in to a scratch home of their own, not this machine\'s', async () => {
  await onHost(fleet, hosts[0]!, 'echo mine > canary-isolation');
  assert.equal(await okOnHost(fleet, hosts[0]!, 'test -f canary-isolation'), true);
  assert.equal(await okOnHost(fleet, hosts[1]!, 'test -e canary-isolation'), false);
  await onHost(fleet, hosts[0]!, 'rm canary-isolation');
});

test("put-all and get-all take DEST/REMOTE beginning with '-' as names: the remote home survives", async () => {
  for (const h of hosts) await onHost(fleet, h, 'echo keep > canary && mkdir -p keep-dir && echo x > keep-dir/file');
  const before = await homeListing(hosts[0]!);
  assert.deepEqual(before.filter((n) => n.startsWith('canary') || n === 'keep-dir'), ['canary', 'keep-dir']);

  await writeFile(join(work, 'f.txt'), 'payload\n');
  await mkdir(join(work, 'site'));
  await writeFile(join(work, 'site', 'index.html'), '<p>hi</p>\n');

  const put1 = await lwt('put-all', [join(work, 'f.txt'), '--', '-delete/']);
  assert.equal(put1.status, 0, put1.stderr);
  const put2 = await lwt('put-all', ['--changed', `${join(work, 'site')}/`, '--', '-delete']);
  assert.equal(put2.status, 0, put2.stderr);
  const put3 = await lwt('put-all', ['--checksum', '--changed', join(work, 'f.txt'), '--', '-exec']);
  assert.equal(put3.status, 0, put3.stderr);

  for (const h of hosts) {
    assert.equal((await onHost(fleet, h, 'cat canary')).trim(), 'keep', `${h}: canary survived`);
    assert.equal((await onHost(fleet, h, 'cat keep-dir/file')).trim(), 'x', `${h}: folder survived`);
    assert.equal((await onHost(fleet, h, 'cat ./-delete/f.txt')).trim(), 'payload', `${h}: -delete is a folder`);
    assert.equal((await onHost(fleet, h, 'cat ./-delete/index.html')).trim(), '<p>hi</p>');
    assert.equal((await onHost(fleet, h, 'cat ./-exec')).trim(), 'payload', `${h}: -exec is a file`);
  }
  assert.deepEqual(
    (await homeListing(hosts[0]!)).filter((n) => ['-delete', '-exec', 'canary', 'keep-dir'].includes(n)),
    ['-delete', '-exec', 'canary', 'keep-dir'],
  );

  const out = join(work, 'got');
  const get = await lwt('get-all', ['--', '-delete', out]);
  assert.equal(get.status, 0, get.stderr);
  for (const h of hosts) {
    assert.equal(await readFile(join(out, h, '-delete', 'f.txt'), 'utf8'), 'payload\n', `${h}: fetched as a folder named -delete`);
    assert.equal((await onHost(fleet, h, 'cat canary')).trim(), 'keep', `${h}: get-all deleted nothing`);
  }
});
