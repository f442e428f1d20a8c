import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../../src/cli/context.js';

test("a home named by --home brings its own config, whatever the current folder (cron runs elsewhere)", async () => {
  const root = await mkdtemp(join(tmpdir(), 'lwt-ctx-'));
  const cwd = process.cwd();
  try {
    const home = join(root, 'fleet');
    const elsewhere = join(root, 'elsewhere');
    await mkdir(home);
    await mkdir(elsewhere);
    await writeFile(join(home, '.lwtrc.json'), '{"commands": {"exec-all": {"parallel": 7}}}\n');
    await writeFile(join(elsewhere, '.lwtrc.json'), '{"parallel": 99}\n');
    process.chdir(elsewhere);
    const named = await prepare('exec-all', { home, quiet: true });
    assert.equal(named.configFile, join(home, '.lwtrc.json'));
    assert.equal(named.settings.parallel, 7);
    const unnamed = await prepare('exec-all', { quiet: true });
    assert.equal(unnamed.configFile, join(elsewhere, '.lwtrc.json'), 'without a named home: searched from the current folder');
  } finally {
    process.chdir(cwd);
    await rm(root, { recursive: true, force: true });
  }
});
