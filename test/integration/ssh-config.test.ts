/**
 * The OpenSSH configuration layer against a real fleet: ProxyCommand, the precedence of
 * ConnectTimeout, ssh-agent copies of encrypted identities, and -O options.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { processesMatching, runLwt, uniqueSeconds, type LwtRun } from './helpers.js';

let fleet: Fleet;
let home: string;
let dir: string;

before(async () => {
  fleet = await startFleet({ good: 2, blackhole: 1, port: 2232, firstAddress: '127.0.10.1' });
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  dir = await mkdtemp(join(tmpdir(), 'lwt-sshcfg-it-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

const jsonLines = (r: LwtRun): Record<string, any>[] => r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** A config whose `Host` blocks come first, then the fleet's (which sets port, user, key, known_hosts). */
async function configWith(name: string, blocks: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${blocks}\nInclude ${fleet.sshConfig}\n`);
  return file;
}

/** The fleet's settings for a host reached under an alias. */
function fleetBlock(): string {
  return [
    `  Port ${fleet.port}`,
    `  User ${fleet.user}`,
    `  IdentityFile ${fleet.clientKey}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${fleet.knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
  ].join('\n');
}

test('ProxyCommand: ssh2 runs over the command (tokens expanded), and the command is gone afterwards', async () => {
  const target = fleet.addresses('good')[0]!;
  const relay = join(dir, 'relay.cjs');
  const marker = join(dir, 'relay-calls');
  await writeFile(
    relay,
    [
      "const net = require('net');",
      "const fs = require('fs');",
      'const [host, port, marker, ...rest] = process.argv.slice(2);',
      "fs.appendFileSync(marker, [host, port, ...rest].join(' ') + '\\n');",
      'const s = net.connect(Number(port), host);',
      'process.stdin.pipe(s);',
      's.pipe(process.stdout);',
      "s.on('error', (e) => { console.error('relay: ' + e.message); process.exit(1); });",
      "s.on('close', () => process.exit(0));",
    ].join('\n'),
  );
  // The alias is not an address: only the ProxyCommand can reach the host.
  const cfg = await configWith(
    'proxy.conf',
    `Host viaproxy\n  HostName ${target}\n  ProxyCommand ${process.execPath} ${relay} %h %p ${marker} %r %n %%\n${fleetBlock()}\n`,
  );
  const r = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', 'viaproxy', '--json', 'echo via-proxy']);
  const line = jsonLines(r)[0]!;
  assert.deepEqual(line.outcome, { kind: 'exited', code: 0 }, r.stderr);
  assert.equal(line.stdout, 'via-proxy\n');
  assert.equal(await readFile(marker, 'utf8'), `${target} ${fleet.port} ${fleet.user} viaproxy %\n`);
  await sleep(200);
  assert.deepEqual(await processesMatching(new RegExp(`relay\\.cjs ${target.replace(/\./g, '\\.')}`)), []);
});

test('ProxyCommand that fails: unreachable, the message names the command, its status and stderr', async () => {
  const cfg = await configWith(
    'proxy-fail.conf',
    `Host brokenproxy\n  HostName ${fleet.addresses('good')[0]}\n  ProxyCommand sh -c 'echo bastion said no >&2; exit 3'\n${fleetBlock()}\n`,
  );
  const r = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', 'brokenproxy', '--json', 'true']);
  const line = jsonLines(r)[0]!;
  assert.equal(line.outcome.kind, 'unreachable', JSON.stringify(line));
  assert.equal(line.outcome.reason, 'refused');
  assert.match(line.outcome.message, /ProxyCommand 'sh -c 'echo bastion said no >&2; exit 3'' exited with status 3: bastion said no/);
});

