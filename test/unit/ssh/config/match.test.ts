import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { resolveHost } from '../../../../src/ssh/config/resolve.js';
import { UsageError } from '../../../../src/errors.js';
import { LOCAL, cfgOf, usageError } from './helpers.js';

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

test('Match exec: a host whose resolution reaches it is refused (lwt runs no command to pick a block)', () => {
  const cfg = cfgOf(['Match host other exec "test -f /etc/hosts"', '  Port 1', 'Match exec "true" host h', '  Port 2', 'Host *', '  Port 4'].join('\n'));
  const r = resolveHost(cfg, 'h', LOCAL);
  assert.equal(r.refused, 'test.conf:3: Match exec is not supported by lwt (it runs no local command to pick a block)');
  assert.equal(r.port, 4);
  // ssh runs the command only while the criteria before it match: `host other` spares h.
  assert.equal(resolveHost(cfgOf('Match host other exec "x"\n  Port 1\n'), 'h', LOCAL).refused, undefined);
});

test('Match: an attribute OpenSSH 9.2 does not know is an error naming the line', () => {
  assert.throws(() => cfgOf('Match tagged x\n'), usageError('test.conf:1: Unsupported Match attribute tagged'));
  assert.throws(() => cfgOf('\nMatch localnetwork 10.0.0.0/8\n'), usageError('test.conf:2: Unsupported Match attribute localnetwork'));
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

function sshG(text: string, host: string): { status: number; out: Map<string, string[]>; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lwt-sshg-'));
  try {
    const file = join(dir, 'test.conf');
    writeFileSync(file, text);
    const r = spawnSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new Map<string, string[]>();
    for (const line of r.stdout.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) out.set(line.slice(0, sp), [...(out.get(line.slice(0, sp)) ?? []), line.slice(sp + 1)]);
    }
    return { status: r.status ?? -1, out, err: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hasSsh = spawnSync('ssh', ['-V']).status === 0;

test('Match host=PATTERN, canonical and final agree with ssh -G (final applies on the second pass)', { skip: !hasSsh && 'no ssh' }, () => {
  const text = [
    'Host a',
    '  HostName Real.example',
    'Match final host=real.example',
    '  Port 2202',
    'Match canonical',
    '  User canon',
    'Match !final',
    '  Compression yes',
    'Match !canonical',
    '  ServerAliveCountMax 7',
    'Match host=nomatch',
    '  ServerAliveInterval 9',
    'Host *',
    '  IdentityFile /k1',
    'Match final',
    '  IdentityFile /k2',
    '  HostName other',
    '',
  ].join('\n');
  for (const host of ['a', 'b']) {
    const g = sshG(text, host).out;
    const r = resolveHost(cfgOf(text), host, LOCAL);
    assert.equal(String(r.port ?? 22), g.get('port')?.[0], `${host} port`);
    assert.equal(r.user, g.get('user')?.[0], `${host} user`);
    assert.equal(r.compression ? 'yes' : 'no', g.get('compression')?.[0], `${host} compression`);
    assert.equal(String(r.serverAliveCountMax ?? 3), g.get('serveralivecountmax')?.[0], `${host} serveralivecountmax`);
    assert.equal(String(r.serverAliveIntervalSec ?? 0), g.get('serveraliveinterval')?.[0], `${host} serveraliveinterval`);
    assert.deepEqual(r.identityFiles, g.get('identityfile'), `${host} identityfile`);
    assert.equal(r.hostName, g.get('hostname')?.[0], `${host} hostname`);
  }
  assert.equal(resolveHost(cfgOf(text), 'a', LOCAL).user, 'canon');
  assert.equal(resolveHost(cfgOf(text), 'a', LOCAL).port, 2202);
});

test('IdentityFile none names no file but keeps the default keys away, as ssh', { skip: !hasSsh && 'no ssh' }, () => {
  const text = 'Host a\n  IdentityFile none\nHost b\n  IdentityFile NONE\n  IdentityFile /k\n';
  assert.deepEqual(sshG(text, 'a').out.get('identityfile'), ['none']);
  assert.deepEqual(resolveHost(cfgOf(text), 'a', LOCAL).identities, []);
  assert.deepEqual(resolveHost(cfgOf(text), 'b', LOCAL).identityFiles, ['/k']);
});

test('an unknown keyword refuses the file with file:line as ssh does, unless IgnoreUnknown (obtained so far) covers it', { skip: !hasSsh && 'no ssh' }, () => {
  const bad = 'Host *\n  Port 22\n  UseKeychain yes\n';
  assert.notEqual(sshG(bad, 'h').status, 0);
  assert.match(sshG(bad, 'h').err, /line 3: Bad configuration option: usekeychain/i);
  assert.throws(() => cfgOf(bad), usageError(/^test\.conf:3: Bad configuration option: UseKeychain/));
  const covered = 'Host *\n  IgnoreUnknown UseKeychain,Add*\n  UseKeychain yes\n  Port 2200\n';
  assert.equal(sshG(covered, 'h').status, 0);
  assert.equal(resolveHost(cfgOf(covered), 'h', LOCAL).port, 2200);
  // IgnoreUnknown is an option like another: a block that does not apply does not cover.
  const other = 'Host a\n  IgnoreUnknown UseKeychain\nHost *\n  UseKeychain yes\n';
  assert.equal(sshG(other, 'a').status, 0);
  assert.notEqual(sshG(other, 'b').status, 0);
  assert.equal(resolveHost(cfgOf(other), 'a', LOCAL).port, undefined);
  assert.throws(() => resolveHost(cfgOf(other), 'b', LOCAL), usageError(/^test\.conf:4: Bad configuration option: UseKeychain/));
});

test('keywords lwt does not apply: refused with a value that asks for something, first value wins, ignored ones pass', () => {
  const cfg = cfgOf(
    ['Host plain', '  ProxyUseFdpass no', 'Host fd', '  ProxyUseFdpass yes', 'Host cert', '  CertificateFile ~/.ssh/id_ed25519-cert.pub', 'Host *', '  ProxyUseFdpass yes', '  SendEnv LANG LC_*', '  GSSAPIAuthentication yes', '  LogLevel ERROR'].join('\n'),
  );
  assert.equal(resolveHost(cfg, 'plain', LOCAL).refused, undefined);
  assert.equal(resolveHost(cfg, 'fd', LOCAL).refused, 'test.conf:4: ProxyUseFdpass yes is not supported by lwt');
  assert.match(resolveHost(cfg, 'cert', LOCAL).refused ?? '', /^test\.conf:6: CertificateFile ~\/\.ssh\/id_ed25519-cert\.pub is not supported/);
  assert.equal(resolveHost(cfg, 'other', LOCAL).refused, 'test.conf:8: ProxyUseFdpass yes is not supported by lwt');
});

test('Match localuser and user are case-sensitive, canonical applies only on a final pass (which !final asks for too), !all never applies, host= then a word: as ssh -G', { skip: !hasSsh && 'no ssh' }, () => {
  const me = userInfo().username;
  const common = [
    `Match localuser ${me.toUpperCase()}x`,
    '  Port 2201',
    `Match localuser ${me}`,
    '  User fromlocal',
    'Match user Fromlocal',
    '  Compression yes',
    'Match canonical',
    '  ServerAliveCountMax 7',
    'Match !all',
    '  HostName never',
    'Match host= h',
    '  IdentityFile /k-host',
  ];
  // [config, the values expected: port, user, compression, ServerAliveCountMax, ServerAliveInterval, HostName]
  const cases: Array<[string, unknown[]]> = [
    [[...common, ''].join('\n'), [undefined, 'fromlocal', undefined, undefined, undefined, 'h']],
    [[...common, 'Match !final', '  ServerAliveInterval 9', ''].join('\n'), [undefined, 'fromlocal', undefined, 7, 9, 'h']],
  ];
  for (const [text, want] of cases) {
    const g = sshG(text, 'h');
    assert.equal(g.status, 0, g.err);
    const r = resolveHost(cfgOf(text), 'h', { ...LOCAL, localUser: me });
    assert.equal(String(r.port ?? 22), g.out.get('port')?.[0], 'port');
    assert.equal(r.user, g.out.get('user')?.[0], 'user');
    assert.equal(r.compression ? 'yes' : 'no', g.out.get('compression')?.[0], 'compression');
    assert.equal(String(r.serverAliveCountMax ?? 3), g.out.get('serveralivecountmax')?.[0], 'serveralivecountmax');
    assert.equal(String(r.serverAliveIntervalSec ?? 0), g.out.get('serveraliveinterval')?.[0], 'serveraliveinterval');
    assert.equal(r.hostName, g.out.get('hostname')?.[0], 'hostname');
    assert.deepEqual(r.identityFiles, g.out.get('identityfile'), 'identityfile');
    assert.deepEqual(r.identityFiles, ['/k-host']);
    // The values themselves, so that a wrong reading of ssh -G cannot pass both sides.
    assert.deepEqual([r.port, r.user, r.compression, r.serverAliveCountMax, r.serverAliveIntervalSec, r.hostName], want);
  }
});

test('Match with an empty quoted argument is refused, as ssh refuses it', { skip: !hasSsh && 'no ssh' }, () => {
  const text = 'Match host ""\n  Port 2205\n';
  assert.notEqual(sshG(text, 'h').status, 0);
  assert.throws(() => cfgOf(text), usageError('test.conf:1: Match host: missing argument'));
});

test('Match: a lone = and an attribute that starts with =, localuser in another case, a final pass that lowercases the name, IgnoreUnknown in any case: as ssh -G', { skip: !hasSsh && 'no ssh' }, () => {
  const me = userInfo().username;
  const cases: Array<[string, string, string | undefined]> = [
    // [config, host, the User lwt and ssh -G must both give]
    ['Match host = web\n  User x\n', 'web', 'x'],
    ['Match host =web\n  User x\n', 'web', 'x'],
    ['Match host=web\n  User x\n', 'web', 'x'],
    ['Match host=web,db user =nobody-lwt\n  User x\n', 'db', undefined],
    ['Match =host web\n  User x\n', 'web', 'x'],
    ['Match originalhost h =host h\n  User x\n', 'h', 'x'],
    ['Match host h =\n  User x\n', 'h', 'x'],
    ['Match host h = user nobody-lwt\n  User x\n', 'h', undefined],
    [`Match localuser ${me.toUpperCase()}\n  User x\n`, 'h', undefined],
    ['Match final host web\n  User x\n', 'WEB', 'x'],
    ['IgnoreUnknown fOO\nFoO 1\nUser x\n', 'h', 'x'],
  ];
  for (const [text, host, want] of cases) {
    const g = sshG(text, host);
    assert.equal(g.status, 0, g.err);
    const r = resolveHost(cfgOf(text), host, { ...LOCAL, localUser: me });
    assert.equal(r.user ?? me, g.out.get('user')?.[0], text);
    assert.equal(r.user, want, text);
  }
  // An unknown keyword before any IgnoreUnknown, or one it does not name: ssh refuses the file.
  assert.equal(sshG('FoO 1\nIgnoreUnknown foo\n', 'h').status, 255);
  assert.equal(sshG('IgnoreUnknown bar\nFoo 1\n', 'h').status, 255);
  assert.throws(() => resolveHost(cfgOf('IgnoreUnknown bar\nFoo 1\n'), 'h', LOCAL), usageError('test.conf:2: Bad configuration option: Foo (unknown to OpenSSH; IgnoreUnknown skips it)'));
  assert.throws(() => resolveHost(cfgOf('FoO 1\nIgnoreUnknown foo\n'), 'h', LOCAL), usageError('test.conf:1: Bad configuration option: FoO (unknown to OpenSSH; IgnoreUnknown skips it)'));
});

test('Match words are read as OpenSSH 9.2 reads them (strdelim): = glued or doubled, quotes mid-word, comments, a lone = at the end: as ssh -G, errors included', { skip: !hasSsh && 'no ssh' }, () => {
  const lines = [
    'Match host =web', 'Match host=web', 'Match host==web', 'Match host = =web', 'Match host "web"', 'Match host we"b"',
    'Match host "w e"b', 'Match host "web', 'Match host web # c', 'Match host web #c user x', 'Match host web user=root',
    'Match all # c', 'Match all =', 'Match host web =', 'Match host ""', 'Match host web,"db"', 'Match host db', 'Match !host=db',
  ];
  const local = { ...LOCAL, localUser: userInfo().username };
  let refused = 0;
  for (const line of lines) {
    const text = `${line}\n  User x\n`;
    const g = sshG(text, 'web');
    if (g.status !== 0) {
      refused++;
      assert.throws(() => resolveHost(cfgOf(text), 'web', local), UsageError, `${line}: ssh -G refuses it`);
      continue;
    }
    assert.equal(resolveHost(cfgOf(text), 'web', local).user ?? local.localUser, g.out.get('user')?.[0], line);
  }
  // Both kinds are in the list, so that neither side of the comparison is left untried.
  assert.ok(refused >= 4 && refused < lines.length - 8, `${refused} refused`);
});

test('Host or Include followed by a comment alone: a block that matches nothing, an Include of nothing, as ssh -G reads them', { skip: !hasSsh && 'no ssh' }, () => {
  const cases: Array<[string, string | undefined]> = [
    ['Host #c\nUser x\n', undefined],
    ['Include #c\nUser x\n', 'x'],
  ];
  for (const [text, want] of cases) {
    const g = sshG(text, 'h');
    assert.equal(g.status, 0, g.err);
    const r = resolveHost(cfgOf(text), 'h', LOCAL);
    assert.equal(r.user ?? LOCAL.localUser, want ?? LOCAL.localUser, text);
    assert.equal(g.out.get('user')?.[0] === 'x', want === 'x', `ssh -G: ${text}`);
  }
  assert.throws(() => cfgOf('Host a ""\n'), usageError('test.conf:1: missing value for Host'));
});
