import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badOption, parseFile, parseSshConfig, refuseUnknownKeywords } from '../../../../src/ssh/config/parse.js';
import { usageError } from '../../usage-error.js';

test('one entry per meaningful line, with its line number; comments, blanks and ignored keywords leave none', () => {
  const file = parseFile(
    ['# comment', '', 'Host web* !web9', '  port 2222\r', '\tUser\tops \f', 'Match host db', 'Include a.conf b.conf', 'BindAddress 10.0.0.1', 'ForwardX11 yes', 'Frobnicate 1'].join('\n'),
    'cfg',
    true,
    [],
  );
  assert.equal(file.source, 'cfg');
  assert.equal(file.userConf, true);
  assert.deepEqual(
    file.entries.map((e) => [e.kind, e.line]),
    [['host', 3], ['option', 4], ['option', 5], ['match', 6], ['include', 7], ['refused', 8], ['unknown', 10]],
  );
  assert.deepEqual(file.entries[0], { kind: 'host', line: 3, patterns: ['web*', '!web9'] });
  assert.deepEqual(file.entries[1], { kind: 'option', line: 4, option: { key: 'port', value: 2222 } });
  assert.deepEqual(file.entries[2], { kind: 'option', line: 5, option: { key: 'user', value: 'ops' } });
  assert.deepEqual(file.entries[4], { kind: 'include', line: 7, args: ['a.conf', 'b.conf'] });
  assert.deepEqual(file.entries[5], { kind: 'refused', line: 8, keyword: 'BindAddress', value: '10.0.0.1' });
  assert.deepEqual(file.entries[6], { kind: 'unknown', line: 10, keyword: 'Frobnicate' });
});

test('missing values name the keyword as OpenSSH spells it; errors carry source:line', () => {
  assert.throws(() => parseFile('\n\nHOSTNAME\n', 'cfg', true, []), usageError('cfg:3: missing value for HostName'));
  assert.throws(() => parseFile('Host ""\n', 'cfg', true, []), usageError('cfg:1: missing value for Host'));
  assert.throws(() => parseFile('Include ""\n', 'cfg', true, []), usageError('cfg:1: missing value for Include'));
  assert.throws(() => parseFile('Include ~/a\n', '/etc/ssh/ssh_config', false, []), usageError("/etc/ssh/ssh_config:1: bad Include path in a system configuration: '~/a'"));
  assert.equal(parseFile('Include ~/a\n', 'cfg', true, []).entries.length, 1, 'a user config may Include from ~');
});

test('an unknown keyword refuses the files unless an IgnoreUnknown is anywhere', () => {
  assert.throws(() => parseSshConfig('Host a\nFoo 1\nBar 2\n', 'cfg'), usageError('cfg:2: Bad configuration option: Foo (unknown to OpenSSH; IgnoreUnknown skips it)'));
  const files = [parseFile('Foo 1\n', 'one', true, []), parseFile('IgnoreUnknown Foo\n', 'two', true, [])];
  assert.doesNotThrow(() => refuseUnknownKeywords(files));
  assert.throws(() => refuseUnknownKeywords(files.slice(0, 1)), usageError(/^one:1: Bad configuration option: Foo/));
  assert.equal(badOption('f', 9, 'K').message, 'f:9: Bad configuration option: K (unknown to OpenSSH; IgnoreUnknown skips it)');
});

test('parseSshConfig: the home given, else the process home; Include lines warned about', () => {
  const cfg = parseSshConfig('Include x.conf\nUser u\n', 'cfg', { home: '/home/zed' });
  assert.equal(cfg.home, '/home/zed');
  assert.deepEqual(cfg.warnings, ['cfg:1: Include is not followed when parsing text alone']);
  assert.equal(cfg.files.length, 1);
});

test('trailing blanks never reach a raw value; an empty word among several is refused; unknown keywords in included files count', () => {
  const file = parseFile('ProxyCommand nc %h %p \t \f\r\n', 'cfg', true, []);
  assert.deepEqual(file.entries[0], { kind: 'option', line: 1, option: { key: 'proxyCommand', value: 'nc %h %p' } });
  assert.throws(() => parseFile('Host a ""\n', 'cfg', true, []), usageError('cfg:1: missing value for Host'));
  assert.throws(() => parseFile('Include a.conf ""\n', 'cfg', true, []), usageError('cfg:1: missing value for Include'));
  // A text parsed alone is a user config unless told: ~ in Include is allowed.
  assert.doesNotThrow(() => parseSshConfig('Include ~/x.conf\n', 'cfg'));
  const top = parseFile('Include inner.conf\n', 'top', true, []);
  const inner = parseFile('Foo 1\n', 'inner', true, []);
  const include = top.entries[0]!;
  assert.equal(include.kind, 'include');
  if (include.kind === 'include') include.files = [inner];
  assert.throws(() => refuseUnknownKeywords([top]), usageError(/^inner:1: Bad configuration option: Foo/));
  const ignoring = parseFile('IgnoreUnknown Foo\n', 'ignoring', true, []);
  if (include.kind === 'include') include.files = [ignoring, inner];
  assert.doesNotThrow(() => refuseUnknownKeywords([top]));
});
