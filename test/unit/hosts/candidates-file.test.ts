import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/errors.js';
import { addHosts, removeHosts } from '../../../src/hosts/candidates-file.js';
import { formatHostSpec, parseHostSpec } from '../../../src/hosts/host-spec.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-hosts-edit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const specs = (...texts: string[]) => texts.map(parseHostSpec);
const keys = (list: Array<{ host: string }>) => list.map((s) => formatHostSpec(s));

test('addHosts creates the file and its folder', async (t) => {
  const path = join(await tempDir(t), 'hosts', 'candidates');
  const added = await addHosts(path, specs('web1', 'root@db1:2222', 'web1'));
  assert.deepEqual(keys(added), ['web1', 'root@db1:2222']);
  assert.equal(await readFile(path, 'utf8'), 'web1\nroot@db1:2222\n');
});

test('addHosts appends only new hosts and keeps every existing line', async (t) => {
  const path = join(await tempDir(t), 'candidates');
  const before = '# rack A\nnode[1-3]  # compute\n\nWeb1';
  await writeFile(path, before);
  const added = await addHosts(path, specs('node2', 'web1', 'web2'));
  assert.deepEqual(keys(added), ['web2']);
  assert.equal(await readFile(path, 'utf8'), `${before}\nweb2\n`);
});

test('addHosts with nothing new leaves the file alone', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'candidates');
  assert.deepEqual(await addHosts(path, []), []);
  await assert.rejects(stat(path), { code: 'ENOENT' });
  await writeFile(path, 'web1');
  assert.deepEqual(await addHosts(path, specs('web1')), []);
  assert.equal(await readFile(path, 'utf8'), 'web1');
});

test('edits keep the file mode and leave no temporary files', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'candidates');
  await writeFile(path, 'web1\n');
  await chmod(path, 0o600);
  await addHosts(path, specs('web2'));
  await removeHosts(path, specs('web1'));
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['candidates']);
  assert.equal(await readFile(path, 'utf8'), 'web2\n');
});

test('editing a malformed file is refused with its location', async (t) => {
  const path = join(await tempDir(t), 'candidates');
  await writeFile(path, 'web1\nnode[3-1]\n');
  const at2 = (err: unknown): boolean =>
    err instanceof UsageError && err.message === `${path}:2: bad range 'node[3-1]': start after end`;
  await assert.rejects(addHosts(path, specs('web2')), at2);
  await assert.rejects(removeHosts(path, specs('web1')), at2);
  assert.equal(await readFile(path, 'utf8'), 'web1\nnode[3-1]\n');
});

test('removeHosts drops single-host lines and keeps comments and other lines', async (t) => {
  const path = join(await tempDir(t), 'candidates');
  await writeFile(path, '# fleet\nweb1  # old box\nweb2\n\n# db\ndb1\n');
  const removed = await removeHosts(path, specs('web1', 'db1', 'absent'));
  assert.deepEqual(keys(removed), ['web1', 'db1']);
  assert.equal(await readFile(path, 'utf8'), '# fleet\nweb2\n\n# db\n');
});

test('removing part of a range line comments it out and lists the rest', async (t) => {
  const path = join(await tempDir(t), 'candidates');
  await writeFile(path, 'head\nroot@node[01-04]:2222 # rack A\ntail\n');
  const removed = await removeHosts(path, specs('node03'));
  assert.deepEqual(keys(removed), ['root@node03:2222']);
  assert.equal(
    await readFile(path, 'utf8'),
    'head\n# root@node[01-04]:2222 # rack A\nroot@node01:2222\nroot@node02:2222\nroot@node04:2222\ntail\n',
  );
});

test('removing every host of a range line drops the line', async (t) => {
  const path = join(await tempDir(t), 'candidates');
  await writeFile(path, 'n[1-2]\nweb1\n');
  assert.deepEqual(keys(await removeHosts(path, specs('n1', 'n2'))), ['n1', 'n2']);
  assert.equal(await readFile(path, 'utf8'), 'web1\n');
});

test('removeHosts matches like -x: a user or port in the pattern must match too', async (t) => {
  const path = join(await tempDir(t), 'candidates');
  await writeFile(path, 'root@web1\nadmin@web1\nweb1:2222\n');
  assert.deepEqual(keys(await removeHosts(path, specs('root@web1'))), ['root@web1']);
  assert.equal(await readFile(path, 'utf8'), 'admin@web1\nweb1:2222\n');
  assert.deepEqual(keys(await removeHosts(path, specs('WEB1'))), ['admin@web1', 'web1:2222']);
  assert.equal(await readFile(path, 'utf8'), '');
});

test('removeHosts keeps CRLF line ends and does nothing when nothing matches', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'candidates');
  await writeFile(path, 'a\r\nn[1-2]\r\nb\r\n');
  await removeHosts(path, specs('n1'));
  assert.equal(await readFile(path, 'utf8'), 'a\r\n# n[1-2]\r\nn2\r\nb\r\n');
  assert.deepEqual(await removeHosts(path, specs('zzz')), []);
  assert.deepEqual(await removeHosts(join(dir, 'missing'), specs('a')), []);
  await assert.rejects(stat(join(dir, 'missing')), { code: 'ENOENT' });
});

test('a host list that cannot be read (a folder) is refused naming it; a commented range line loses its indentation', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(removeHosts(dir, specs('a')), (err: unknown) => err instanceof UsageError && err.message.startsWith(`cannot read host list ${dir}: `));
  await assert.rejects(addHosts(dir, specs('a')), (err: unknown) => err instanceof UsageError && err.message.startsWith(`cannot read host list ${dir}: `));
  const path = join(dir, 'candidates');
  await writeFile(path, '   n[1-2]\n');
  await removeHosts(path, specs('n1'));
  assert.equal(await readFile(path, 'utf8'), '# n[1-2]\nn2\n');
});
