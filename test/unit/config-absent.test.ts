import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { noConfigToFind } from '../../src/config-absent.js';
import { SEARCH_PLACES, loadConfig } from '../../src/config.js';

/**
 * Each case: files under a scratch root laid out as HOME=root/home, the search starting (and
 * the current folder) at root/home/proj/sub, XDG_CONFIG_HOME=root/xdg. `found` is what
 * cosmiconfig itself must find (a file relative to the root), or undefined for nothing;
 * `searched`: the search must run even so (a sign of a config that noConfigToFind does not read).
 */
const cases: { name: string; files: Record<string, string>; found?: string; throws?: true; searched?: true }[] = [
  { name: 'nothing anywhere', files: {} },
  { name: 'package.json files without the key', files: { 'home/proj/sub/package.json': '{"name":"a"}', 'home/proj/package.json': '{"name":"b","lwtx":1}' } },
  { name: 'a config above the home folder is not searched', files: { '.lwtrc.json': '{"parallel":2}' } },
  { name: 'package.json "lwt" in a parent', files: { 'home/proj/sub/package.json': '{}', 'home/proj/package.json': '{"lwt":{"parallel":3}}' }, found: 'home/proj/package.json' },
  { name: '.lwtrc.yaml in the home folder itself', files: { 'home/.lwtrc.yaml': 'parallel: 4\n' }, found: 'home/.lwtrc.yaml' },
  { name: 'lwt.config.cjs in the start folder', files: { 'home/proj/sub/lwt.config.cjs': 'module.exports = { parallel: 5 };' }, found: 'home/proj/sub/lwt.config.cjs' },
  { name: 'the global folder', files: { 'xdg/lwt/config.json': '{"parallel":6}' }, found: 'xdg/lwt/config.json' },
  { name: 'a meta config in the current folder', files: { 'home/proj/sub/.config/config.json': '{"cosmiconfig":{"searchPlaces":["my.json"]}}', 'home/proj/sub/my.json': '{"parallel":8}' }, found: 'home/proj/sub/my.json' },
  { name: 'package.json "cosmiconfig" in the current folder', files: { 'home/proj/sub/package.json': '{"cosmiconfig":{"searchPlaces":["my.json"]}}', 'home/proj/sub/my.json': '{"parallel":9}' }, searched: true },
  { name: 'a package.json that does not parse', files: { 'home/proj/package.json': '{"name": }' }, throws: true },
];

for (const c of cases) {
  test(`no config to find, or the search runs: ${c.name}`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'lwt-cfg-absent-'));
    const start = join(root, 'home/proj/sub');
    const saved = { cwd: process.cwd(), HOME: process.env.HOME, XDG: process.env.XDG_CONFIG_HOME };
    try {
      await mkdir(start, { recursive: true });
      for (const [file, text] of Object.entries(c.files)) {
        await mkdir(dirname(join(root, file)), { recursive: true });
        await writeFile(join(root, file), text);
      }
      process.env.HOME = join(root, 'home');
      process.env.XDG_CONFIG_HOME = join(root, 'xdg');
      process.chdir(start);
      const absent = noConfigToFind(start, SEARCH_PLACES);
      // What cosmiconfig finds with config.ts's options (its own JSON loader: the file is what counts).
      const search = cosmiconfig('lwt', { searchPlaces: [...SEARCH_PLACES], searchStrategy: 'global', cache: false }).search(start);
      if (c.throws) {
        await assert.rejects(search);
        assert.equal(absent, false, 'a broken file must reach the search that reports it');
        await assert.rejects(loadConfig({ from: start }));
        return;
      }
      const found = await search;
      assert.equal(found?.filepath, c.found === undefined ? undefined : join(root, c.found));
      assert.equal(absent, c.found === undefined && !c.searched, 'only when cosmiconfig finds nothing');
      assert.equal((await loadConfig({ from: start })).file, found?.filepath);
    } finally {
      process.chdir(saved.cwd);
      for (const [key, value] of [['HOME', saved.HOME], ['XDG_CONFIG_HOME', saved.XDG]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await rm(root, { recursive: true, force: true });
    }
  });
}
