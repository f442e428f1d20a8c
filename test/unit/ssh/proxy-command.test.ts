import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyCommandLine, tryProxyCommandLine } from '../../../src/ssh/proxy-command.js';
import { resolveHost } from '../../../src/ssh/config/resolve.js';
import { LOCAL, cfgOf } from './config/helpers.js';

test('ProxyCommand: %h %p %r %n %% expanded as ssh does, run with exec', () => {
  const cfg = cfgOf('Host web\n  HostName 10.0.0.5\n  Port 2201\n  User deploy\n  ProxyCommand ssh -W %h:%p -l %r jump # %n %%\n');
  const r = resolveHost(cfg, 'web', LOCAL);
  assert.equal(proxyCommandLine(r, 'web'), 'exec ssh -W 10.0.0.5:2201 -l deploy jump # web %');
});

test('ProxyCommand: an unknown token is a config error naming the keyword, not a crash', () => {
  const r = resolveHost(cfgOf('Host *\n  ProxyCommand nc %h %x\n'), 'h', LOCAL);
  const built = tryProxyCommandLine(r, 'h');
  assert.ok('error' in built);
  assert.match(built.error, /ProxyCommand: unknown token %x/);
});

test('ProxyJump and ProxyCommand share one slot: the first obtained wins, none included', () => {
  const cfg = cfgOf('Host a\n  ProxyCommand nc %h %p\nHost b\n  ProxyCommand none\nHost *\n  ProxyJump j1\n  ProxyCommand nc x y\n');
  assert.equal(resolveHost(cfg, 'a', LOCAL).proxyCommand, 'nc %h %p');
  assert.equal(resolveHost(cfg, 'a', LOCAL).proxyJump, undefined);
  const b = resolveHost(cfg, 'b', LOCAL);
  assert.equal(b.proxyCommand, undefined);
  assert.equal(b.proxyJump, undefined);
  const c = resolveHost(cfg, 'c', LOCAL);
  assert.equal(c.proxyJump, 'j1');
  assert.equal(c.proxyCommand, undefined);
});
