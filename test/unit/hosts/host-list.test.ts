import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../usage-error.js';
import { formatHostSpec } from '../../../src/hosts/host-spec.js';
import {
  parseHostLine,
  parseHostList,
  parseHostPattern,
  describeFsError,
  parseInlineHosts,
  readHostListFile,
  withLocation,
} from '../../../src/hosts/host-list.js';


const keys = (text: string, source = 'list'): string[] => parseHostList(text, source).map(formatHostSpec);

test('one host per line; comments, blank lines and whitespace are skipped', () => {
  const text = [
    '# fleet A',
    '',
    '   web1   ',
    '\tweb2\t# trailing comment',
    '  # indented comment',
    'db1 #comment right after a space',
    '',
  ].join('\n');
  assert.deepEqual(keys(text), ['web1', 'web2', 'db1']);
  assert.deepEqual(keys(''), []);
  assert.deepEqual(keys('# only a comment\n\n'), []);
});

test('CRLF line ends and a byte-order mark are tolerated', () => {
  assert.deepEqual(keys('\uFEFFweb1\r\nweb2 # x\r\n\r\n'), ['web1', 'web2']);
});

test('a line may hold a range with a user and a port', () => {
  assert.deepEqual(keys('root@node[01-04]:2222'), [
    'root@node01:2222',
    'root@node02:2222',
    'root@node03:2222',
    'root@node04:2222',
  ]);
  assert.deepEqual(keys('10.0.[1-2].[5,7]'), ['10.0.1.5', '10.0.1.7', '10.0.2.5', '10.0.2.7']);
  assert.deepEqual(keys('node[1-3,7]'), ['node1', 'node2', 'node3', 'node7']);
});

test('IPv6 lines are not mistaken for ranges', () => {
  assert.deepEqual(keys('[fe80::1]:2222\n::1\nroot@[2001:db8::1]\n'), ['[fe80::1]:2222', '::1', 'root@2001:db8::1']);
});

test('duplicates are dropped keeping the first occurrence and order', () => {
  const text = ['web2', 'web1', 'node[1-3]', 'WEB2', 'node2', 'root@web1', 'web1:22', 'web1'].join('\n');
  assert.deepEqual(keys(text), ['web2', 'web1', 'node1', 'node2', 'node3', 'root@web1', 'web1:22']);
});

test('errors name the source and the line number', () => {
  const cases: Array<[string, string]> = [
    ['web1\n\n# c\nnode[5-2]\n', "hosts/candidates:4: bad range 'node[5-2]': start after end"],
    ['web1\nweb2 web3', "hosts/candidates:2: one host per line, found 'web2 web3'"],
    ['a,b', "hosts/candidates:1: one host per line, found 'a,b'"],
    ['ok\r\nnode#1', "hosts/candidates:2: bad host 'node#1': bad character '#'"],
    ['x\ny\nz:99999', "hosts/candidates:3: bad host 'z:99999': port must be 1-65535, got '99999'"],
    ['root@node[1-2]:0', "hosts/candidates:1: bad host 'root@node[1-2]:0': port must be 1-65535, got '0'"],
    ['bad!name[1-2]', "hosts/candidates:1: bad host 'bad!name[1-2]': bad character '!'"],
    ['node[', "hosts/candidates:1: bad range 'node[': '[' without ']'"],
    ['@web1', "hosts/candidates:1: bad host '@web1': empty user before '@'"],
    ['-oProxyCommand=x', "hosts/candidates:1: bad host '-oProxyCommand=x': must not start with '-'"],
    ['user@@web1', "hosts/candidates:1: bad host 'user@@web1': empty name between '@' signs"],
    ['a,', "hosts/candidates:1: one host per line, found 'a,'"],
    ['n[001-44]', "hosts/candidates:1: bad range 'n[001-44]': padding of '001' and '44' differs"],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseHostList(text, 'hosts/candidates'), usageError(message), JSON.stringify(text));
  }
});

test('a list as a whole is capped, not only each pattern', () => {
  assert.throws(
    () => parseHostList('a[1-600000]\nb[1-600000]\n', 'big'),
    usageError('big:2: host list has more than 1000000 hosts'),
  );
});

test('parseHostLine and parseHostPattern work on single entries', () => {
  assert.deepEqual(parseHostLine('   # nothing'), []);
  assert.deepEqual(parseHostLine('web1 # c').map(formatHostSpec), ['web1']);
  assert.deepEqual(parseHostPattern('u@n[1-2]').map(formatHostSpec), ['u@n1', 'u@n2']);
  assert.throws(() => parseHostLine('a b'), usageError("one host per line, found 'a b'"));
  // Whitespace inside brackets belongs to the range, as in ClusterShell.
  assert.deepEqual(parseHostLine('root@n[ 1, 5 - 7 ]:22 # rack 2').map(formatHostSpec), ['root@n1:22', 'root@n5:22', 'root@n6:22', 'root@n7:22']);
  assert.deepEqual(parseHostLine('node[10-16/3]').map(formatHostSpec), ['node10', 'node13', 'node16']);
  assert.throws(() => parseHostLine('n[1, 2] b'), usageError("one host per line, found 'n[1, 2] b'"));
});

test('parseInlineHosts reads -w comma lists with ranges', () => {
  assert.deepEqual(parseInlineHosts('a,b,node[1-3]').map(formatHostSpec), ['a', 'b', 'node1', 'node2', 'node3']);
  assert.deepEqual(parseInlineHosts('b, a ,b,node[1-2,1],root@[::1]:22').map(formatHostSpec), [
    'b',
    'a',
    'node1',
    'node2',
    'root@[::1]:22',
  ]);
  assert.deepEqual(parseInlineHosts(''), []);
});

