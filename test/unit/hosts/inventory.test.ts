import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHostSpec } from '../../../src/hosts/host-spec.js';
import { inventoryFormat, parseIniInventory, parseInventory, parseYamlInventory, type Inventory } from '../../../src/hosts/inventory.js';
import { usageError } from '../usage-error.js';

const groups = (inv: Inventory): Record<string, string[]> =>
  Object.fromEntries([...inv.groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([g, hosts]) => [g, hosts.map(formatHostSpec)]));

test('which files are inventories: .yml/.yaml, INI headers, a YAML first line; else a host list', () => {
  assert.equal(inventoryFormat('hosts.yml', 'web1'), 'yaml');
  assert.equal(inventoryFormat('H.YAML', ''), 'yaml');
  assert.equal(inventoryFormat('inv', '# c\n; c\n\n[web]\nw1'), 'ini');
  assert.equal(inventoryFormat('inv', '[web:children]\nx'), 'ini');
  assert.equal(inventoryFormat('inv', '[web:vars] # vars\nx=1'), 'ini');
  assert.equal(inventoryFormat('inv', '---\nall:'), 'yaml');
  assert.equal(inventoryFormat('inv', '# c\nall:\n  hosts:'), 'yaml');
  assert.equal(inventoryFormat('inv', 'web1\nweb[1-3]\n[::1]:22'), undefined);
  assert.equal(inventoryFormat('inv', 'web1\nall:'), undefined, 'only the first line may be a group');
  assert.equal(inventoryFormat('inv', '[1-3]'), undefined, 'a bracket range is not a header');
});

test('INI: ungrouped hosts, groups, children folded in, vars ignored, all implicit', () => {
  const inv = parseIniInventory(
    [
      'lone ansible_ssh_user=ops ansible_ssh_port=2022',
      '[web]',
      "www[01:02] ansible_user='deploy'  # a comment",
      'dup',
      '[db]',
      'db1 ansible_host="10.0.0.5" x=1 broken =y',
      'dup',
      '[db:vars]',
      'ansible_user=nobody',
      '[prod:children]',
      'web',
      'db',
    ].join('\n'),
    'inv.ini',
  );
  assert.deepEqual(groups(inv), {
    all: ['ops@lone:2022', 'deploy@www01', 'deploy@www02', 'dup', '10.0.0.5'],
    db: ['10.0.0.5', 'dup'],
    prod: ['deploy@www01', 'deploy@www02', 'dup', '10.0.0.5'],
    ungrouped: ['ops@lone:2022'],
    web: ['deploy@www01', 'deploy@www02', 'dup'],
  });
  assert.equal(inv.source, 'inv.ini');
});

test('a group containing itself is an error naming the cycle; a bad host names its line', () => {
  assert.throws(() => parseIniInventory('[a:children]\nb\n[b:children]\na\n', 'inv'), usageError(/^inv: group a contains itself \(a > b > a\)$/));
  assert.throws(() => parseIniInventory('[web]\nok1\nbad/name\n', 'inv'), usageError(/^inv:3: /));
});

test('YAML: hosts with variables, children, empty groups; all as written', () => {
  const inv = parseYamlInventory(
    ['all:', '  hosts:', '    m1:', '  children:', '    web:', '      hosts:', '        w[1:2]:', '          ansible_user: u', '    empty:', '    db:', '      hosts:', '        d1: {ansible_port: 2201}'].join('\n'),
    'h.yml',
  );
  assert.deepEqual(groups(inv), { all: ['m1', 'u@w1', 'u@w2', 'd1:2201'], db: ['d1:2201'], empty: [], web: ['u@w1', 'u@w2'] });
  assert.deepEqual(groups(parseInventory('yaml', 'web:\n  hosts:\n    a:\n', 'x')), { all: ['a'], web: ['a'] });
  assert.deepEqual(groups(parseInventory('ini', 'a\n', 'x')), { all: ['a'], ungrouped: ['a'] });
});

test('YAML that is not an inventory is refused with its source', () => {
  assert.throws(() => parseYamlInventory('all: [', 'h.yml'), usageError(/^h\.yml: not a YAML inventory: /));
  assert.throws(() => parseYamlInventory('- a\n- b\n', 'h.yml'), usageError('h.yml: a YAML inventory is a map of groups (all: …)'));
  assert.throws(() => parseYamlInventory('just text', 'h.yml'), usageError('h.yml: a YAML inventory is a map of groups (all: …)'));
  assert.throws(() => parseYamlInventory('web: [a, b]\n', 'h.yml'), usageError('h.yml: group web: expected hosts:/children:/vars:'));
  assert.throws(() => parseYamlInventory('web: 3\n', 'h.yml'), usageError('h.yml: group web: expected hosts:/children:/vars:'));
});

test('INI: indented hosts, comment lines by # or ;, quotes only around a whole value, a word without = sets nothing; an explicit all keeps its order', () => {
  const hosts = (text: string): string[] => (parseIniInventory(text, 'inv').groups.get('all') ?? []).map(formatHostSpec);
  assert.deepEqual(hosts('  h\n#c\n;c\nk ;c\n'), ['h', 'k']);
  assert.throws(() => hosts("h ansible_user=a'b'\n"), usageError(/^inv:1: bad host .*bad user name 'a'b''$/));
  assert.throws(() => hosts("h ansible_user='a'b\n"), usageError(/^inv:1: bad host .*bad user name ''a'b'$/));
  assert.deepEqual(hosts('h ansible_userx\n'), ['h']);
  assert.deepEqual(hosts('[web]\nb\n[db]\na\n[all:children]\ndb\nweb\n'), ['a', 'b']);
});

test('which files are inventories: a header with more on its line is none, nor a .yml that is not the end of the name; blank and comment lines before a YAML first line', () => {
  assert.deepEqual(
    [['h', '[web] x\n'], ['h', 'n[web]\n'], ['hosts.yml.txt', 'a\n'], ['h', '- all:\n'], ['h', 'all: x\n']].map(([p, t]) => inventoryFormat(p!, t!)),
    [undefined, undefined, undefined, undefined, undefined],
  );
  assert.deepEqual([['h', '  # c\nall:\n'], ['h', '\nall:\n'], ['h', '; c\nall:\n']].map(([p, t]) => inventoryFormat(p!, t!)), ['yaml', 'yaml', 'yaml']);
});

test('YAML refusals name the parser first line, a null document, and the group of a bad host', () => {
  assert.throws(() => parseYamlInventory('all: [\n', 'inv'), usageError('inv: not a YAML inventory: unexpected end of the stream within a flow collection (2:1)'));
  assert.throws(() => parseYamlInventory('~\n', 'inv'), usageError('inv: a YAML inventory is a map of groups (all: …)'));
  assert.throws(() => parseYamlInventory('all:\n  hosts:\n    "a b":\n', 'inv'), usageError("inv: group all: bad host 'a b': bad character ' '"));
});

test("INI: a # comment of several words, a # inside a name is no comment, and a vars section alone makes no group", () => {
  const inv = (text: string): Inventory => parseIniInventory(text, 'inv');
  assert.deepEqual((inv('# a comment here\nh\n').groups.get('all') ?? []).map(formatHostSpec), ['h']);
  assert.throws(() => inv('k#c\n'), usageError(/^inv:1: bad host 'k#c'/));
  assert.equal(inv('[web:vars]\nx=1\n[db]\nd\n').groups.has('web'), false);
  assert.equal(inv('[web]\nw\n').groups.has('web'), true);
});
