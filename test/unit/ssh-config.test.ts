import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname as osHostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import {
  loadSshConfig,
  parseSshConfig,
  parseTimeSpec,
  resolveHost,
  type SshConfig,
} from '../../src/ssh/openssh-config.js';

const LOCAL = { localUser: 'alice', localHostname: 'box.example.net' };

async function withHome(files: Record<string, string>, fn: (home: string) => Promise<void>): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'lwt-sshcfg-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      const p = join(home, rel);
      await mkdir(join(p, '..'), { recursive: true });
      await writeFile(p, text);
    }
    await fn(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function cfgOf(text: string): SshConfig {
  return parseSshConfig(text, 'test.conf', { home: '/home/alice' });
}

function usageError(message: string | RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

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

test('Match all, Match host (sees HostName so far), Match originalhost, Match user, negated criteria', () => {
  const cfg = cfgOf(
    [
      'Host alias',
      '  HostName real.%h.net',
      'Match host real.alias.net',
      '  Compression yes',
      'Match originalhost ALIAS',
      '  ServerAliveCountMax 7',
      'Match !host real.alias.net user alice',
      '  BatchMode yes',
      'Match user bob,!alice',
      '  Port 2022',
      'Match all',
      '  ServerAliveInterval 2m',
    ].join('\n'),
  );
  const a = resolveHost(cfg, 'alias', LOCAL);
  assert.equal(a.compression, true);
  assert.equal(a.serverAliveCountMax, 7, 'Match originalhost is case-insensitive');
  assert.equal(a.batchMode, undefined);
  assert.equal(a.serverAliveIntervalSec, 120);
  const o = resolveHost(cfg, 'other', LOCAL);
  assert.equal(o.compression, undefined);
  assert.equal(o.batchMode, true, 'Match user defaults to the local user');
  assert.equal(o.port, undefined);
  const b = resolveHost(cfg, 'other', { ...LOCAL, user: 'bob' });
  assert.equal(b.port, 2022);
  assert.equal(b.batchMode, undefined);
});

test('Match user sees the User obtained so far', () => {
  const cfg = cfgOf('Host h\n  User deploy\nMatch user deploy\n  Port 2200\n');
  assert.equal(resolveHost(cfg, 'h', LOCAL).port, 2200);
  assert.equal(resolveHost(cfg, 'g', LOCAL).port, undefined);
});

test('unsupported Match criteria: a warning, and the block never applies', () => {
  const cfg = cfgOf(
    ['Match exec "test -f /etc/hosts" host h', '  Port 1', 'Match canonical all', '  Port 2', 'Match final', '  Port 3', 'Host *', '  Port 4'].join(
      '\n',
    ),
  );
  assert.equal(resolveHost(cfg, 'h', LOCAL).port, 4);
  assert.equal(cfg.warnings.length, 3);
  assert.match(cfg.warnings[0] ?? '', /^test\.conf:1: Match exec is not supported/);
  assert.match(cfg.warnings[1] ?? '', /^test\.conf:3: Match canonical/);
});

test('Match syntax errors name source:line', () => {
  assert.throws(() => cfgOf('Match host\n'), usageError('test.conf:1: Match host: missing argument'));
  assert.throws(() => cfgOf('\nMatch all host a\n'), usageError(/^test\.conf:2: Match 'all' cannot be combined/));
  assert.throws(() => cfgOf('Match host a user b all\n'), usageError(/^test\.conf:1: Match 'all' cannot be combined/));
  // OpenSSH tolerates 'all' after a single criterion: it then means that criterion.
  const cfg = cfgOf('Match host a all\n  Port 5\n');
  assert.equal(resolveHost(cfg, 'a', LOCAL).port, 5);
  assert.equal(resolveHost(cfg, 'b', LOCAL).port, undefined);
  assert.throws(() => cfgOf('Match # nothing\n'), usageError('test.conf:1: Match needs at least one criterion'));
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

test('values are validated, in blocks that do not apply too, naming source:line', () => {
  assert.throws(() => cfgOf('Host nomatch\n  Port abc\n'), usageError("test.conf:2: bad value for Port: 'abc'"));
  assert.throws(() => cfgOf('Port 0\n'), usageError("test.conf:1: bad value for Port: '0'"));
  assert.throws(() => cfgOf('Port 65536\n'), usageError("test.conf:1: bad value for Port: '65536'"));
  assert.throws(() => cfgOf('Port 22 33\n'), usageError("test.conf:1: extra values for Port: '33'"));
  assert.throws(() => cfgOf('Port\n'), usageError('test.conf:1: missing value for Port'));
  assert.throws(() => cfgOf('User ""\n'), usageError('test.conf:1: missing value for User'));
  assert.throws(() => cfgOf('User "unterminated\n'), usageError('test.conf:1: unterminated quote'));
  assert.throws(() => cfgOf('ConnectTimeout soon\n'), usageError("test.conf:1: bad value for ConnectTimeout: 'soon'"));
  assert.throws(() => cfgOf('ConnectTimeout -5\n'), usageError("test.conf:1: bad value for ConnectTimeout: '-5'"));
  assert.throws(() => cfgOf('BatchMode maybe\n'), usageError("test.conf:1: bad value for BatchMode: 'maybe'"));
  assert.throws(() => cfgOf('Compression true\n'), usageError("test.conf:1: bad value for Compression: 'true'"));
  assert.throws(() => cfgOf('StrictHostKeyChecking sometimes\n'), usageError(/^test\.conf:1: bad value for StrictHostKeyChecking/));
  assert.throws(() => cfgOf('ServerAliveCountMax -1\n'), usageError(/^test\.conf:1: bad value for ServerAliveCountMax/));
  assert.throws(() => cfgOf('ProxyJump user@:22\n'), usageError(/^test\.conf:1: bad value for ProxyJump/));
  assert.throws(() => cfgOf('UnknownKeyword\n'), usageError('test.conf:1: missing value for UnknownKeyword'));
});

test('accepted value forms', () => {
  const cfg = cfgOf(
    [
      'Host t',
      '  ConnectTimeout 1m30s',
      '  ServerAliveInterval 0',
      '  ServerAliveCountMax 0',
      '  StrictHostKeyChecking Accept-New',
      '  IdentitiesOnly TRUE',
      '  HashKnownHosts false',
      '  Port ssh',
      '  SomeUnknownKeyword whatever "it says',
      '  ProxyJump admin@jump1:2222,[::1]:22,ssh://j3 # via',
      '  ProxyCommand ssh -W %h:%p never-used',
    ].join('\n'),
  );
  const r = resolveHost(cfg, 't', LOCAL);
  assert.equal(r.connectTimeoutSec, 90);
  assert.equal(r.serverAliveIntervalSec, 0);
  assert.equal(r.serverAliveCountMax, 0);
  assert.equal(r.strictHostKeyChecking, 'accept-new');
  assert.equal(r.identitiesOnly, true);
  assert.equal(r.hashKnownHosts, false);
  if (existsSync('/etc/services')) assert.equal(r.port, 22);
  assert.equal(r.proxyJump, 'admin@jump1:2222,[::1]:22,ssh://j3');
  assert.equal(r.proxyCommand, undefined, 'ProxyJump took the shared slot first');
  assert.deepEqual(
    ['yes', 'no', 'off', 'ask', 'true', 'false'].map((v) => resolveHost(cfgOf(`StrictHostKeyChecking ${v}\n`), 'h', LOCAL).strictHostKeyChecking),
    ['yes', 'no', 'no', 'ask', 'yes', 'no'],
  );
  assert.equal(resolveHost(cfgOf('ConnectTimeout 0\n'), 'h', LOCAL).connectTimeoutSec, undefined);
  const pc = resolveHost(cfgOf('ProxyCommand nc %h %p\nProxyJump j\n'), 'h', LOCAL);
  assert.equal(pc.proxyCommand, 'nc %h %p');
  assert.equal(pc.proxyJump, undefined);
  assert.equal(resolveHost(cfgOf('ProxyJump none\nProxyJump j\n'), 'h', LOCAL).proxyJump, undefined);
});

test('parseTimeSpec follows OpenSSH convtime()', () => {
  assert.equal(parseTimeSpec('90'), 90);
  assert.equal(parseTimeSpec('1h30m'), 5400);
  assert.equal(parseTimeSpec('1m30'), 90);
  assert.equal(parseTimeSpec('2W'), 1209600);
  assert.equal(parseTimeSpec('30x'), undefined);
  assert.equal(parseTimeSpec('30 s'), undefined);
  assert.equal(parseTimeSpec(''), undefined);
});

test('loadSshConfig: ~/.ssh/config absent is an empty config; a missing -F file is an error', async () => {
  await withHome({}, async (home) => {
    const cfg = await loadSshConfig(undefined, { home, systemConfig: null });
    assert.equal(cfg.files.length, 0);
    const r = resolveHost(cfg, 'h', LOCAL);
    assert.equal(r.hostName, 'h');
    assert.equal(r.identities.length, 3);
    await assert.rejects(loadSshConfig(join(home, 'nope.conf'), { home }), usageError(/nope\.conf not found/));
    const none = await loadSshConfig('none', { home });
    assert.equal(none.files.length, 0);
  });
});

test('loadSshConfig: errors show ~/.ssh/config:LINE', async () => {
  await withHome({ '.ssh/config': 'Host a\n  Port 22\n\nHost b\n  Port abc\n' }, async (home) => {
    await assert.rejects(loadSshConfig(undefined, { home, systemConfig: null }), usageError("~/.ssh/config:5: bad value for Port: 'abc'"));
  });
});

test('loadSshConfig: the system file is read after the user file, first value wins', async () => {
  await withHome({ '.ssh/config': 'Host *\n  Port 2200\n', 'etc/ssh_config': 'Host *\n  Port 2300\n  User sysuser\n' }, async (home) => {
    const cfg = await loadSshConfig(undefined, { home, systemConfig: join(home, 'etc/ssh_config') });
    const r = resolveHost(cfg, 'h', LOCAL);
    assert.equal(r.port, 2200);
    assert.equal(r.user, 'sysuser');
  });
});

test('Include: relative to ~/.ssh, globs sorted, hidden files skipped, block state restored', async () => {
  await withHome(
    {
      '.ssh/config': [
        'Include conf.d/*.conf',
        'Host x',
        '  Include extra/x.conf',
        '  Compression yes',
        'Host z',
        '  Include extra/x.conf',
        'Host *',
        '  ServerAliveCountMax 9',
      ].join('\n'),
      '.ssh/conf.d/20-b.conf': 'Host web\n  Port 2020\n  User from-b\n',
      '.ssh/conf.d/10-a.conf': 'Host web\n  Port 1010\n',
      '.ssh/conf.d/.hidden.conf': 'Host web\n  User hidden\n',
      '.ssh/conf.d/notes.txt': 'Host web\n  User txt\n',
      '.ssh/extra/x.conf': 'BatchMode yes\nHost y\n  User from-y\n',
    },
    async (home) => {
      const cfg = await loadSshConfig(undefined, { home, systemConfig: null });
      const web = resolveHost(cfg, 'web', LOCAL);
      assert.equal(web.port, 1010, '10-a.conf is read before 20-b.conf');
      assert.equal(web.user, 'from-b');
      assert.equal(web.serverAliveCountMax, 9, 'the Host block of an included file does not leak out');
      const x = resolveHost(cfg, 'x', LOCAL);
      assert.equal(x.batchMode, true);
      assert.equal(x.compression, true, 'after the Include, the including block is active again');
      assert.equal(x.user, undefined);
      const y = resolveHost(cfg, 'y', LOCAL);
      assert.equal(y.user, undefined, 'an Include in an inactive block lets none of its blocks apply');
      assert.equal(y.batchMode, undefined);
    },
  );
});

test('Include: absolute paths, missing files are fine, ~ paths, bad values in included files name the file', async () => {
  await withHome(
    {
      '.ssh/config': 'Include /nonexistent/lwt/*.conf ~/other.conf\nInclude bad.conf\n',
      'other.conf': 'Port 2345\n',
      '.ssh/bad.conf': '\nIdentitiesOnly perhaps\n',
    },
    async (home) => {
      await assert.rejects(
        loadSshConfig(undefined, { home, systemConfig: null }),
        usageError("~/.ssh/bad.conf:2: bad value for IdentitiesOnly: 'perhaps'"),
      );
      await writeFile(join(home, '.ssh/bad.conf'), 'IdentitiesOnly yes\n');
      const cfg = await loadSshConfig(undefined, { home, systemConfig: null });
      const r = resolveHost(cfg, 'h', LOCAL);
      assert.equal(r.port, 2345);
      assert.equal(r.identitiesOnly, true);
    },
  );
});

test('Include: a -F file includes relative to ~/.ssh too; recursion is bounded', async () => {
  await withHome({ 'elsewhere/main.conf': 'Include inc.conf\n', '.ssh/inc.conf': 'User included\n', '.ssh/loop.conf': 'Include loop.conf\n' }, async (home) => {
    const cfg = await loadSshConfig(join(home, 'elsewhere/main.conf'), { home });
    assert.equal(resolveHost(cfg, 'h', LOCAL).user, 'included');
    await assert.rejects(loadSshConfig(join(home, '.ssh/loop.conf'), { home }), usageError(/^~\/\.ssh\/loop\.conf:1: too many nested Include levels/));
  });
});

test('Include: ~ is refused in the system configuration', () => {
  assert.throws(
    () => parseSshConfig('Include ~/x.conf\n', '/etc/ssh/ssh_config', { userConf: false }),
    usageError(/^\/etc\/ssh\/ssh_config:1: bad Include path/),
  );
});

test('parseSshConfig alone keeps Include lines and warns', () => {
  const cfg = cfgOf('Include foo.conf\n');
  assert.match(cfg.warnings[0] ?? '', /test\.conf:1: Include is not followed/);
});

function hasSsh(): boolean {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
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
    for (const host of ['web1', 'web2', 'DB1', 'db2', 'mixed', 'Mixed', 'api.prod', 'bastion.prod', 'other']) {
      const out = execFileSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const g = new Map<string, string>();
      for (const line of out.split('\n')) {
        const sp = line.indexOf(' ');
        if (sp > 0) g.set(line.slice(0, sp), line.slice(sp + 1));
      }
      const r = resolveHost(cfg, host, local);
      const strict = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }[r.strictHostKeyChecking];
      const yn = (b: boolean | undefined): string => (b ? 'yes' : 'no');
      const ours = {
        hostname: r.hostName,
        user: r.user ?? local.localUser,
        port: String(r.port ?? 22),
        connecttimeout: r.connectTimeoutSec === undefined ? 'none' : String(r.connectTimeoutSec),
        // Debian's ssh (alone) defaults ServerAliveInterval to 300 in BatchMode; lwt does not.
        serveraliveinterval:
          r.serverAliveIntervalSec !== undefined
            ? String(r.serverAliveIntervalSec)
            : r.batchMode && g.get('serveraliveinterval') === '300'
              ? '300'
              : '0',
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
