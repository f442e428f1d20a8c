import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTimeSpec } from '../../../../src/ssh/config/options.js';
import { resolveHost } from '../../../../src/ssh/config/resolve.js';
import { LOCAL, cfgOf, usageError } from './helpers.js';

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