test('parseInlineHosts errors name the flag', () => {
  assert.throws(() => parseInlineHosts('a,node[5-2]'), usageError("-w: bad range 'node[5-2]': start after end"));
  assert.throws(() => parseInlineHosts('a b'), usageError("-w: bad host 'a b': bad character ' '"));
  assert.throws(() => parseInlineHosts('web1:x', '-x'), usageError("-x: bad host 'web1:x': port must be 1-65535, got 'x'"));
  assert.throws(() => parseInlineHosts('a,,b'), usageError("-w: bad host list 'a,,b': empty item between ','s"));
  assert.throws(() => parseInlineHosts('a,', '-x'), usageError("-x: bad host list 'a,': empty item after the last ','"));
  assert.throws(() => parseInlineHosts(','), usageError("-w: bad host list ',': empty item before the first ','"));
  assert.throws(() => parseInlineHosts('root@@n[1-2]'), usageError("-w: bad host 'root@@n[1-2]': empty name between '@' signs"));
});

test('readHostListFile reads, and names the path when it cannot', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-hosts-list-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'fleet');
  await writeFile(file, '# fleet\nweb[1-2]\n');
  assert.deepEqual((await readHostListFile(file)).map(formatHostSpec), ['web1', 'web2']);

  await writeFile(file, 'web1\nweb[2-1]\n');
  await assert.rejects(readHostListFile(file), usageError(`${file}:2: bad range 'web[2-1]': start after end`));
  await assert.rejects(readHostListFile(file, 'hosts/fleet'), usageError("hosts/fleet:2: bad range 'web[2-1]': start after end"));

  const missing = join(dir, 'foo');
  await assert.rejects(readHostListFile(missing), usageError(`cannot read host list ${missing}: no such file`));
  await assert.rejects(readHostListFile(missing, 'hosts/foo'), usageError('cannot read host list hosts/foo: no such file'));
  const sub = join(dir, 'sub');
  await mkdir(sub);
  await assert.rejects(readHostListFile(sub), usageError(`cannot read host list ${sub}: is a directory`));
});

test('the user of a range is checked once for all its names', () => {
  assert.throws(() => parseHostPattern('-x@n[1-2]'), usageError("bad host '-x@n[1-2]': bad user name '-x'"));
  assert.throws(() => parseHostPattern('a;b@n[1-2]'), usageError("bad host 'a;b@n[1-2]': bad user name 'a;b'"));
});

test('an empty host is refused with the whole entry named', () => {
  assert.throws(() => parseHostPattern('root@'), usageError("bad host 'root@': empty host name"));
  assert.throws(() => parseHostPattern(':22'), usageError("bad host ':22': empty host name"));
});

test('every name of a range is held to the 254-character limit, wherever the longest is', () => {
  const prefix = 'a'.repeat(252);
  // The message shortens the long entry; its end names the reason.
  const tooLong = /^bad host '.*': host name longer than 254 characters$/;
  // 253 and 254 characters: both fit.
  assert.equal(parseHostPattern(`${prefix}[9-10]`).length, 2);
  const longer = 'a'.repeat(253);
  // The 255-character name is the last one, then the first one.
  assert.throws(() => parseHostPattern(`${longer}[9-10]`), usageError(tooLong));
  assert.throws(() => parseHostPattern(`${longer}[10,9]`), usageError(tooLong));
});

test('specs carry a user and port only when given, and names are lowercased', () => {
  assert.deepEqual(parseHostPattern('n[1-2]'), [{ host: 'n1' }, { host: 'n2' }]);
  assert.deepEqual(parseHostPattern('u@n[1-2]'), [{ host: 'n1', user: 'u' }, { host: 'n2', user: 'u' }]);
  assert.deepEqual(parseHostPattern('n[1-2]:2222'), [{ host: 'n1', port: 2222 }, { host: 'n2', port: 2222 }]);
  assert.deepEqual(parseHostPattern('WEB'), [{ host: 'web' }]);
  assert.deepEqual(parseHostPattern('Web[1-2]'), [{ host: 'web1' }, { host: 'web2' }]);
});

test('a list of exactly 1000000 hosts is allowed; -w lists are capped too', () => {
  assert.equal(parseHostList('a[1-500000]\nb[1-500000]\n', 'big').length, 1_000_000);
  assert.throws(() => parseInlineHosts('a[1-600000],b[1-600000]'), usageError('-w: host list has more than 1000000 hosts'));
});

test('withLocation prefixes usage errors only; other errors pass unchanged', () => {
  assert.throws(() => withLocation('f:3', () => parseHostLine('a b')), usageError("f:3: one host per line, found 'a b'"));
  const bug = new TypeError('not a usage error');
  assert.throws(() => withLocation('f:3', () => { throw bug; }), (err) => err === bug);
  assert.equal(withLocation('f:3', () => 7), 7);
});

test('describeFsError says why a file could not be read in a few words', () => {
  const fsError = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: long text`), { code });
  assert.equal(describeFsError(fsError('ENOENT')), 'no such file');
  assert.equal(describeFsError(fsError('EACCES')), 'permission denied');
  assert.equal(describeFsError(fsError('EPERM')), 'permission denied');
  assert.equal(describeFsError(fsError('EISDIR')), 'is a directory');
  assert.equal(describeFsError(fsError('ENOTDIR')), 'a parent is not a directory');
  assert.equal(describeFsError(fsError('EIO')), 'EIO: long text');
  assert.equal(describeFsError(new Error('first line\nsecond line')), 'first line');
  assert.equal(describeFsError('plain text'), 'plain text');
  assert.equal(describeFsError(undefined), 'undefined');
});