test('ProxyCommand that never speaks SSH: the connect deadline ends it and kills the command', async () => {
  const secs = uniqueSeconds();
  const cfg = await configWith('proxy-hang.conf', `Host hangproxy\n  HostName ${fleet.addresses('good')[0]}\n  ProxyCommand sleep ${secs} | cat\n${fleetBlock()}\n`);
  const r = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', 'hangproxy', '--connect-timeout', '1', '--json', 'true']);
  const line = jsonLines(r)[0]!;
  assert.equal(line.outcome.reason, 'banner-timeout', JSON.stringify(line));
  await sleep(200);
  assert.deepEqual(await processesMatching(new RegExp(`sleep ${secs}`)), []);
});

test('a keyword lwt does not apply refuses the host as unreachable (config), naming file:line; nothing connects', async () => {
  const cfg = await configWith('fdpass.conf', `Host fdpass\n  HostName ${fleet.addresses('good')[0]}\n  ProxyUseFdpass yes\n${fleetBlock()}\n`);
  const r = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', 'fdpass', '--json', 'true']);
  const line = jsonLines(r)[0]!;
  assert.equal(line.outcome.reason, 'config', JSON.stringify(line));
  assert.match(line.outcome.message, /fdpass\.conf:3: ProxyUseFdpass yes is not supported by lwt/);
  assert.equal(r.status, 4);
});

/** An ssh-agent of our own on a socket in `dir`, holding `keys`; stopped by its pid. */
async function startAgent(keys: string[]): Promise<{ sock: string; stop: () => void }> {
  const sock = join(dir, `agent-${process.hrtime.bigint()}.sock`);
  const out = execFileSync('ssh-agent', ['-a', sock], { encoding: 'utf8' });
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
  for (const k of keys) execFileSync('ssh-add', ['-q', k], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  return { sock, stop: () => process.kill(pid, 'SIGTERM') };
}

/** The fleet's client key, encrypted, at a path of its own (the agent holds the clear copy). */
async function encryptedClientKey(): Promise<string> {
  const enc = join(dir, `enc-${process.hrtime.bigint()}`);
  await copyFile(fleet.clientKey, enc);
  execFileSync('chmod', ['600', enc]);
  execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'secret', '-f', enc], { stdio: 'ignore' });
  return enc;
}

async function plainConfig(name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(
    file,
    ['Host *', `  Port ${fleet.port}`, `  User ${fleet.user}`, ...lines, `  UserKnownHostsFile ${fleet.knownHosts}`, '  GlobalKnownHostsFile /dev/null', ''].join('\n'),
  );
  return file;
}

test('IdentitiesOnly with an encrypted key the agent holds: the agent signs it, as ssh does; no false warning', async () => {
  const enc = await encryptedClientKey();
  const agent = await startAgent([fleet.clientKey]);
  try {
    const hosts = fleet.addresses('good').join(',');
    const only = await plainConfig('agent-only.conf', [`  IdentityFile ${enc}`, '  IdentitiesOnly yes']);
    const r = await runLwt(['--home', home, 'exec-all', '-F', only, '-w', hosts, '--json', 'echo ok'], { env: { SSH_AUTH_SOCK: agent.sock } });
    for (const l of jsonLines(r).slice(0, -1)) assert.deepEqual(l.outcome, { kind: 'exited', code: 0 }, JSON.stringify(l));
    assert.doesNotMatch(r.stderr, /encrypted/);
    const open = await plainConfig('agent-open.conf', [`  IdentityFile ${enc}`]);
    const r2 = await runLwt(['--home', home, 'exec-all', '-F', open, '-w', hosts, '--json', 'echo ok'], { env: { SSH_AUTH_SOCK: agent.sock } });
    for (const l of jsonLines(r2).slice(0, -1)) assert.deepEqual(l.outcome, { kind: 'exited', code: 0 }, JSON.stringify(l));
    assert.doesNotMatch(r2.stderr, /encrypted/);
  } finally {
    agent.stop();
  }
});

