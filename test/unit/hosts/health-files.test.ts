import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { healthFilePath, okFilePath, writeOkFile } from '../../../src/hosts/health-files.js';
import type { HostHealth } from '../../../src/hosts/health.js';

const h = (listed: boolean): HostHealth => ({ state: listed ? 'ok' : 'refused', why: '', listed, since: 't', lastChecked: 't', consecutiveFailures: 0, consecutiveSuccesses: 0 });

test('where the files live in a home', () => {
  assert.equal(healthFilePath('/srv/fleet'), '/srv/fleet/.lwt/health.json');
  assert.equal(okFilePath('/srv/fleet'), '/srv/fleet/hosts/ok');
});

test('hosts/ok: listed hosts only, probed ones in the order given, then the others sorted; written whole', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lwt-ok-'));
  await mkdir(join(home, 'hosts'));
  const hosts = { zeta: h(true), alpha: h(true), web2: h(true), web1: h(true), down: h(false) };
  const listed = await writeOkFile(home, hosts, ['web2', 'down', 'web1']);
  assert.deepEqual(listed, ['web2', 'web1', 'alpha', 'zeta']);
  const text = await readFile(okFilePath(home), 'utf8');
  assert.match(text, /^# written by lwt monitor at \d{4}-\d\d-\d\dT[\d:.]+Z: 4 working hosts\nweb2\nweb1\nalpha\nzeta\n$/);
  assert.deepEqual(await readdir(join(home, 'hosts')), ['ok'], 'no temporary file left');
  assert.deepEqual(await writeOkFile(home, { down: h(false) }, ['down']), []);
  assert.match(await readFile(okFilePath(home), 'utf8'), /: 0 working hosts\n$/);
  await rm(home, { recursive: true });
});
