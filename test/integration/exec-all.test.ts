/**
 * lwt exec-all against a real OpenSSH fleet on loopback: fault hosts, remote tree kills on
 * deadline and on Ctrl-C, host-key refusal, output modes, exit statuses and the journal.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { processesMatching, runLwt, uniqueSeconds, type LwtRun } from './helpers.js';

let fleet: Fleet;
let home: string;

before(async () => {
  fleet = await startFleet({ good: 20, refused: 5, blackhole: 5, changedKey: 1, refusedKey: 1, port: 2225, firstAddress: '127.0.3.1' });
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const lwt = (args: string[], opts: Parameters<typeof runLwt>[1] = {}): Promise<LwtRun> =>
  runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, ...args], opts);
const good = (n = 20): string => fleet.addresses('good').slice(0, n).join(',');
const jsonLines = (r: LwtRun): Record<string, any>[] => r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('faulty fleet: every fault host has its reason, good output is complete, the run is bounded by the connect timeout', async () => {
  const all = fleet.hosts.map((h) => h.address).join(',');
  const r = await lwt(['-w', all, '--connect-timeout', '2', '--json', 'echo begin; seq 1 3000; echo end']);
  const lines = jsonLines(r);
  const summary = lines.pop()!.summary;
  assert.equal(lines.length, 32);
  const byHost = new Map(lines.map((l) => [l.host, l]));
  const expected = new Seq(3000);
  for (const h of fleet.hosts) {
    const l = byHost.get(h.address)!;
    assert.ok(l, `no line for ${h.address}`);
    switch (h.kind) {
      case 'good':
        assert.deepEqual(l.outcome, { kind: 'exited', code: 0 });
        assert.equal(l.stdout, expected.text, `${h.address} output`);
        break;
      case 'refused':
        assert.equal(l.outcome.reason, 'refused', JSON.stringify(l));
        break;
      case 'blackhole':
        // TCP is accepted, no banner ever comes.
        assert.equal(l.outcome.reason, 'banner-timeout', JSON.stringify(l));
        break;
      case 'changed-key':
        assert.equal(l.outcome.reason, 'host-key', JSON.stringify(l));
        assert.match(l.outcome.message, /CHANGED/);
        assert.match(l.outcome.message, new RegExp(fleet.knownHosts.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        break;
      case 'refused-key':
        assert.equal(l.outcome.reason, 'auth', JSON.stringify(l));
        break;
    }
    if (h.kind !== 'good') assert.equal(l.outcome.kind, 'unreachable');
  }
  assert.equal(r.status, 4, 'unreachable wins the exit status');
  assert.equal(summary.counts.exited, 20);
  // Blackholes cost the connect timeout, not ssh2's 20 s default or a hang (a loose bound: the
  // point is the deadline, not speed on a busy machine).
  assert.ok(summary.wallMs < 15000, `wall ${summary.wallMs} ms`);
});

/** Expected `echo begin; seq 1 N; echo end` output. */
class Seq {
  readonly text: string;
  constructor(n: number) {
    this.text = `begin\n${Array.from({ length: n }, (_, i) => i + 1).join('\n')}\nend\n`;
  }
}

const stubborn = (n: number): string => `sh -c 'trap "" TERM HUP INT; sleep ${n}' & setsid sleep ${n + 1} & sleep ${n + 2}`;

test('deadline: the remote tree is killed on every host, TERM-ignoring and setsid children included', async () => {
  const n = uniqueSeconds();
  const r = await lwt(['-w', good(10), '-t', '2', '--json', stubborn(n)]);
  const lines = jsonLines(r);
  lines.pop();
  assert.equal(lines.length, 10);
  for (const l of lines) {
    assert.equal(l.outcome.kind, 'timeout', JSON.stringify(l));
    assert.ok(l.outcome.killed >= 4, `${l.host} killed ${l.outcome.killed}`);
  }
  assert.equal(r.status, 3);
  assert.deepEqual(await processesMatching(new RegExp(`sleep (${n}|${n + 1}|${n + 2})$`)), []);
});

test('Ctrl-C: every host cancelled, remote trees killed, summary printed, exit 130', async () => {
  const n = uniqueSeconds();
  const r = await lwt(['-w', good(10), stubborn(n)], {
    onSpawn: (pid) => {
      void (async () => {
        for (let i = 0; i < 200 && (await processesMatching(new RegExp(`sleep ${n + 2}$`))).length < 10; i++) await sleep(50);
        process.kill(pid, 'SIGINT');
      })();
    },
  });
  assert.equal(r.status, 130);
  assert.match(r.stderr, /10 hosts in .*: 0 ok, 10 cancelled/);
  assert.deepEqual(await processesMatching(new RegExp(`sleep (${n}|${n + 1}|${n + 2})$`)), []);
});

