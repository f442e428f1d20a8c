/**
 * put-all reads DEST through its SFTP session: no command runs on the host for the listing
 * (sshd's internal-sftp starts no shell). Every command sshd runs here starts the login shell,
 * bash, which first sources $BASH_ENV (set by the fleet's sshd): that script counts them.
 * Where SFTP cannot do (a name that is not UTF-8, --checksum), the listing command runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { runLwt, type LwtRun } from './helpers.js';
import { describeLocal, describeRemote, lines } from './transfer-helpers.js';

let fleet: Fleet;
let home: string;
let work: string;
let host: string;
let counter: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lwt-put-list-'));
  counter = join(work, 'commands');
  const script = join(work, 'count.sh');
  // Only lwt's commands (its wrapper reports the shell's pid first): startup files may run
  // shells of their own.
  await writeFile(script, `case $BASH_EXECUTION_STRING in *LWT-PID*) echo lwt >> ${counter} ;; esac\n`);
  fleet = await startFleet({ good: 1, port: 2255, firstAddress: '127.0.37.1', sshdOptions: { SetEnv: `SHLVL=1 BASH_ENV=${script}` } });
  host = fleet.addresses('good')[0]!;
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

const lwt = (args: string[]): Promise<LwtRun> => runLwt(['--home', home, 'put-all', '-F', fleet.sshConfig, '-w', host, ...args], { timeoutMs: 60_000 });

/** Commands the host ran since the last call. */
async function commandsRun(): Promise<string[]> {
  const text = await readFile(counter, 'utf8').catch(() => '');
  await writeFile(counter, '');
  return text.split('\n').filter(Boolean);
}

test('the bash of the fleet counts the commands it runs (the proof below depends on it)', async () => {
  await commandsRun();
  const r = await runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, '-w', host, 'true'], { timeoutMs: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await commandsRun()).length, 1);
});

test('put-all and put-all --changed list DEST through SFTP: no command runs on the host, and the tree arrives whole', async () => {
  const src = join(work, 'src');
  await mkdir(join(src, 'd', 'e'), { recursive: true });
  for (let i = 0; i < 8; i++) await writeFile(join(src, 'd', `f${i}`), `file ${i}\n`);
  await writeFile(join(src, 'd', 'e', 'deep'), 'deep\n');
  const dest = join(work, 'dest', 'not', 'yet');
  await commandsRun();
  const first = await lwt([`${src}/`, dest]);
  assert.equal(first.status, 0, first.stderr);
  await writeFile(join(src, 'd', 'f3'), 'changed\n');
  await utimes(join(src, 'd', 'f3'), 1_700_000_000, 1_700_000_000);
  const again = await lwt(['--changed', `${src}/`, dest]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /sent: 127\.0\.37\.1: 1 file/);
  assert.deepEqual(await commandsRun(), [], 'no listing command, no tar stream (fewer than 32 files)');
  assert.deepEqual(lines(await describeRemote(fleet, host, dest)), lines(await describeLocal(src)));
});

test('a DEST holding a name that is not UTF-8, and --checksum, get the listing command; the result is the same', async () => {
  const src = join(work, 'src2');
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'a'), 'a\n');
  const dest = join(work, 'dest2');
  await mkdir(dest, { recursive: true });
  await writeFile(Buffer.concat([Buffer.from(`${dest}/caf`), Buffer.from([0xe9])]), 'latin-1 name\n');
  await commandsRun();
  const r = await lwt(['--changed', `${src}/`, dest]);
  assert.equal(r.status, 0, r.stderr);
  const ran = await commandsRun();
  assert.equal(ran.length, 1, ran.join('\n'));
  assert.equal(await readFile(join(dest, 'a'), 'utf8'), 'a\n');

  const sums = await lwt(['--checksum', `${src}/`, dest]);
  assert.equal(sums.status, 0, sums.stderr);
  assert.equal((await commandsRun()).length, 1);
});
