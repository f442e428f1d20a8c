import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname as osHostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { loadSshConfig } from '../../../../src/ssh/config/load.js';
import { resolveHost } from '../../../../src/ssh/config/resolve.js';
import { LOCAL, cfgOf, usageError } from './helpers.js';

test('first obtained value wins; keywords are case-insensitive; Keyword=value and quotes', () => {
  const cfg = cfgOf(
    [
      '# comment',
      '',
      'Host web1',
      '  PORT=2200',
      '  user "deploy user"',
      '  Compression   =   yes   # trailing comment',
      'Host web*',
      '  Port 2300',
      '  User other',
      '  Compression no',
      '  BatchMode yes',
      'Host *',
      '  Port 2400',
      '  ServerAliveInterval 30',
    ].join('\n'),
  );
  const r = resolveHost(cfg, 'web1', LOCAL);
  assert.equal(r.port, 2200);
  assert.equal(r.user, 'deploy user');
  assert.equal(r.compression, true);
  assert.equal(r.batchMode, true);
  assert.equal(r.serverAliveIntervalSec, 30);
  const r2 = resolveHost(cfg, 'web2', LOCAL);
  assert.equal(r2.port, 2300);
  assert.equal(r2.user, 'other');
  const r3 = resolveHost(cfg, 'db', LOCAL);
  assert.equal(r3.port, 2400);
  assert.equal(r3.user, undefined);
});

test('command-line user and port win over the config', () => {
  const cfg = cfgOf('Host *\n User cfguser\n Port 2222\n');
  const r = resolveHost(cfg, 'h', { ...LOCAL, user: 'cli', port: 2022 });
  assert.equal(r.user, 'cli');
  assert.equal(r.port, 2022);
});

test('Host: several patterns, negation, case-sensitive, commas are not separators', () => {
  const cfg = cfgOf(
    [
      'Host *.prod !bastion.prod',
      '  User deploy',
      'Host !only-negated',
      '  Port 1001',
      'Host Mixed',
      '  Port 1002',
      'Host a,b',
      '  Port 1003',
      'Host x y',
      '  Port 1004',
    ].join('\n'),
  );
  assert.equal(resolveHost(cfg, 'api.prod', LOCAL).user, 'deploy');
  assert.equal(resolveHost(cfg, 'bastion.prod', LOCAL).user, undefined);
  assert.equal(resolveHost(cfg, 'something', LOCAL).port, undefined, 'a list of only negations never matches');
  assert.equal(resolveHost(cfg, 'Mixed', LOCAL).port, 1002);
  assert.equal(resolveHost(cfg, 'mixed', LOCAL).port, undefined, 'ssh matches Host lines case-sensitively');
  assert.equal(resolveHost(cfg, 'a', LOCAL).port, undefined, 'a comma is part of the pattern on Host lines');
  assert.equal(resolveHost(cfg, 'y', LOCAL).port, 1004);
});

test('HostName is lowercased, %h in it is the name given', () => {
  const cfg = cfgOf('Host web?\n  HostName %h.Internal.EXAMPLE\n');
  assert.equal(resolveHost(cfg, 'web1', LOCAL).hostName, 'web1.internal.example');
  assert.equal(resolveHost(cfg, 'Other', LOCAL).hostName, 'other');
});

test('IdentityFile accumulates (duplicates dropped); defaults only when none is configured', () => {
  const cfg = cfgOf(
    ['Host h', '  IdentityFile /keys/a', '  IdentityFile /keys/b', 'Host *', '  IdentityFile /keys/a', '  IdentityFile /keys/c'].join('\n'),
  );
  const r = resolveHost(cfg, 'h', LOCAL);
  assert.deepEqual(r.identityFiles, ['/keys/a', '/keys/b', '/keys/c']);
  assert.ok(r.identities.every((i) => i.explicit));
  const d = resolveHost(cfgOf(''), 'h', LOCAL);
  assert.deepEqual(d.identityFiles, [
    '/home/alice/.ssh/id_ed25519',
    '/home/alice/.ssh/id_ecdsa',
    '/home/alice/.ssh/id_rsa',
  ]);
  assert.ok(d.identities.every((i) => !i.explicit));
  const cli = resolveHost(cfgOf('IdentityFile /keys/cfg\n'), 'h', { ...LOCAL, identityFiles: ['/keys/cli'] });
  assert.deepEqual(cli.identityFiles, ['/keys/cli', '/keys/cfg']);
  assert.throws(
    () => resolveHost(cfgOf(''), 'h', { ...LOCAL, identityFiles: ['/keys/%z'] }),
    usageError("command line: IdentityFile: unknown token %z in '/keys/%z'"),
  );
});

