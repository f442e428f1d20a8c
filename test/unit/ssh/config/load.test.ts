import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSshConfig } from '../../../../src/ssh/config/load.js';
import { parseSshConfig } from '../../../../src/ssh/config/parse.js';
import { resolveHost } from '../../../../src/ssh/config/resolve.js';
import { LOCAL, withHome, cfgOf, usageError } from './helpers.js';

test('loadSshConfig: ~/.ssh/config absent is an empty config; a missing -F file is an error', async () => {
  await withHome({}, async (home) => {
    const cfg = await loadSshConfig(undefined, { home, systemConfig: null });
    assert.equal(cfg.files.length, 0);
    const r = resolveHost(cfg, 'h', LOCAL);
    assert.equal(r.hostName, 'h');
    assert.equal(r.identities.length, 3);
    await assert.rejects(loadSshConfig(join(home, 'nope.conf'), { home }), usageError(/nope\.conf not found/));
    const none = await loadSshConfig('none', { home });
    assert.equal(none.files.length, 0);
  });
});

test('loadSshConfig: errors show ~/.ssh/config:LINE', async () => {
  await withHome({ '.ssh/config': 'Host a\n  Port 22\n\nHost b\n  Port abc\n' }, async (home) => {
    await assert.rejects(loadSshConfig(undefined, { home, systemConfig: null }), usageError("~/.ssh/config:5: bad value for Port: 'abc'"));
  });
});

test('loadSshConfig: the system file is read after the user file, first value wins', async () => {
  await withHome({ '.ssh/config': 'Host *\n  Port 2200\n', 'etc/ssh_config': 'Host *\n  Port 2300\n  User sysuser\n' }, async (home) => {
    const cfg = await loadSshConfig(undefined, { home, systemConfig: join(home, 'etc/ssh_config') });
    const r = resolveHost(cfg, 'h', LOCAL);
    assert.equal(r.port, 2200);
    assert.equal(r.user, 'sysuser');
  });
});

test('Include: relative to ~/.ssh, globs sorted, hidden files skipped, block state restored', async () => {
  await withHome(
    {
      '.ssh/config': [
        'Include conf.d/*.conf',
        'Host x',
        '  Include extra/x.conf',
        '  Compression yes',
        'Host z',
        '  Include extra/x.conf',
        'Host *',
        '  ServerAliveCountMax 9',
      ].join('\n'),
      '.ssh/conf.d/20-b.conf': 'Host web\n  Port 2020\n  User from-b\n',
      '.ssh/conf.d/10-a.conf': 'Host web\n  Port 1010\n',
      '.ssh/conf.d/.hidden.conf': 'Host web\n  User hidden\n',
      '.ssh/conf.d/notes.txt': 'Host web\n  User txt\n',
      '.ssh/extra/x.conf': 'BatchMode yes\nHost y\n  User from-y\n',
    },
    async (home) => {
      const cfg = await loadSshConfig(undefined, { home, systemConfig: null });
      const web = resolveHost(cfg, 'web', LOCAL);
      assert.equal(web.port, 1010, '10-a.conf is read before 20-b.conf');
      assert.equal(web.user, 'from-b');
      assert.equal(web.serverAliveCountMax, 9, 'the Host block of an included file does not leak out');
      const x = resolveHost(cfg, 'x', LOCAL);
      assert.equal(x.batchMode, true);
      assert.equal(x.compression, true, 'after the Include, the including block is active again');
      assert.equal(x.user, undefined);
      const y = resolveHost(cfg, 'y', LOCAL);
      assert.equal(y.user, undefined, 'an Include in an inactive block lets none of its blocks apply');
      assert.equal(y.batchMode, undefined);
    },
  );
});

test('Include: absolute paths, missing files are fine, ~ paths, bad values in included files name the file', async () => {
  await withHome(
    {
      '.ssh/config': 'Include /nonexistent/lwt/*.conf ~/other.conf\nInclude bad.conf\n',
      'other.conf': 'Port 2345\n',
      '.ssh/bad.conf': '\nIdentitiesOnly perhaps\n',
    },
    async (home) => {
      await assert.rejects(
        loadSshConfig(undefined, { home, systemConfig: null }),
        usageError("~/.ssh/bad.conf:2: bad value for IdentitiesOnly: 'perhaps'"),
      );
      await writeFile(join(home, '.ssh/bad.conf'), 'IdentitiesOnly yes\n');
      const cfg = await loadSshConfig(undefined, { home, systemConfig: null });
      const r = resolveHost(cfg, 'h', LOCAL);
      assert.equal(r.port, 2345);
      assert.equal(r.identitiesOnly, true);
    },
  );
});