test('a host whose key changed is refused and its command never runs', async () => {
  const marker = join(tmpdir(), `lwt-marker-${process.pid}-${Date.now()}`);
  const changed = fleet.addresses('changed-key')[0]!;
  const r = await lwt(['-w', changed, '--json', `touch ${marker}`]);
  const [line] = jsonLines(r);
  assert.equal(line!.outcome.reason, 'host-key');
  assert.equal(existsSync(marker), false);
  // And the same command does run on a good host (so the check above can fail).
  await lwt(['-w', fleet.addresses('good')[0]!, `touch ${marker}`]);
  assert.equal(existsSync(marker), true);
  await rm(marker, { force: true });
});

test('unknown host keys: refused by default, added atomically with --accept-new-host-keys', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-kh-'));
  try {
    const cfg = join(dir, 'ssh_config');
    const kh = join(dir, 'known_hosts');
    await writeFile(kh, '');
    // First value wins: our UserKnownHostsFile comes before the fleet's.
    await writeFile(cfg, `UserKnownHostsFile ${kh}\nInclude ${fleet.sshConfig}\n`);
    const host = fleet.addresses('good')[0]!;
    const refused = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', host, '--json', 'true']);
    assert.equal(jsonLines(refused)[0]!.outcome.reason, 'host-key');
    assert.match(jsonLines(refused)[0]!.outcome.message, /not in/);
    const accepted = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', host, '--accept-new-host-keys', '--json', 'true']);
    assert.deepEqual(jsonLines(accepted)[0]!.outcome, { kind: 'exited', code: 0 });
    assert.match(await readFile(kh, 'utf8'), new RegExp(`^\\[${host.replace(/\./g, '\\.')}\\]:2225 ssh-ed25519 `, 'm'));
    const again = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', host, '--json', 'true']);
    assert.deepEqual(jsonLines(again)[0]!.outcome, { kind: 'exited', code: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('exit code, signal and no-output outcomes are told apart; statuses follow the table', async () => {
  const h = fleet.addresses('good')[0]!;
  const one = async (cmd: string): Promise<{ line: Record<string, any>; status: number | null }> => {
    const r = await lwt(['-w', h, '--json', cmd]);
    return { line: jsonLines(r)[0]!, status: r.status };
  };
  const ok = await one('true');
  assert.deepEqual(ok.line.outcome, { kind: 'exited', code: 0 });
  assert.equal(ok.status, 0);
  const three = await one('exit 3');
  assert.deepEqual(three.line.outcome, { kind: 'exited', code: 3 });
  assert.equal(three.status, 1);
  const segv = await one('kill -SEGV $$');
  assert.deepEqual(segv.line.outcome, { kind: 'signaled', signal: 'SIGSEGV', coreDumped: false });
  assert.equal(segv.status, 3);
  for (const key of ['host', 'outcome', 'durationMs', 'stdout', 'stderr']) assert.ok(key in ok.line, key);
  assert.equal(typeof ok.line.durationMs, 'number');
});

test('live output is prefixed per host and stderr marked; -b gathers identical output as ranges', async () => {
  const hosts = good(6);
  const live = await lwt(['-w', hosts, 'echo same; echo oops >&2']);
  for (const h of fleet.addresses('good').slice(0, 6)) {
    assert.match(live.stdout, new RegExp(`^${h.replace(/\./g, '\\.')}: same$`, 'm'));
    assert.match(live.stderr, new RegExp(`^${h.replace(/\./g, '\\.')}:err: oops$`, 'm'));
  }
  const gathered = await lwt(['-w', hosts, '-b', 'echo same']);
  assert.match(gathered.stdout, /^127\.0\.3\.\[1-6\] \(6\)$/m);
  assert.equal(gathered.stdout.match(/^same$/gm)?.length, 1);
});

test('-o writes one .out and .err per host; the journal feeds history, log and --rerun-failed', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lwt-out-'));
  try {
    const first = fleet.addresses('good')[0]!;
    const refused = fleet.addresses('refused')[0]!;
    const r = await lwt(['-w', `${first},${refused}`, '--connect-timeout', '2', '-o', out, 'echo hello; echo warn >&2']);
    assert.equal(r.status, 4);
    assert.equal(await readFile(join(out, `${first}.out`), 'utf8'), 'hello\n');
    assert.equal(await readFile(join(out, `${first}.err`), 'utf8'), 'warn\n');
    const runId = /run (\S+): lwt log/.exec(r.stderr)![1]!;

    const history = await runLwt(['--home', home, 'history']);
    assert.match(history.stdout, new RegExp(`^${runId}  exec-all  2 hosts`, 'm'));
    const log = await runLwt(['--home', home, 'log', runId, first]);
    assert.match(log.stdout, /exit 0/);
    assert.match(log.stdout, /^hello$/m);
    assert.match(log.stdout, /^stderr: warn$/m);

    const rerun = await runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, '--connect-timeout', '2', '--json', '--rerun-failed', runId]);
    const lines = jsonLines(rerun);
    lines.pop();
    assert.deepEqual(lines.map((l) => l.host), [refused]);
    const runs = await readdir(join(home, '.lwt', 'runs'));
    assert.ok(runs.length >= 2);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('ProxyJump: a target reached through a jump host; a dead jump host is named in the reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-jump-'));
  try {
    const [jump, target] = fleet.addresses('good');
    const deadJump = fleet.addresses('refused')[0]!;
    const cfg = join(dir, 'ssh_config');
    // Host blocks match the name typed (via-good), not its HostName, so the via-* block
    // carries what the fleet's block gives its addresses.
    const common = `  Port ${fleet.port}\n  User ${fleet.user}\n  IdentityFile ${fleet.clientKey}\n  UserKnownHostsFile ${fleet.knownHosts}\n`;
    await writeFile(
      cfg,
      `Host via-good\n  HostName ${target}\n  ProxyJump ${jump}\n${common}Host via-dead\n  HostName ${target}\n  ProxyJump ${deadJump}\n${common}Host *\nInclude ${fleet.sshConfig}\n`,
    );
    const r = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', 'via-good,via-dead', '--connect-timeout', '3', '--json', 'echo through']);
    const byHost = new Map(jsonLines(r).filter((l) => l.host).map((l) => [l.host, l]));
    assert.deepEqual(byHost.get('via-good')!.outcome, { kind: 'exited', code: 0 }, JSON.stringify(byHost.get('via-good')));
    assert.equal(byHost.get('via-good')!.stdout, 'through\n');
    assert.equal(byHost.get('via-dead')!.outcome.reason, 'refused');
    assert.match(byHost.get('via-dead')!.outcome.message, new RegExp(`jump host ${deadJump.replace(/\./g, '\\.')}`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--env, --stdin and an encrypted key without agent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-in-'));
  try {
    const input = join(dir, 'input');
    await writeFile(input, 'from stdin\n');
    const h = fleet.addresses('good')[0]!;
    const r = await lwt(['-w', h, '--json', '--env', 'GREETING=hi there', '--stdin', input, 'echo "$GREETING"; cat']);
    assert.equal(jsonLines(r)[0]!.stdout, 'hi there\nfrom stdin\n');

    const { execFileSync } = await import('node:child_process');
    const key = join(dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', key]);
    // A config naming only the encrypted key: nothing else could log in.
    const cfg = join(dir, 'ssh_config');
    await writeFile(cfg, `Host *\n  Port ${fleet.port}\n  User ${fleet.user}\n  IdentityFile ${key}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${fleet.knownHosts}\n`);
    const locked = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', h, '--json', 'true'], { env: { SSH_AUTH_SOCK: '' } });
    const line = jsonLines(locked)[0]!;
    assert.equal(line.outcome.reason, 'auth');
    assert.match(line.outcome.message, /encrypted/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad input: unknown flag, bad host line, missing command are one-line errors with status 2', async () => {
  const flag = await lwt(['--bogus', 'true']);
  assert.equal(flag.status, 2);
  const dir = await mkdtemp(join(tmpdir(), 'lwt-bad-'));
  try {
    await writeFile(join(dir, 'hosts'), 'good1\nnode[5-2]\n');
    const bad = await lwt(['-H', join(dir, 'hosts'), 'true']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /hosts:2: /);
    const none = await lwt(['-w', 'a']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /needs a command/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the command's own flags are never read as lwt's: `ls -la` does not log in as user 'a'", async () => {
  const host = fleet.addresses('good')[0]!;
  // Each word below is also an lwt flag (-l USER, -p N, -h help, -o DIR, -x LIST, --json, -t SEC, -q).
  const r = await lwt(['-w', host, 'printf', '%s,', '-la', '-p', '1', '-h', '-s', '--json', '-o', 'x', '-x', 'y', '-t', '0', '-q']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${host}: -la,-p,1,-h,-s,--json,-o,x,-x,y,-t,0,-q,\n`);
  // The login user is the configured one, not 'a' from `-la`; options before the command still count.
  const who = await lwt(['-w', host, '--json', 'id', '-un']);
  assert.equal(who.status, 0, who.stderr);
  assert.equal(jsonLines(who)[0]!.stdout, `${fleet.user}\n`);
  // Global options also work after the verb's name (before the command): -q drops the header line.
  const quiet = await lwt(['-w', host, '-q', 'true']);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /1 host from -w/);
  const loud = await lwt(['-w', host, 'true']);
  assert.match(loud.stderr, /1 host from -w/);
  // `--` still ends lwt's options.
  const dashdash = await lwt(['-w', host, '--', 'echo', '-n', 'x']);
  assert.equal(dashdash.stdout, `${host}: x\n`);
});
