import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveHost } from '../../../../src/ssh/config/resolve.js';
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