test('a warning about a key is said once per run, not once per host', async () => {
  const hosts = fleet.addresses('good').join(',');
  const missing = join(dir, 'no-such-key');
  const r = await runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, '-i', missing, '-w', hosts, '--json', 'true'], { env: { SSH_AUTH_SOCK: '' } });
  assert.equal(r.stderr.split('\n').filter((l) => l.includes('no-such-key')).length, 1, r.stderr);
  // The encrypted key without an agent: the warning is true, and said once.
  const enc = await encryptedClientKey();
  const cfg = await plainConfig('enc-noagent.conf', [`  IdentityFile ${enc}`, `  IdentityFile ${fleet.clientKey}`]);
  const r2 = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', hosts, '--json', 'true'], { env: { SSH_AUTH_SOCK: '' } });
  assert.equal(r2.stderr.split('\n').filter((l) => /encrypted and no ssh-agent holds it/.test(l)).length, 1, r2.stderr);
  for (const l of jsonLines(r2).slice(0, -1)) assert.deepEqual(l.outcome, { kind: 'exited', code: 0 }, JSON.stringify(l));
});

test("precedence: a host's ConnectTimeout from ssh_config applies when no flag or lwt setting gives one", async () => {
  const hole = fleet.addresses('blackhole')[0]!;
  const cfg = await configWith('timeout.conf', `Host ${hole}\n  ConnectTimeout 1\n`);
  const r = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', hole, '--json', 'true']);
  const line = jsonLines(r)[0]!;
  assert.equal(line.outcome.reason, 'banner-timeout', JSON.stringify(line));
  assert.match(line.outcome.message, /within 1000 ms/);
  // The flag still wins over the config.
  const r2 = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', hole, '--connect-timeout', '2', '--json', 'true']);
  assert.match(jsonLines(r2)[0]!.outcome.message, /within 2000 ms/);
});

test('-O passes OpenSSH options over the config file (also as -O -oKey=Value); one lwt does not apply is refused, named', async () => {
  const hole = fleet.addresses('blackhole')[0]!;
  const good = fleet.addresses('good')[0]!;
  const base = ['--home', home, 'exec-all', '-F', fleet.sshConfig];
  const t = await runLwt([...base, '-O', '-oConnectTimeout=1', '-w', hole, '--json', 'true']);
  assert.match(jsonLines(t)[0]!.outcome.message, /within 1000 ms/, t.stderr);
  const p = await runLwt([...base, '--ssh-option', 'Port=1', '-w', good, '--json', 'true']);
  assert.equal(jsonLines(p)[0]!.outcome.reason, 'refused', p.stdout);
  const ok = await runLwt([...base, '-O', 'StrictHostKeyChecking=yes', '-w', good, '--json', 'echo fine']);
  assert.equal(jsonLines(ok)[0]!.stdout, 'fine\n');
  const bad = await runLwt([...base, '-O', 'ProxyUseFdpass=yes', '-w', good, 'true']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /-O 'ProxyUseFdpass=yes': ProxyUseFdpass is not supported by lwt/);
});

test('known_hosts: @revoked under the bare name, key held under [host]:port: ssh accepts, and so does lwt', async () => {
  const good = fleet.addresses('good')[0]!;
  const entry = (await readFile(fleet.knownHosts, 'utf8')).split('\n').find((l) => l.startsWith(`[${good}]:${fleet.port} `))!;
  assert.ok(entry, 'the fleet knows the host under [host]:port');
  const key = entry.split(' ').slice(1, 3).join(' ');
  const kh = join(dir, 'known_hosts_revoked_bare');
  await writeFile(kh, `@revoked ${good} ${key}\n${entry}\n`);
  const cfg = await configWith('revoked.conf', `Host ${good}\n  UserKnownHostsFile ${kh}\n`);
  const real = spawn('ssh', ['-F', cfg, '-o', 'BatchMode=yes', good, 'true'], { stdio: 'ignore' });
  const sshStatus = await new Promise<number | null>((resolve) => real.once('close', resolve));
  assert.equal(sshStatus, 0, 'OpenSSH accepts the key');
  const r = await runLwt(['--home', home, 'exec-all', '-F', cfg, '-w', good, '--json', 'true']);
  assert.deepEqual(jsonLines(r)[0]!.outcome, { kind: 'exited', code: 0 }, r.stdout);
});
