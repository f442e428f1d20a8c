import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../../../src/errors.js';
import { execFileSync } from 'node:child_process';
import { parseOption, parsePort, parseTimeSpec } from '../../../../src/ssh/config/options.js';
import { resolveHost } from '../../../../src/ssh/config/resolve.js';
import { LOCAL, cfgOf, sshAccepts, usageError } from './helpers.js';

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
      '  Port 2201',
      '  IgnoreUnknown Some*',
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
  assert.equal(r.port, 2201);
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

/** The TCP port this machine's /etc/services gives `name`, read here without lwt's code; undefined without one. */
function servicesPort(name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync('/etc/services', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [service, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    const m = /^(\d+)\/tcp$/.exec(portProto ?? '');
    if (m && (service === name || aliases.includes(name))) return Number(m[1]);
  }
  return undefined;
}

test('Port takes a TCP service name as ssh does, from /etc/services; without an entry it is a bad value', () => {
  // Both branches assert: the machine decides which one runs, never whether one does.
  const want = servicesPort('ssh');
  if (want !== undefined) assert.equal(resolveHost(cfgOf('Port ssh\n'), 'h', LOCAL).port, want);
  else assert.throws(() => cfgOf('Port ssh\n'), usageError("test.conf:1: bad value for Port: 'ssh'"));
  assert.throws(() => cfgOf('Port no-such-service-lwt\n'), usageError("test.conf:1: bad value for Port: 'no-such-service-lwt'"));
});

function lwtAccepts(keyword: string, value: string): boolean {
  try {
    cfgOf(`${keyword} ${value}\n`);
    return true;
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return false;
  }
}

test('values: lwt accepts exactly what OpenSSH accepts (ssh -G as the oracle)', () => {
  const cases: Record<string, string[]> = {
    Port: ['22', '1', '65535', '0', '65536', 'ssh', 'nosuchservice', '22x', '-1', '00022'],
    ConnectTimeout: ['0', '10', '1m30s', '2H', '1w', '90x', 's', 'none', '2147483647', '2147483648', '1m30', '30s1m', '5d'],
    ServerAliveInterval: ['0', '15', '1h', 'none', 'x'],
    ServerAliveCountMax: ['0', '3', '2147483647', '2147483648', '-1', 'x', '3s'],
    BatchMode: ['yes', 'no', 'true', 'false', 'YES', 'maybe'],
    IdentitiesOnly: ['yes', 'False', 'on'],
    HashKnownHosts: ['no', 'TRUE', '1'],
    Compression: ['yes', 'no', 'true', 'false'],
    StrictHostKeyChecking: ['yes', 'no', 'ask', 'accept-new', 'off', 'true', 'false', 'sometimes', 'Accept-New', 'ON'],
    ProxyJump: ['bastion', 'u@b:2222', 'ssh://u@b:22/', 'ssh://u@b', 'SSH://b:22', '[::1]:22', '[::1]', '[::1]x', '[::1', 'u@:22', '@b', 'b:0', 'b:ssh', 'none', 'a,b', 'a,,b', 'u@v@b', 'b:65536', 'ssh://b:99999/', 'u@[::1]:2222', '[::1]:0', '[::1]22',
      'ssh://[::1]:22/', 'ssh://u@[::1]:22', 'ssh://a[b]', 'ssh://a%b', 'ssh://a!b', 'ssh://-a', 'ssh://a..b', 'ssh://a.', 'ssh://_a', 'ssh://a_b', 'a[b]'],
    IdentityAgent: ['$SSH_AUTH_SOCK', '${X}', '${X', '${1X}', '~/agent', 'none', 'SSH_AUTH_SOCK', '$A$B', '/a/${X}/${Y}', '${X-Y}', '${}', '${X}}', '${X}${Y}', '${HOME}', '${AB'],
    UserKnownHostsFile: ['none', '~/kh none', '${X}/kh', '${1X}/kh', '/a /b', '${X', 'NONE'],
    GlobalKnownHostsFile: ['none', '/a none', '/a /b'],
  };
  const differ: string[] = [];
  for (const [keyword, values] of Object.entries(cases)) {
    for (const value of values) {
      const ssh = sshAccepts(keyword, value);
      if (lwtAccepts(keyword, value) !== ssh) differ.push(`${keyword} ${value}: ssh ${ssh ? 'accepts' : 'refuses'} it`);
    }
  }
  assert.deepEqual(differ, []);
  // Where lwt is deliberately stricter than ssh (a value ssh takes but that names nothing usable).
  assert.deepEqual([sshAccepts('ProxyJump', 'b:'), lwtAccepts('ProxyJump', 'b:')], [true, false]);
  assert.deepEqual([sshAccepts('IdentityAgent', '$1abc'), lwtAccepts('IdentityAgent', '$1abc')], [true, false]);
});

test('parsed values: ports by number or service, times in seconds, flags, checking modes', () => {
  const resolved = resolveHost(cfgOf('Host t\n  Port 00022\n  ConnectTimeout 1m30s\n  ServerAliveInterval 2h\n  ServerAliveCountMax 0\n  BatchMode TRUE\n  StrictHostKeyChecking off\n'), 't', LOCAL);
  assert.equal(resolved.port, 22);
  assert.equal(resolved.connectTimeoutSec, 90);
  assert.equal(resolved.serverAliveIntervalSec, 7200);
  assert.equal(resolved.serverAliveCountMax, 0);
  assert.equal(resolved.batchMode, true);
  assert.equal(resolved.strictHostKeyChecking, 'no');
  assert.equal(parsePort('ssh'), 22);
  assert.equal(parsePort('65535'), 65535);
  assert.equal(parsePort('65536'), undefined);
  assert.equal(parsePort('0'), undefined);
  assert.deepEqual(['1w', '1d', '1h', '1m', '1s', '1', '1W2D'].map(parseTimeSpec), [604800, 86400, 3600, 60, 1, 1, 604800 + 172800]);
  assert.equal(parseTimeSpec('2147483647'), 2147483647);
  assert.equal(parseTimeSpec('2147483648'), undefined);
});

test('messages spell each keyword lwt applies as ssh_config(5) does, whatever case it was written in', () => {
  const spellings = ['HostName', 'User', 'Port', 'IdentityFile', 'IdentitiesOnly', 'UserKnownHostsFile', 'GlobalKnownHostsFile',
    'StrictHostKeyChecking', 'ConnectTimeout', 'ServerAliveInterval', 'ServerAliveCountMax', 'ProxyJump', 'ProxyCommand',
    'Compression', 'BatchMode', 'IdentityAgent', 'HashKnownHosts', 'HostKeyAlias', 'IgnoreUnknown'];
  for (const name of spellings) {
    assert.throws(() => cfgOf(`${name.toLowerCase()}\n`), usageError(`test.conf:1: missing value for ${name}`), name);
  }
});

test('parseTimeSpec: a number must start the value, and every part after it', () => {
  assert.equal(parseTimeSpec('x30'), undefined);
  assert.equal(parseTimeSpec('ab1s2s'), undefined);
  assert.equal(parseTimeSpec('30sx'), undefined);
});

test('Port by service name: every word of /etc/services, its comments too, as getservbyname() answers (getent as the oracle)', () => {
  // glibc's own reading of the services database, first entry first (getservbyname keeps the first).
  const oracle = new Map<string, number>();
  for (const line of execFileSync('getent', ['services'], { encoding: 'utf8' }).split('\n')) {
    const [name, portProto, ...aliases] = line.trim().split(/\s+/);
    const m = /^(\d+)\/tcp$/.exec(portProto ?? '');
    if (!m) continue;
    for (const w of [name!, ...aliases]) if (!oracle.has(w)) oracle.set(w, Number(m[1]));
  }
  let text = '';
  try {
    text = readFileSync('/etc/services', 'utf8');
  } catch {
    // No database: the fixed words below still ask.
  }
  const words = new Set([...text.split(/\s+/).filter((w) => w !== ''), 'ssh', 'x11', 'no-such-service-lwt', '22', '022', '65536', 'Stryker', 'was', 'here!']);
  const differ: string[] = [];
  for (const w of words) {
    const want = /^\d+$/.test(w) ? (Number(w) >= 1 && Number(w) <= 65535 ? Number(w) : undefined) : oracle.get(w);
    if (parsePort(w) !== want) differ.push(`${w}: lwt ${parsePort(w)}, getservbyname ${want}`);
  }
  assert.deepEqual(differ, []);
});

test('parseOption: values that reach it empty or doubled, and the keyword lwt reads raw', () => {
  assert.throws(() => parseOption('hostname', [], ''), { message: 'missing value for HostName' });
  assert.throws(() => parseOption('hostname', [''], '""'), { message: 'missing value for HostName' });
  assert.throws(() => parseOption('hostkeyalias', ['a', 'b', 'c'], 'a b c'), { message: "extra values for HostKeyAlias: 'b c'" });
  assert.throws(() => parseOption('userknownhostsfile', [], ''), { message: 'missing value for UserKnownHostsFile' });
  assert.throws(() => parseOption('globalknownhostsfile', ['/a', ''], '/a ""'), { message: 'missing value for GlobalKnownHostsFile' });
  assert.throws(() => parseOption('proxyjump', [], ''), { message: 'missing value for ProxyJump' });
  assert.throws(() => parseOption('proxyjump', [''], '""'), { message: 'missing value for ProxyJump' });
  assert.throws(() => parseOption('proxycommand', [], ''), { message: 'missing value for ProxyCommand' });
  assert.deepEqual(parseOption('proxyjump', ['NONE'], 'NONE # off'), { key: 'proxyJump', value: 'NONE' });
  assert.deepEqual(parseOption('connecttimeout', ['none'], 'none'), { key: 'connectTimeout', value: undefined });
  assert.deepEqual(parseOption('serveraliveinterval', ['none'], 'none'), { key: 'serverAliveInterval', value: undefined });
  assert.equal(parseOption('sendenv', ['X'], 'X'), undefined);
  // GlobalKnownHostsFile takes no ${VAR} check (ssh -G: accepted as written).
  assert.deepEqual(parseOption('globalknownhostsfile', ['${1X}'], '${1X}'), { key: 'globalKnownHostsFile', value: ['${1X}'] });
  assert.throws(() => parseOption('userknownhostsfile', ['${1X}'], '${1X}'), { message: "bad value for UserKnownHostsFile: '${1X}'" });
});