test('known-hosts files: several on one line; the first line that sets them wins; none', () => {
  const cfg = cfgOf(
    [
      'Host h',
      '  UserKnownHostsFile /kh/one "/kh/two words"',
      '  UserKnownHostsFile /kh/never',
      '  GlobalKnownHostsFile /g/one',
      'Host n',
      '  UserKnownHostsFile none',
      '  GlobalKnownHostsFile none',
    ].join('\n'),
  );
  const r = resolveHost(cfg, 'h', LOCAL);
  assert.deepEqual(r.userKnownHostsFiles, ['/kh/one', '/kh/two words']);
  assert.deepEqual(r.globalKnownHostsFiles, ['/g/one']);
  const n = resolveHost(cfg, 'n', LOCAL);
  assert.deepEqual(n.userKnownHostsFiles, []);
  assert.deepEqual(n.globalKnownHostsFiles, []);
  const d = resolveHost(cfg, 'other', LOCAL);
  assert.deepEqual(d.userKnownHostsFiles, ['/home/alice/.ssh/known_hosts', '/home/alice/.ssh/known_hosts2']);
  assert.deepEqual(d.globalKnownHostsFiles, ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
  assert.equal(d.strictHostKeyChecking, 'ask');
  assert.equal(d.identitiesOnly, false);
  assert.throws(() => cfgOf('UserKnownHostsFile none /x\n'), usageError(/^test\.conf:1: .*none/));
});

test('tokens in IdentityFile, UserKnownHostsFile and IdentityAgent', () => {
  process.env.LWT_TEST_TOKEN_DIR = '/from/env';
  try {
    const cfg = cfgOf(
      [
        'Host tok',
        '  HostName %h.Example.NET',
        '  User bob',
        '  Port 2222',
        '  HostKeyAlias tok-alias',
        '  IdentityFile ~/keys/%h-%p-%r',
        '  IdentityFile %d/x/%u/%n/%i/%%/%l/%L/%k',
        '  IdentityFile /c/%C',
        '  IdentityFile ${LWT_TEST_TOKEN_DIR}/key',
        '  IdentityFile /not/~/expanded',
        '  UserKnownHostsFile ~/kh/%n %d/kh2',
        '  IdentityAgent ~/agent.sock',
      ].join('\n'),
    );
    const r = resolveHost(cfg, 'tok', LOCAL);
    const uid = String(process.getuid?.() ?? 0);
    const c = createHash('sha1').update('box.example.net' + 'tok.example.net' + '2222' + 'bob').digest('hex');
    assert.equal(r.hostName, 'tok.example.net');
    assert.deepEqual(r.identityFiles, [
      '/home/alice/keys/tok.example.net-2222-bob',
      `/home/alice/x/alice/tok/${uid}/%/box.example.net/box/tok-alias`,
      `/c/${c}`,
      '/from/env/key',
      '/not/~/expanded',
    ]);
    assert.deepEqual(r.userKnownHostsFiles, ['/home/alice/kh/tok', '/home/alice/kh2']);
    assert.equal(r.identityAgent, '/home/alice/agent.sock');
    assert.equal(r.hostKeyAlias, 'tok-alias');
  } finally {
    delete process.env.LWT_TEST_TOKEN_DIR;
  }
});

test('%r is the local user when no User is set; %C follows ssh', () => {
  const cfg = cfgOf('IdentityFile /k/%r/%C\n');
  const r = resolveHost(cfg, 'Host1', LOCAL);
  const c = createHash('sha1').update('box.example.net' + 'host1' + '22' + 'alice').digest('hex');
  assert.deepEqual(r.identityFiles, [`/k/alice/${c}`]);
});

test('bad tokens name the line that holds them', () => {
  const cfg = cfgOf('Host *\n  IdentityFile /x/%z\n');
  assert.throws(() => resolveHost(cfg, 'h', LOCAL), usageError("test.conf:2: IdentityFile: unknown token %z in '/x/%z'"));
  const cfg2 = cfgOf('HostName %p.example\n');
  assert.throws(() => resolveHost(cfg2, 'h', LOCAL), usageError(/^test\.conf:1: HostName: unknown token %p/));
  const cfg3 = cfgOf('IdentityFile ${LWT_SURELY_UNSET_VAR}/k\n');
  assert.throws(() => resolveHost(cfg3, 'h', LOCAL), usageError(/^test\.conf:1: IdentityFile: environment variable LWT_SURELY_UNSET_VAR is not set/));
});

function hasSsh(): boolean {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `ssh -G ARGS` as a map of lower-case keyword to value. */
function sshG(args: string[]): Map<string, string> {
  const out = execFileSync('ssh', ['-G', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const g = new Map<string, string>();
  for (const line of out.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) g.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return g;
}

test('agrees with ssh -G', { skip: !hasSsh() && 'ssh is not installed' }, async () => {
  const text = [
    'Host *.prod !bastion.prod',
    '  User deploy',
    '  ProxyJump bastion.prod',
    'Host web?',
    '  HostName %h.Internal.Example',
    '  Port 2201',
    'Match host *.internal.example',
    '  ServerAliveInterval 1m',
    '  Compression yes',
    'Host web1',
    '  Port 9999',
    '  User webuser',
    'Match originalhost DB*',
    '  BatchMode yes',
    'Host db1 db2 Mixed',
    '  Hostname=10.0.0.9',
    '  ConnectTimeout 1m30s',
    '  UserKnownHostsFile /tmp/kh1 /tmp/kh2',
    '  UserKnownHostsFile /tmp/never',
    'Match !user nobody-at-all',
    '  ServerAliveCountMax 5',
    'Host *',
    '  StrictHostKeyChecking accept-new',
    '  IdentitiesOnly yes',
    '  GlobalKnownHostsFile /tmp/g1',
    '  HashKnownHosts yes',
    '  ServerAliveCountMax 8',
  ].join('\n');
  const dir = await mkdtemp(join(tmpdir(), 'lwt-sshg-'));
  try {
    const file = join(dir, 'config');
    await writeFile(file, text);
    const cfg = await loadSshConfig(file);
    const local = { localUser: userInfo().username, localHostname: osHostname() };
    const sshBatchModeInterval = sshG(['-F', '/dev/null', '-o', 'BatchMode=yes', 'x']).get('serveraliveinterval');
    for (const host of ['web1', 'web2', 'DB1', 'db2', 'mixed', 'Mixed', 'api.prod', 'bastion.prod', 'other']) {
      const g = sshG(['-F', file, host]);
      const r = resolveHost(cfg, host, local);
      const strict = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }[r.strictHostKeyChecking];
      const yn = (b: boolean | undefined): string => (b ? 'yes' : 'no');
      const ours = {
        hostname: r.hostName,
        user: r.user ?? local.localUser,
        port: String(r.port ?? 22),
        connecttimeout: r.connectTimeoutSec === undefined ? 'none' : String(r.connectTimeoutSec),
        // Debian's ssh (alone) defaults ServerAliveInterval to 300 in BatchMode; lwt does not.
        // That default is learnt from ssh itself on an empty config, never from this host's answer.
        serveraliveinterval: String(r.serverAliveIntervalSec ?? (r.batchMode ? sshBatchModeInterval : 0)),
        serveralivecountmax: String(r.serverAliveCountMax ?? 3),
        stricthostkeychecking: strict,
        compression: yn(r.compression),
        batchmode: yn(r.batchMode),
        identitiesonly: yn(r.identitiesOnly),
        hashknownhosts: yn(r.hashKnownHosts),
        userknownhostsfile: r.userKnownHostsFiles.join(' '),
        globalknownhostsfile: r.globalKnownHostsFiles.join(' '),
        proxyjump: r.proxyJump,
      };
      const theirs = Object.fromEntries(Object.keys(ours).map((k) => [k, g.get(k)]));
      assert.deepEqual(ours, theirs, `host ${host}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a resolved host carries only the settings that were given: no key is present as undefined', () => {
  const r = resolveHost(cfgOf(''), 'h', LOCAL);
  const absent = ['user', 'port', 'connectTimeoutSec', 'serverAliveIntervalSec', 'serverAliveCountMax', 'proxyJump', 'proxyCommand', 'compression', 'batchMode', 'identityAgent', 'hashKnownHosts', 'hostKeyAlias', 'refused'];
  assert.deepEqual(absent.filter((k) => k in r), []);
});

test('IdentityAgent: none, SSH_AUTH_SOCK and $VAR read the environment (none when unset), ~ paths expand', () => {
  const saved = { sock: process.env.SSH_AUTH_SOCK, agent: process.env.LWT_TEST_AGENT };
  try {
    process.env.SSH_AUTH_SOCK = '/run/agent.sock';
    process.env.LWT_TEST_AGENT = '/run/other.sock';
    const agent = (value: string): string | undefined => resolveHost(cfgOf(`IdentityAgent ${value}\n`), 'h', LOCAL).identityAgent;
    assert.equal(agent('none'), 'none');
    assert.equal(agent('SSH_AUTH_SOCK'), '/run/agent.sock');
    assert.equal(agent('$SSH_AUTH_SOCK'), '/run/agent.sock');
    assert.equal(agent('$LWT_TEST_AGENT'), '/run/other.sock');
    assert.equal(agent('~/agent.sock'), '/home/alice/agent.sock');
    delete process.env.SSH_AUTH_SOCK;
    delete process.env.LWT_TEST_AGENT;
    assert.equal(agent('SSH_AUTH_SOCK'), 'none');
    assert.equal(agent('$LWT_TEST_AGENT'), 'none');
  } finally {
    for (const [k, v] of [['SSH_AUTH_SOCK', saved.sock], ['LWT_TEST_AGENT', saved.agent]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('a config parsed alone resolves past its Include lines (their files were not read)', () => {
  assert.equal(resolveHost(cfgOf('Include other.conf\nUser u\n'), 'h', LOCAL).user, 'u');
});

test('paths: ~user of no such user names the line and keyword; a bad token names the keyword; ${VAR} in IdentityAgent expands', () => {
  assert.throws(() => resolveHost(cfgOf('\nIdentityFile ~nosuchuser-lwt/id\n'), 'h', LOCAL), usageError(/^test\.conf:2: IdentityFile: /));
  assert.throws(() => resolveHost(cfgOf('UserKnownHostsFile /k/%Q\n'), 'h', LOCAL), usageError(/UserKnownHostsFile/));
  assert.throws(() => resolveHost(cfgOf('IdentityAgent /a/%Q\n'), 'h', LOCAL), usageError(/IdentityAgent/));
  process.env.LWT_TEST_AGENT_DIR = '/run/agent';
  try {
    assert.equal(resolveHost(cfgOf('IdentityAgent ${LWT_TEST_AGENT_DIR}/s\n'), 'h', LOCAL).identityAgent, '/run/agent/s');
  } finally {
    delete process.env.LWT_TEST_AGENT_DIR;
  }
});

test('without a local user given, %u and %r are the user this process runs as', () => {
  const r = resolveHost(cfgOf('IdentityFile /k/%u-%r\n'), 'h', { localHostname: 'box' });
  const me = userInfo().username;
  assert.deepEqual(r.identityFiles, [`/k/${me}-${me}`]);
});

test('an -i identity whose ~user does not exist is named by its source alone; a zone in an IPv6 name survives the final pass', () => {
  assert.throws(() => resolveHost(cfgOf(''), 'h', { ...LOCAL, identityFiles: ['~nosuchuser-lwt/id'] }), usageError(/^command line: IdentityFile: /));
  assert.equal(resolveHost(cfgOf('Match final\n'), 'fe80::1%eth0', LOCAL).hostName, 'fe80::1%eth0');
});
