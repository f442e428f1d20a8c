/**
 * Attacks on the transfer verbs from the security review (issue 13, items 2, 3, 4, 8, 9, 10),
 * each against real hosts with a filesystem and a scratch login home of their own (a tmpfs
 * per host inside its mount namespace): what an attack reaches is a throw-away folder.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { runLwt, type LwtRun } from './helpers.js';
import { okOnHost, onHost } from './transfer-helpers.js';

const ROOT = '/srv/lwt-host';
let fleet: Fleet;
let home: string;
let work: string;
let hosts: string[];

before(async () => {
  fleet = await startFleet({ good: 2, port: 2234, firstAddress: '127.0.12.1', privateRoot: ROOT, privateHome: true });
  hosts = fleet.addresses('good');
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  work = await mkdtemp(join(tmpdir(), 'lwt-sec-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

const lwt = (verb: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<LwtRun> =>
  runLwt(['--home', home, verb, '-F', fleet.sshConfig, ...args], opts);

interface HostLine {
  host: string;
  outcome: { kind: string; code?: number; message?: string };
  stdout?: string;
  stderr?: string;
  [k: string]: unknown;
}

/** The per-host objects of a --json run. */
function hostLines(r: LwtRun): HostLine[] {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"host"'))
    .map((l) => JSON.parse(l) as HostLine);
}

async function site(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

test('item 2: --delete is judged by the real path on the host: /srv/.., ~/.., ../.., /tmp/../etc and x/.. are refused, nothing deleted', async () => {
  const h = hosts[0]!;
  const src = await site('del-site', { 'index.html': 'hi\n' });
  await onHost(fleet, h, 'echo keep > canary-del && mkdir -p x');
  // Dry runs for / and /etc: before the fix they listed `delete /srv/../etc/…`.
  for (const [dest, real, rule] of [
    ['/srv/..', '/', /it is the root folder \//],
    ['~/..', '/', /it is the root folder \//],
    ['../..', '/', /it is the root folder \//],
    ['/tmp/../etc', '/etc', /it is the system folder \/etc/],
    ['x/..', '', /it is the login home folder/],
  ] as const) {
    const r = await lwt('put-all', ['-w', h, '--json', '--delete', '--dry-run', `${src}/`, dest]);
    assert.equal(r.status, 1, `${dest}: ${r.stdout}${r.stderr}`);
    const [line] = hostLines(r);
    assert.equal(line?.outcome.kind, 'failed', dest);
    assert.match(line!.outcome.message!, /^--delete refused: /, dest);
    assert.match(line!.outcome.message!, rule, dest);
    if (real) assert.ok(line!.outcome.message!.includes(`(${real} on the host)`), line!.outcome.message);
    assert.doesNotMatch(line!.stdout ?? '', /delete /, `${dest}: no delete planned`);
  }
  // For real into the (scratch) home spelled x/..: refused, the home keeps its files.
  const real = await lwt('put-all', ['-w', h, '--json', '--delete', `${src}/`, 'x/..']);
  assert.equal(real.status, 1, real.stdout);
  assert.equal((await onHost(fleet, h, 'cat canary-del')).trim(), 'keep');
  assert.equal(await okOnHost(fleet, h, 'test -e index.html'), false, 'nothing was sent either');
  // A folder below them is cleaned as before; --force-delete-dangerous lifts the rule.
  await onHost(fleet, h, `mkdir -p ${ROOT}/www && echo old > ${ROOT}/www/old.html`);
  const ok = await lwt('put-all', ['-w', h, '--delete', `${src}/`, `${ROOT}/www/../www`]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(await okOnHost(fleet, h, `test -e ${ROOT}/www/old.html`), false);
  const forced = await lwt('put-all', ['-w', h, '--json', '--delete', '--dry-run', '--force-delete-dangerous', `${src}/`, 'x/..']);
  assert.equal(forced.status, 0, forced.stdout);
  assert.match(hostLines(forced)[0]!.stdout ?? '', /delete x\/\.\.\/canary-del/);
});
