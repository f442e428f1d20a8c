/**
 * lwt exec-all against a real OpenSSH fleet on loopback: fault hosts, remote tree kills on
 * deadline and on Ctrl-C, host-key refusal, output modes, exit statuses and the journal.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { createServer, connect, type Socket } from 'node:net';
import { startFakeHosts } from './fake-hosts.js';
import { processesMatching, runLwt, uniqueSeconds, type LwtRun } from './helpers.js';

/** Hosts that are not the fleet's sshd listen here, on 127.0.14.x. */
const FAKE_PORT = 2236;

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

for (const [signal, status, hosts] of [['SIGINT', 130, 10], ['SIGTERM', 143, 4]] as const) {
  test(`${signal}: every host cancelled, remote trees killed, summary printed, exit ${status}`, async () => {
    const n = uniqueSeconds();
    let runningAtSignal: string[] = [];
    const r = await lwt(['-w', good(hosts), stubborn(n)], {
      timeoutMs: 60_000,
      onSpawn: (pid) => {
        void (async () => {
          // The sleeps themselves (the login shells' command lines end with the same words).
          for (let i = 0; i < 300 && (runningAtSignal = await processesMatching(new RegExp(`^sleep ${n + 2}$`))).length < hosts; i++) await sleep(50);
          process.kill(pid, signal);
        })();
      },
    });
    // Otherwise "nothing left" below would hold trivially.
    assert.equal(runningAtSignal.length, hosts, `running when ${signal} was sent: ${runningAtSignal.join('; ')}`);
    assert.equal(r.status, status, r.stderr);
    assert.match(r.stderr, new RegExp(`${hosts} hosts in .*: 0 ok, ${hosts} cancelled`));
    assert.deepEqual(await processesMatching(new RegExp(`sleep (${n}|${n + 1}|${n + 2})$`)), []);
  });
}

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

