/**
 * Many hosts at once against sshds that turn connections away: 300 hosts whose sshds take
 * only a few unauthenticated connections at once (MaxStartups 4 for each sshd, which serves
 * 16 addresses here), run with lwt's defaults and a fanout far above what they take. Every
 * host must complete: a refusal before the banner is `throttled` and retried, and the
 * handshakes lwt runs at once are bounded by its admission limit, not by the fanout.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { runLwt, type LwtRun } from './helpers.js';

const HOSTS = 300;
let fleet: Fleet;
let home: string;

before(async () => {
  fleet = await startFleet({
    good: HOSTS,
    port: 2237,
    firstAddress: '127.0.20.1',
    // VERBOSE: sshd logs each connection it drops past MaxStartups, which proves the throttling happened.
    sshdOptions: { MaxStartups: '4', LogLevel: 'VERBOSE' },
  });
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const jsonLines = (r: LwtRun): Record<string, any>[] => r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** Lines of every sshd log of the fleet that say a connection was dropped past MaxStartups. */
async function drops(): Promise<number> {
  let n = 0;
  for (const f of await readdir(fleet.dir)) {
    if (!/^sshd-\d+\.log$/.test(f)) continue;
    n += (await readFile(join(fleet.dir, f), 'utf8')).split('\n').filter((l) => /past MaxStartups/.test(l)).length;
  }
  return n;
}

test('300 hosts at -p 300 against sshds with MaxStartups 4: every host completes with the defaults', async () => {
  const hostsFile = join(home, 'hosts', 'scale');
  await writeFile(hostsFile, fleet.addresses('good').join('\n') + '\n');
  const before = await drops();
  const r = await runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, '-H', hostsFile, '-p', String(HOSTS), '--json', 'echo ok'], {
    timeoutMs: 240_000,
  });
  const lines = jsonLines(r);
  const summary = lines.pop()!.summary;
  const bad = lines.filter((l) => l.outcome.kind !== 'exited' || l.outcome.code !== 0 || l.stdout !== 'ok\n');
  assert.deepEqual(bad.slice(0, 5), [], `${bad.length} hosts failed; stderr: ${r.stderr.slice(-2000)}`);
  assert.equal(lines.length, HOSTS);
  assert.equal(new Set(lines.map((l) => l.host)).size, HOSTS);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(summary, 'a summary line');
  // The sshds did turn connections away: the run completed in spite of throttling, not without it.
  assert.ok((await drops()) - before > 0, 'no sshd dropped a connection past MaxStartups: the test proves nothing');
});
