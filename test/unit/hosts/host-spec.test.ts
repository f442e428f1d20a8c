import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { usageError } from '../usage-error.js';
import { canonicalHost, formatHostSpec, parseHostSpec, parsePort, specMatches, splitHostSpec, type HostSpec } from '../../../src/hosts/host-spec.js';
import { parseHostPattern } from '../../../src/hosts/host-list.js';


test('parses host, user and port in every written form', () => {
  const cases: Array<[string, HostSpec]> = [
    ['web1', { host: 'web1' }],
    ['root@web1', { user: 'root', host: 'web1' }],
    ['web1:2222', { host: 'web1', port: 2222 }],
    ['deploy@web1.example.com:22', { user: 'deploy', host: 'web1.example.com', port: 22 }],
    ['10.0.0.1:65535', { host: '10.0.0.1', port: 65535 }],
    ['my_host-1.', { host: 'my_host-1.' }],
    ['[::1]:22', { host: '::1', port: 22 }],
    ['root@[fe80::1]:2222', { user: 'root', host: 'fe80::1', port: 2222 }],
    ['[::1]', { host: '::1' }],
    ['::1', { host: '::1' }],
    ['root@2001:db8::10', { user: 'root', host: '2001:db8::10' }],
    ['fe80::1%eth0', { host: 'fe80::1%eth0' }],
    ['::ffff:10.0.0.1', { host: '::ffff:10.0.0.1' }],
    ['first.last@corp@web1', { user: 'first.last@corp', host: 'web1' }],
    ['web1:1', { host: 'web1', port: 1 }],
  ];
  for (const [text, spec] of cases) assert.deepEqual(parseHostSpec(text), spec, text);
});

test('host names are lowercased; IPv6 zones keep their case', () => {
  assert.deepEqual(parseHostSpec('Root@WEB1.Example.COM:22'), { user: 'Root', host: 'web1.example.com', port: 22 });
  assert.deepEqual(parseHostSpec('FE80::A%Eth0'), { host: 'fe80::a%Eth0' });
  assert.deepEqual(parseHostSpec('[2001:DB8::A]:22'), { host: '2001:db8::a', port: 22 });
});

test('formatHostSpec is the inverse of parseHostSpec', () => {
  const canonical = [
    'web1',
    'root@web1',
    'web1:2222',
    'root@web1:2222',
    '[::1]:22',
    'root@[fe80::1]:2222',
    '::1',
    'root@2001:db8::10',
    'fe80::1%eth0',
  ];
  for (const text of canonical) {
    const spec = parseHostSpec(text);
    assert.equal(formatHostSpec(spec), text);
    assert.deepEqual(parseHostSpec(formatHostSpec(spec)), spec);
  }
  // Non-canonical spellings format to the canonical key.
  assert.equal(formatHostSpec(parseHostSpec('[::1]')), '::1');
  assert.equal(formatHostSpec(parseHostSpec('WEB1:022')), 'web1:22');
});

test('IPv6 with a port is bracketed, without one it is bare', () => {
  assert.equal(formatHostSpec({ host: '::1', port: 22 }), '[::1]:22');
  assert.equal(formatHostSpec({ host: '::1' }), '::1');
  assert.equal(formatHostSpec({ user: 'u', host: 'h', port: 1 }), 'u@h:1');
});

test('bad host specs are UsageErrors naming the text', () => {
  const cases: Array<[string, string]> = [
    ['', "bad host '': empty host name"],
    ['root@', "bad host 'root@': empty host name"],
    [':22', "bad host ':22': empty host name"],
    ['@web1', "bad host '@web1': empty user before '@'"],
    ['user@@web1', "bad host 'user@@web1': empty name between '@' signs"],
    ['@@web1', "bad host '@@web1': empty name between '@' signs"],
    ['a@@b@web1', "bad host 'a@@b@web1': empty name between '@' signs"],
    ['root@@[::1]:22', "bad host 'root@@[::1]:22': empty name between '@' signs"],
    ['web1:0', "bad host 'web1:0': port must be 1-65535, got '0'"],
    ['web1:65536', "bad host 'web1:65536': port must be 1-65535, got '65536'"],
    ['web1:', "bad host 'web1:': port must be 1-65535, got ''"],
    ['web1:22a', "bad host 'web1:22a': port must be 1-65535, got '22a'"],
    ['web1:-1', "bad host 'web1:-1': port must be 1-65535, got '-1'"],
    ['-oProxyCommand=x', "bad host '-oProxyCommand=x': must not start with '-'"],
    ['.web1', "bad host '.web1': must not start with '.'"],
    ['web 1', "bad host 'web 1': bad character ' '"],
    ['web1/x', "bad host 'web1/x': bad character '/'"],
    ['a..b', "bad host 'a..b': empty label '..'"],
    ['node[1-3]', "bad host 'node[1-3]': ranges are not allowed here"],
    ['[::1]x', "bad host '[::1]x': unexpected 'x' after ']'"],
    ['::g', "bad host '::g': not a valid IPv6 address"],
    ['1::2::3', "bad host '1::2::3': not a valid IPv6 address"],
    ['-u@web1', "bad host '-u@web1': bad user name '-u'"],
    ['ro ot@web1', "bad host 'ro ot@web1': bad user name 'ro ot'"],
  ];
  for (const [text, message] of cases) assert.throws(() => parseHostSpec(text), usageError(message), text);
  assert.throws(() => parseHostSpec('a'.repeat(255)), usageError(/^bad host 'a+\.\.\.': host name longer than 254 characters$/));
  assert.equal(parseHostSpec('a'.repeat(254)).host.length, 254);
  assert.throws(() => parseHostSpec('web\n1'), usageError("bad host 'web\\x0a1': bad character '\\x0a'"));
});

test('specMatches: host always, user and port only when the pattern gives them', () => {
  const spec = parseHostSpec('root@web1:2222');
  assert.ok(specMatches(parseHostSpec('web1'), spec));
  assert.ok(specMatches(parseHostSpec('root@web1'), spec));
  assert.ok(specMatches(parseHostSpec('web1:2222'), spec));
  assert.ok(specMatches(parseHostSpec('root@web1:2222'), spec));
  assert.ok(!specMatches(parseHostSpec('admin@web1'), spec));
  assert.ok(!specMatches(parseHostSpec('web1:22'), spec));
  assert.ok(!specMatches(parseHostSpec('web2'), spec));
  assert.ok(!specMatches(parseHostSpec('root@web1'), parseHostSpec('web1')));
});

test('splitHostSpec leaves out what was not written; bracket groups without a colon are ranges; messages name the first fault', () => {
  assert.deepEqual(splitHostSpec('h'), { host: 'h', ipv6: false });
  assert.deepEqual(splitHostSpec('u@h:22'), { host: 'h', ipv6: false, user: 'u', port: '22' });
  assert.deepEqual(parseHostPattern('[1-2]a').map((s) => s.host), ['1a', '2a']);
  assert.throws(() => parseHostPattern('n[1:2]'), usageError("bad range 'n[1:2]': '1:2' is not a number or a range"));
  assert.throws(() => parseHostPattern('[fe80::1'), usageError("bad host '[fe80::1': not a valid IPv6 address"));
  assert.throws(() => canonicalHost('a]', false, 'a]'), usageError("bad host 'a]': ranges are not allowed here"));
  assert.throws(() => canonicalHost('a.b!', false, 'a.b!'), usageError("bad host 'a.b!': bad character '!'"));
  for (const port of ['1e3', '0x10', ' 22', '22 ']) assert.throws(() => parsePort(port, 't'), usageError(`bad host 't': port must be 1-65535, got '${port}'`));
});