test('unknown host keys: refused by default, added with --accept-new-host-keys by a new file renamed in place (a symlink stays one)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-kh-'));
  try {
    const cfg = join(dir, 'ssh_config');
    const kh = join(dir, 'known_hosts');
    const real = join(dir, 'known_hosts.real');
    await writeFile(real, '# kept\n');
    await symlink('known_hosts.real', kh);
    const inodeBefore = (await stat(real)).ino;
    // First value wins: our UserKnownHostsFile comes before the fleet's.
    await writeFile(cfg, `UserKnownHostsFile ${kh}\nInclude ${fleet.sshConfig}\n`);
    const host = fleet.addresses('good')[0]!;
    const refused = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', host, '--json', 'true']);
    assert.equal(jsonLines(refused)[0]!.outcome.reason, 'host-key');
    assert.match(jsonLines(refused)[0]!.outcome.message, /not in/);
    const accepted = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', host, '--accept-new-host-keys', '--json', 'true']);
    assert.deepEqual(jsonLines(accepted)[0]!.outcome, { kind: 'exited', code: 0 });
    assert.match(await readFile(kh, 'utf8'), new RegExp(`^# kept\\n\\[${host.replace(/\./g, '\\.')}\\]:2225 ssh-ed25519 `));
    // Atomic: the target was replaced by a rename (new inode), through the symlink, no temporary file left.
    assert.ok((await lstat(kh)).isSymbolicLink(), 'known_hosts is still a symlink');
    assert.notEqual((await stat(real)).ino, inodeBefore, 'the file was replaced, not written in place');
    assert.deepEqual((await readdir(dir)).sort(), ['known_hosts', 'known_hosts.real', 'ssh_config']);
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

test('output over --output-cap: the -o file keeps all of it, and the summary names the host (the cap is for -b, --json and the journal)', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lwt-out-'));
  try {
    const [a, b] = fleet.addresses('good');
    const cmd = `case "$SSH_CONNECTION" in *" ${a} "*) head -c 5000 /dev/zero ;; *) echo small ;; esac`;
    const r = await lwt(['-w', `${a},${b}`, '-o', out, '--output-cap', '1K', cmd]);
    assert.equal(r.status, 0, r.stderr);
    const file = await readFile(join(out, `${a}.out`));
    assert.deepEqual(file, Buffer.alloc(5000), 'the -o file is the whole output');
    assert.equal(await readFile(join(out, `${b}.out`), 'utf8'), 'small\n');
    assert.match(r.stderr, new RegExp(`^  output over --output-cap, its middle dropped: ${a!.replace(/\./g, '\\.')}$`, 'm'));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
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

    const runsBefore = await readdir(join(home, '.lwt', 'runs'));
    const rerun = await runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, '--connect-timeout', '2', '--json', '--rerun-failed', runId]);
    const lines = jsonLines(rerun);
    lines.pop();
    assert.deepEqual(lines.map((l) => l.host), [refused]);
    // The re-run is journaled as a run of its own, with the first run's command and only its failed host.
    const added = (await readdir(join(home, '.lwt', 'runs'))).filter((id) => !runsBefore.includes(id));
    assert.equal(added.length, 1, added.join(' '));
    const meta = JSON.parse(await readFile(join(home, '.lwt', 'runs', added[0]!, 'run.json'), 'utf8'));
    assert.deepEqual([meta.command, meta.hosts], ['echo hello; echo warn >&2', [refused]]);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('ProxyJump: a target reached through one or two jump hosts; a dead jump host is named in the reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-jump-'));
  try {
    const [jump, target, second] = fleet.addresses('good');
    const deadJump = fleet.addresses('refused')[0]!;
    const cfg = join(dir, 'ssh_config');
    // Host blocks match the name typed (via-good), not its HostName, so the via-* block
    // carries what the fleet's block gives its addresses.
    const common = `  Port ${fleet.port}\n  User ${fleet.user}\n  IdentityFile ${fleet.clientKey}\n  UserKnownHostsFile ${fleet.knownHosts}\n`;
    await writeFile(
      cfg,
      `Host via-good\n  HostName ${target}\n  ProxyJump ${jump}\n${common}Host via-dead\n  HostName ${target}\n  ProxyJump ${deadJump}\n${common}` +
        `Host via-two\n  HostName ${target}\n  ProxyJump ${jump},${second}\n${common}Host via-two-dead\n  HostName ${target}\n  ProxyJump ${jump},${deadJump}\n${common}Host *\nInclude ${fleet.sshConfig}\n`,
    );
    const r = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', 'via-good,via-dead,via-two,via-two-dead', '--connect-timeout', '3', '--json', 'echo through']);
    const byHost = new Map(jsonLines(r).filter((l) => l.host).map((l) => [l.host, l]));
    // Two hops: through both; a dead second hop is the one named.
    assert.deepEqual(byHost.get('via-two')!.outcome, { kind: 'exited', code: 0 }, JSON.stringify(byHost.get('via-two')));
    assert.equal(byHost.get('via-two')!.stdout, 'through\n');
    assert.equal(byHost.get('via-two-dead')!.outcome.reason, 'refused', JSON.stringify(byHost.get('via-two-dead')));
    assert.match(byHost.get('via-two-dead')!.outcome.message, new RegExp(`jump host ${deadJump.replace(/\./g, '\\.')}`));
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
    assert.ok(line.outcome.message.includes(key), `the message names the key: ${line.outcome.message}`);
    assert.equal(locked.status, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("pdsh's and clush's -f N is -p N; both, saying different things, is one line with status 2", async () => {
  const [a, b] = fleet.addresses('good');
  const r = await lwt(['-w', `${a},${b}`, '-f', '1', '--json', 'true']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(jsonLines(r).length, 3);
  const both = await lwt(['-w', a!, '-f', '2', '-p', '3', 'true']);
  assert.equal(both.status, 2);
  assert.equal(both.stderr.trim(), 'lwt: -f 2 and -p 3 are the same setting: give one');
  // After the command's first word, -f is the command's own.
  const own = await lwt(['-w', a!, 'echo', '-f', '9']);
  assert.equal(own.status, 0, own.stderr);
  assert.match(own.stdout, /: -f 9$/m);
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
  // Nothing at all on stderr when every host succeeded (cron mails only failures).
  assert.equal(quiet.stderr, '');
  const loud = await lwt(['-w', host, 'true']);
  assert.match(loud.stderr, /1 host from -w/);
  // `--` still ends lwt's options.
  const dashdash = await lwt(['-w', host, '--', 'echo', '-n', 'x']);
  assert.equal(dashdash.stdout, `${host}: x\n`);
});

test('hosts that are not sshd: garbage after a banner is unreachable (protocol), an unknown name (dns), a channel closed without status is no-status (exit 3)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-fake-'));
  const fake = await startFakeHosts(dir, FAKE_PORT, '127.0.14.1', '127.0.14.2');
  try {
    const run = (hosts: string): Promise<LwtRun> =>
      runLwt(['--home', home, 'exec-all', '-F', fake.sshConfig, '-w', hosts, '--connect-timeout', '5', '--json', 'echo hi'], { timeoutMs: 60_000 });
    const all = await run(`${fake.garbage},${fake.noStatus},no-such-host.invalid`);
    const byHost = new Map(jsonLines(all).filter((l) => l.host).map((l) => [l.host, l]));
    assert.equal(byHost.get(fake.garbage)!.outcome.kind, 'unreachable', JSON.stringify(byHost.get(fake.garbage)));
    assert.equal(byHost.get(fake.garbage)!.outcome.reason, 'protocol');
    assert.deepEqual(byHost.get('no-such-host.invalid')!.outcome.kind, 'unreachable');
    assert.equal(byHost.get('no-such-host.invalid')!.outcome.reason, 'dns', JSON.stringify(byHost.get('no-such-host.invalid')));
    assert.deepEqual(byHost.get(fake.noStatus)!.outcome, { kind: 'no-status' });
    assert.equal(byHost.get(fake.noStatus)!.stdout, 'partial\n', 'the output before the close is kept');
    assert.equal(all.status, 4, 'unreachable is worse than no-status');
    const alone = await runLwt(['--home', home, 'exec-all', '-F', fake.sshConfig, '-w', fake.noStatus, 'echo hi'], { timeoutMs: 60_000 });
    assert.equal(alone.status, 3, alone.stderr);
    assert.match(alone.stderr, /1 no exit status/);
  } finally {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('-l, -i and --port reach a host whose config names none of them; -x drops a host; each one counts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-flags-'));
  try {
    const [a, b] = fleet.addresses('good') as [string, string];
    const cfg = join(dir, 'ssh_config');
    await writeFile(cfg, `Host *\n  UserKnownHostsFile ${fleet.knownHosts}\n  GlobalKnownHostsFile /dev/null\n  IdentitiesOnly yes\n`);
    const flags = { '-l': fleet.user, '-i': fleet.clientKey, '--port': String(fleet.port) };
    // Without -l the login would be the local user, who may well be the fleet's: -l is proven by a wrong one.
    const wrong: Record<string, string | undefined> = { '-l': 'no-such-user-lwt' };
    const run = (omit?: string): Promise<LwtRun> =>
      runLwt(
        [
          ...['--home', home, 'exec-all', '-F', cfg, '-w', `${a},${b}`, '-x', b, '--connect-timeout', '3'],
          ...Object.entries(flags).flatMap(([f, v]) => (f !== omit ? [f, v] : wrong[f] !== undefined ? [f, wrong[f]!] : [])),
          ...['--json', 'id -un'],
        ],
        { env: { SSH_AUTH_SOCK: '' } },
      );
    const all = await run();
    assert.equal(all.status, 0, all.stdout + all.stderr);
    const lines = jsonLines(all);
    lines.pop();
    assert.deepEqual(lines.map((l) => [l.host, l.stdout]), [[a, `${fleet.user}\n`]], '-x removed the other host');
    for (const omit of Object.keys(flags)) {
      const without = jsonLines(await run(omit))[0]!;
      assert.equal(without.outcome.kind, 'unreachable', `without ${omit} (or with a wrong one): ${JSON.stringify(without)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--rerun-failed last runs the same command again on the hosts whose command exited non-zero', async () => {
  const [a, b, c] = fleet.addresses('good') as [string, string, string];
  // SSH_CONNECTION names the address the host was reached on: only b fails.
  const cmd = `case " $SSH_CONNECTION " in *" ${b} ${fleet.port} "*) echo failing; exit 5;; esac; echo fine`;
  const first = await lwt(['-w', `${a},${b},${c}`, cmd]);
  assert.equal(first.status, 1, first.stderr);
  const rerun = await runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, '--json', '--rerun-failed', 'last']);
  const lines = jsonLines(rerun);
  lines.pop();
  assert.deepEqual(
    lines.map((l) => [l.host, l.outcome, l.stdout]),
    [[b, { kind: 'exited', code: 5 }, 'failing\n']],
  );
  assert.equal(rerun.status, 1);
});

test('--retries: a reset connection is tried again, for commands and transfers; --retry-failed-commands retries a non-zero exit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-retry-'));
  const target = fleet.addresses('good')[0]!;
  const flaky = '127.0.14.3';
  let resetNext = 0;
  let connections = 0;
  // A TCP relay to a good host that resets the connections it is told to, right after the
  // host's banner: a reset before the banner is sshd's MaxStartups refusal (throttled, retried
  // whatever --retries says), one after it is a connection that broke.
  const sockets = new Set<Socket>();
  const relay = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('error', () => undefined);
    const t = connect(fleet.port, target);
    sockets.add(t);
    t.on('error', () => s.destroy());
    if (resetNext > 0) {
      resetNext--;
      t.once('data', (banner: Buffer) => {
        s.write(banner, () => setTimeout(() => (s.resetAndDestroy(), t.destroy()), 50));
      });
      return;
    }
    s.pipe(t).pipe(s);
  });
  await new Promise<void>((resolve) => relay.listen(FAKE_PORT, flaky, resolve));
  try {
    const entry = (await readFile(fleet.knownHosts, 'utf8')).split('\n').find((l) => l.startsWith(`[${target}]:${fleet.port} `))!;
    const kh = join(dir, 'known_hosts');
    await writeFile(kh, `${entry.replace(`[${target}]:${fleet.port}`, `[${flaky}]:${FAKE_PORT}`)}\n`);
    const cfg = join(dir, 'ssh_config');
    await writeFile(cfg, `Host ${flaky}\n  Port ${FAKE_PORT}\n  User ${fleet.user}\n  IdentityFile ${fleet.clientKey}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${kh}\n  GlobalKnownHostsFile /dev/null\n`);
    const attempt = async (verb: string, args: string[]): Promise<{ r: LwtRun; connections: number }> => {
      resetNext = 1;
      connections = 0;
      const r = await runLwt(['--home', home, verb, '-F', cfg, '-w', flaky, ...args], { timeoutMs: 60_000 });
      return { r, connections };
    };
    const once = await attempt('exec-all', ['--json', 'echo through']);
    assert.equal(jsonLines(once.r)[0]!.outcome.reason, 'reset', once.r.stdout);
    assert.deepEqual([once.r.status, once.connections], [4, 1], 'no retry by default');
    const retried = await attempt('exec-all', ['--retries', '2', '--json', 'echo through']);
    assert.deepEqual(jsonLines(retried.r)[0]!.outcome, { kind: 'exited', code: 0 }, retried.r.stdout);
    assert.deepEqual([retried.r.status, retried.connections], [0, 2]);
    await writeFile(join(dir, 'payload'), 'sent\n');
    const dest = join(dir, 'landed');
    const put = await attempt('put-all', ['--retries', '1', join(dir, 'payload'), `${dest}/`]);
    assert.deepEqual([put.r.status, put.connections], [0, 2], put.r.stderr);
    assert.equal(await readFile(join(dest, 'payload'), 'utf8'), 'sent\n');

    // A command that fails on its first run only (the count lives in a file on the host).
    const count = join(dir, 'count');
    const failsOnce = `c=$(cat ${count} 2>/dev/null || echo 0); echo $((c+1)) > ${count}; [ "$c" -ge 1 ]`;
    const h = fleet.addresses('good')[1]!;
    const plain = await lwt(['-w', h, '--retries', '1', failsOnce]);
    assert.equal(plain.status, 1, 'a non-zero exit is not retried by --retries alone');
    assert.equal((await readFile(count, 'utf8')).trim(), '1');
    await rm(count);
    const again = await lwt(['-w', h, '--retries', '1', '--retry-failed-commands', failsOnce]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal((await readFile(count, 'utf8')).trim(), '2');
  } finally {
    const closed = new Promise<void>((resolve) => relay.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
    await rm(dir, { recursive: true, force: true });
  }
});

test('on the host lwt starts one watchdog beside the command and nothing else; --detach starts none', async () => {
  const h = fleet.addresses('good')[0]!;
  // Every process of the login shell's session (sshd made it the session leader).
  const cmd = 'ps -o pid=,ppid=,args= -s $$; echo "self $$"';
  const sessionOf = async (extra: string[]): Promise<{ watchdogs: string[]; others: string[] }> => {
    const r = await lwt(['-w', h, ...extra, '--json', cmd]);
    assert.equal(r.status, 0, r.stderr);
    const out: string = jsonLines(r)[0]!.stdout;
    const self = /^self (\d+)$/m.exec(out)![1];
    const procs = out
      .split('\n')
      .filter((l) => /^\s*\d+\s+\d+ /.test(l))
      .map((l) => l.trim().split(/\s+/))
      .map(([pid, ppid, ...args]) => ({ pid: pid!, ppid: ppid!, args: args.join(' ') }));
    // The login shell's own command line holds the whole wrapper, watchdog words included.
    const watchdogs = procs.filter((p) => p.pid !== self && p.args.includes('lwt-watch'));
    const others = procs.filter(
      (p) => p.pid !== self && !p.args.startsWith('ps ') && !watchdogs.includes(p) && !(watchdogs.some((w) => w.pid === p.ppid) && /^sleep 1$/.test(p.args)),
    );
    return { watchdogs: watchdogs.map((p) => p.args), others: others.map((p) => `${p.pid} ${p.ppid} ${p.args}`) };
  };
  const watched = await sessionOf([]);
  assert.equal(watched.watchdogs.length, 1, watched.watchdogs.join('\n'));
  assert.deepEqual(watched.others, []);
  const detached = await sessionOf(['--detach']);
  assert.deepEqual(detached, { watchdogs: [], others: [] });
});

test('-q drops the header line, -v adds a line per failed host, -vv keeps them', async () => {
  const refused = fleet.addresses('refused')[0]!;
  const stderrAt = async (flags: string[]): Promise<string> => (await lwt([...flags, '-w', refused, '--connect-timeout', '2', 'true'])).stderr;
  const quiet = await stderrAt(['-q']);
  const plain = await stderrAt([]);
  const info = await stderrAt(['-v']);
  const debug = await stderrAt(['-vv']);
  const has = (text: string, re: RegExp): boolean => re.test(text);
  const header = /^lwt: 1 host from -w$/m;
  const infoLine = new RegExp(`^lwt: INFO: ${refused.replace(/\./g, '\\.')}: unreachable \\(refused\\)`, 'm');
  // (A DEBUG line of its own under -vv: monitor.test.ts, --watch.)
  assert.deepEqual([has(quiet, header), has(quiet, infoLine)], [false, false], quiet);
  // A failure still tells itself under -q: the summary and the run's log line.
  assert.match(quiet, /^1 host in .*: 0 ok, 1 unreachable/m);
  assert.match(quiet, /^run \S+: lwt log /m);
  assert.deepEqual([has(plain, header), has(plain, infoLine)], [true, false], plain);
  assert.deepEqual([has(info, header), has(info, infoLine)], [true, true], info);
  assert.deepEqual([has(debug, header), has(debug, infoLine)], [true, true], debug);
  // The summary's failure line is there at every level.
  for (const text of [quiet, plain, info, debug]) assert.match(text, /unreachable \(refused\): .*connection refused/);
});
