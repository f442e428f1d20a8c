import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { DEFAULTS } from '../../src/defaults.js';
import { initHome } from '../../src/commands/init.js';
import { buildProgram } from '../../src/cli/main.js';
import { connectSeconds } from '../../src/cli/parse.js';

const helpOf = (verb: string): string => {
  const cmd = buildProgram().commands.find((c: Command) => c.name() === verb)!;
  return cmd.helpInformation();
};

test("lwt init's config holds the defaults the code uses", async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'lwt-defaults-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  await initHome(home);
  const cfg = JSON.parse(await readFile(join(home, '.lwtrc.json'), 'utf8'));
  // Not written: it would override the hosts' ssh_config ConnectTimeout.
  assert.equal(cfg.connectTimeout, undefined);
  assert.equal(cfg.timeout, DEFAULTS.timeout);
  assert.equal(cfg.commands['exec-all'].parallel, DEFAULTS.parallel);
  assert.equal(cfg.commands.monitor.parallel, DEFAULTS.monitorParallel);
  // run's default depends on the machine: a fixed number in the template would override it.
  assert.equal(cfg.parallel, undefined);
  assert.equal(cfg.commands.run?.parallel, undefined);
});

test('every --help page states the -p default of its verb, once', () => {
  const expected: Record<string, number> = {
    'exec-all': DEFAULTS.parallel,
    'put-all': DEFAULTS.parallel,
    'get-all': DEFAULTS.parallel,
    monitor: DEFAULTS.monitorParallel,
    run: DEFAULTS.runParallel,
  };
  for (const [verb, n] of Object.entries(expected)) {
    const help = helpOf(verb);
    const pLine = help.split('\n').find((l) => l.trimStart().startsWith('-p, --parallel'))!;
    assert.match(pLine, new RegExp(`\\b${n}\\)`), `${verb}: ${pLine}`);
    // Every other mention of -p's default on the page says the same number.
    for (const m of help.matchAll(/[Dd]efault -p (\d+)/g)) assert.equal(Number(m[1]), n, `${verb}: ${m[0]}`);
  }
});

test('--connect-timeout 0 is refused with a message; -t 0 is no deadline', () => {
  assert.throws(() => connectSeconds('0'), /must be > 0.*-t 0 means no deadline/);
  assert.equal(connectSeconds('2.5'), 2.5);
});