test('Include: a -F file includes relative to ~/.ssh too; recursion is bounded', async () => {
  await withHome({ 'elsewhere/main.conf': 'Include inc.conf\n', '.ssh/inc.conf': 'User included\n', '.ssh/loop.conf': 'Include loop.conf\n' }, async (home) => {
    const cfg = await loadSshConfig(join(home, 'elsewhere/main.conf'), { home });
    assert.equal(resolveHost(cfg, 'h', LOCAL).user, 'included');
    await assert.rejects(loadSshConfig(join(home, '.ssh/loop.conf'), { home }), usageError(/^~\/\.ssh\/loop\.conf:1: too many nested Include levels/));
  });
});

test('Include: ~ is refused in the system configuration', () => {
  assert.throws(
    () => parseSshConfig('Include ~/x.conf\n', '/etc/ssh/ssh_config', { userConf: false }),
    usageError(/^\/etc\/ssh\/ssh_config:1: bad Include path/),
  );
});

test('parseSshConfig alone keeps Include lines and warns', () => {
  const cfg = cfgOf('Include foo.conf\n');
  assert.match(cfg.warnings[0] ?? '', /test\.conf:1: Include is not followed/);
});

test('loadSshConfig: a config path that cannot be read is an error naming its code; a missing -F file is named exactly', async () => {
  await withHome({}, async (home) => {
    const folder = join(home, 'a-folder');
    await mkdir(folder);
    await assert.rejects(loadSshConfig(folder, { home }), usageError('cannot read ssh config file ~/a-folder: EISDIR'));
    await mkdir(join(home, '.ssh', 'config'), { recursive: true });
    await assert.rejects(loadSshConfig(undefined, { home, systemConfig: null }), usageError('cannot read ssh config file ~/.ssh/config: EISDIR'));
    await assert.rejects(loadSshConfig(join(home, 'nope.conf'), { home }), usageError(`ssh config file ${join(home, 'nope.conf')} not found`));
  });
});

test('loadSshConfig: without a path the system file is /etc/ssh/ssh_config; a missing system file is fine, and is no user file', async () => {
  await withHome({ 'etc/sys.conf': 'Include ~/x.conf\n', 'etc/rel.conf': 'Include ssh_config\n' }, async (home) => {
    const cfg = await loadSshConfig(undefined, { home });
    assert.deepEqual(cfg.files.map((f) => f.source), ['/etc/ssh/ssh_config']);
    assert.deepEqual(cfg.warnings, []);
    const none = await loadSshConfig(undefined, { home, systemConfig: join(home, 'etc/absent.conf') });
    assert.deepEqual([none.files.length, none.warnings], [0, []]);
    // The system file may not use ~, and its relative Include paths are under /etc/ssh.
    await assert.rejects(
      loadSshConfig(undefined, { home, systemConfig: join(home, 'etc/sys.conf') }),
      usageError("~/etc/sys.conf:1: bad Include path in a system configuration: '~/x.conf'"),
    );
    const rel = await loadSshConfig(undefined, { home, systemConfig: join(home, 'etc/rel.conf') });
    const include = rel.files[0]!.entries.find((e) => e.kind === 'include');
    assert.deepEqual(include?.kind === 'include' ? include.files?.map((f) => f.source) : undefined, ['/etc/ssh/ssh_config']);
  });
});

test('Include: a folder, an unknown ~user and a missing plain path', async () => {
  await withHome({ '.ssh/sub/x.conf': 'User x\n' }, async (home) => {
    await writeFile(join(home, '.ssh', 'config'), 'Include sub\n');
    await assert.rejects(loadSshConfig(undefined, { home, systemConfig: null }), usageError('~/.ssh/config:1: cannot read included file ~/.ssh/sub: EISDIR'));
    await writeFile(join(home, '.ssh', 'config'), 'Include ~no-such-user-lwt/x.conf\n');
    await assert.rejects(loadSshConfig(undefined, { home, systemConfig: null }), usageError("~/.ssh/config:1: Include: no such user for '~no-such-user-lwt'"));
    await writeFile(join(home, '.ssh', 'config'), 'Include absent.conf\nUser u\n');
    const cfg = await loadSshConfig(undefined, { home, systemConfig: null });
    assert.equal(resolveHost(cfg, 'h', LOCAL).user, 'u');
  });
});

test('Include: 16 nested levels are read, a 17th is refused, as ssh -G does', async () => {
  const chain = (levels: number): Record<string, string> =>
    Object.fromEntries(Array.from({ length: levels + 1 }, (_, i) => [`.ssh/c${i}.conf`, i < levels ? `Include c${i + 1}.conf\n` : 'User deep\n']));
  for (const [levels, ok] of [[16, true], [17, false]] as const) {
    await withHome(chain(levels), async (home) => {
      const top = join(home, '.ssh', 'c0.conf');
      const ssh = spawnSync('ssh', ['-G', '-F', top, 'h'], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
      assert.equal(ssh.status === 0, ok, `ssh -G with ${levels} levels: ${ssh.stderr}`);
      if (ok) assert.equal(resolveHost(await loadSshConfig(top, { home }), 'h', LOCAL).user, 'deep');
      else await assert.rejects(loadSshConfig(top, { home }), usageError(/too many nested Include levels \(more than 16\)$/));
    });
  }
});
