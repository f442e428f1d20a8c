import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLoadError, jsonErrorPosition, loadConfig, settingsFor, validateConfig } from '../../src/config.js';
import { UsageError } from '../../src/errors.js';
import { resolveHome } from '../../src/home.js';

test('valid settings pass, per-command sections override the top level', () => {
  const cfg = validateConfig({ parallel: 10, timeout: 5, commands: { run: { parallel: 3 } } }, '/x/.lwtrc.json');
  assert.deepEqual(settingsFor(cfg, 'run'), { parallel: 3, timeout: 5 });
  assert.deepEqual(settingsFor(cfg, 'exec-all'), { parallel: 10, timeout: 5 });
});

test('errors name the file and the key', () => {
  assert.throws(() => validateConfig({ paralel: 3 }, '/x/.lwtrc'), (e: Error) => e instanceof UsageError && /^\/x\/\.lwtrc: paralel: unknown setting/.test(e.message));
  assert.throws(() => validateConfig({ parallel: 0 }, 'f'), { message: 'f: parallel: must be a positive integer, got 0' });
  assert.throws(() => validateConfig({ commands: { run: { timeout: 'x' } } }, 'f'), { message: 'f: commands.run.timeout: must be a number ≥ 0, got "x"' });
  assert.throws(() => validateConfig([1], 'f'), { message: 'f: config must be an object of settings' });
  assert.throws(() => validateConfig({ handshakes: 0 }, 'f'), { message: 'f: handshakes: must be a positive integer, got 0' });
  assert.equal(validateConfig({ commands: { 'exec-all': { handshakes: 64 } } }, 'f').commands['exec-all']!.handshakes, 64);
  assert.throws(() => validateConfig({ logLevel: 'loud' }, 'f'), { message: 'f: logLevel: must be one of error, warn, info, debug, trace, got "loud"' });
});

test('cosmiconfig finds .lwtrc.json and package.json "lwt"; a broken file is a one-line error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-cfg-'));
  try {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'x', lwt: { parallel: 7 } }));
    assert.equal((await loadConfig({ from: dir })).settings.parallel, 7);
    await writeFile(join(dir, '.lwtrc.json'), '{ "parallel": 9 }');
    const explicit = await loadConfig({ file: join(dir, '.lwtrc.json') });
    assert.equal(explicit.settings.parallel, 9);
    await writeFile(join(dir, 'bad.json'), '{ nope');
    await assert.rejects(loadConfig({ file: join(dir, 'bad.json') }), (e: Error) => e instanceof UsageError && e.message.includes('bad.json') && !e.message.includes('\n'));
    await assert.rejects(loadConfig({ file: join(dir, 'missing.json') }), /missing\.json: cannot load config/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('home: flag, then LWT_HOME, then config (relative to its file), then cwd', () => {
  const saved = process.env.LWT_HOME;
  try {
    delete process.env.LWT_HOME;
    assert.equal(resolveHome('/a', '/b'), '/a');
    assert.equal(resolveHome(undefined, 'fleet', '/etc/lwt/.lwtrc.json'), '/etc/lwt/fleet');
    assert.equal(resolveHome(undefined, undefined), process.cwd());
    process.env.LWT_HOME = '/env';
    assert.equal(resolveHome(undefined, '/b'), '/env');
  } finally {
    if (saved === undefined) delete process.env.LWT_HOME;
    else process.env.LWT_HOME = saved;
  }
});

test('a config that does not parse is one line naming file, line and column', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-cfg-'));
  try {
    await writeFile(join(dir, '.lwtrc.json'), '{\n  "parallel": 4,\n}\n');
    await assert.rejects(loadConfig({ from: dir }), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.message, `${join(dir, '.lwtrc.json')}:3:1: cannot load config: Expected double-quoted property name`);
      return true;
    });
    await writeFile(join(dir, '.lwtrc.json'), '{"parallel": 4 "timeout": 1}\n');
    await assert.rejects(loadConfig({ from: dir }), /\.lwtrc\.json:1:16: cannot load config: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a coloured code frame (FORCE_COLOR in CI) still yields file, line and column', () => {
  // cosmiconfig's message captured verbatim under FORCE_COLOR=1 for '{\n  "parallel": 4,\n}\n'.
  const frame =
    ' \u001b[90m 1 |\u001b[39m {\n \u001b[90m 2 |\u001b[39m   \u001b[32m"parallel"\u001b[39m\u001b[33m:\u001b[39m \u001b[35m4\u001b[39m\u001b[33m,\u001b[39m\n' +
    '\u001b[31m\u001b[1m>\u001b[22m\u001b[39m\u001b[90m 3 |\u001b[39m }\n \u001b[90m   |\u001b[39m \u001b[31m\u001b[1m^\u001b[22m\u001b[39m\n \u001b[90m 4 |\u001b[39m\u001b[0m\n';
  const message =
    `JSON Error in /x/.lwtrc.json: \n\n\u001b[0m${frame}\nExpected double-quoted property name in JSON at position 19 while parsing '{  "parallel": 4,}' \n\n\u001b[0m${frame}`;
  assert.equal(describeLoadError(message, 'config'), '/x/.lwtrc.json:3:1: cannot load config: Expected double-quoted property name');
});

test('a JSON error whose message has no position is still named with its line and column', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lwt-cfg-'));
  try {
    // V8 says only "Unexpected token '}', ..." here: no position, so no code frame either.
    await writeFile(join(dir, '.lwtrc.json'), '{ "timeout": 1,\n  "parallel": }\n');
    await assert.rejects(loadConfig({ from: dir }), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, new RegExp(`^${join(dir, '.lwtrc.json').replace(/\./g, '\\.')}:2:15: cannot load config: Unexpected token '\\}'`));
      assert.ok(!err.message.includes('\n'), err.message);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('jsonErrorPosition: the first character that cannot continue valid JSON, 1-based', () => {
  assert.equal(jsonErrorPosition('{"a": 1}'), undefined);
  assert.deepEqual(jsonErrorPosition('{"a": }'), { line: 1, column: 7 });
  assert.deepEqual(jsonErrorPosition('{\n  "a": 1,\n}'), { line: 3, column: 1 });
  assert.deepEqual(jsonErrorPosition('[1, 2\n'), { line: 2, column: 1 }, 'cut short: the end');
  assert.deepEqual(jsonErrorPosition('{"a": tru e}'), { line: 1, column: 10 });
  assert.deepEqual(jsonErrorPosition(''), { line: 1, column: 1 });
});
