/**
 * What lwt loads at start: a verb pays only for the packages it uses. Read from the process
 * itself (require.cache at exit, through a --require probe), not from timings. tsc's build
 * runs here (dist/src/cli/bin.js): the bundle holds some packages inside, where
 * require.cache cannot see them; both run the same src/packages.ts.
 * No fleet: the one SSH verb here fails at connect on purpose.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LWT_BIN, runLwt, runProgram } from './helpers.js';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAscii } from 'node:buffer';

const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

const HEAVY = ['ssh2', 'log4js', 'cosmiconfig', 'js-yaml', 'ps-tree'];
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lwt-startup-'));
  // At exit, the packages (by name under node_modules) that this process loaded.
  writeFileSync(
    join(dir, 'probe.cjs'),
    `process.once('exit', () => {
      const names = new Set(Object.keys(require.cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean));
      require('node:fs').writeFileSync(process.env.LWT_PROBE_OUT, [...names].sort().join('\\n'));
    });`,
  );
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Run lwt with the probe; the run and the heavy packages it loaded. */
interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

async function loaded(args: string[], input = ''): Promise<{ run: Run; heavy: string[] }> {
  const out = join(dir, 'loaded');
  rmSync(out, { force: true });
  const run = await new Promise<Run>((resolve) => {
    const child = execFile(
      process.execPath,
      ['--require', join(dir, 'probe.cjs'), BIN, ...args],
      { cwd: dir, env: { ...process.env, LWT_PROBE_OUT: out, LWT_HOME: dir }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
  const names = readFileSync(out, 'utf8').split('\n');
  return { run, heavy: HEAVY.filter((h) => names.includes(h)) };
}

test('--version and --help load none of ssh2, log4js, cosmiconfig, js-yaml, ps-tree', async () => {
  for (const args of [['--version'], ['--help'], ['exec-all', '--help']]) {
    const { run, heavy } = await loaded(args);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(heavy, [], `lwt ${args.join(' ')} loaded ${heavy.join(', ')}`);
  }
});

test('run loads nothing of SSH, YAML or logging when nothing is logged, and its config reader only for a config', async () => {
  const { run, heavy } = await loaded(['run', '-'], 'echo one\ntrue\n');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /1: one/);
  // No config file on the way up: a few stat calls tell (config-absent.ts), cosmiconfig stays unloaded.
  assert.deepEqual(heavy, []);
  writeFileSync(join(dir, '.lwtrc.json'), '{"parallel": 2}');
  try {
    const withConfig = await loaded(['run', '-'], 'echo two\n');
    assert.equal(withConfig.run.status, 0, withConfig.run.stderr);
    assert.deepEqual(withConfig.heavy, ['cosmiconfig']);
  } finally {
    rmSync(join(dir, '.lwtrc.json'));
  }
});

test('exec-all loads ssh2 when it reads a key and connects (the probe sees what a verb loads)', async () => {
  const { run, heavy } = await loaded(['exec-all', '-q', '-i', join(dir, 'key'), '-w', '127.0.0.1:1', 'true']);
  assert.notEqual(run.status, 0);
  assert.ok(heavy.includes('ssh2'), `loaded: ${heavy.join(', ')}; stderr: ${run.stderr}`);
});

test("bin/lwt's exec-all uses ssh2's compiled crypto (the bundle requires it from node_modules)", async () => {
  const out = join(dir, 'files');
  writeFileSync(join(dir, 'files.cjs'), `process.once('exit', () => require('node:fs').writeFileSync(process.env.LWT_PROBE_OUT, Object.keys(require.cache).join('\\n')));`);
  const run = await runLwt(['exec-all', '-q', '-i', join(dir, 'key'), '-w', '127.0.0.1:1', 'true'], {
    cwd: dir,
    env: { NODE_OPTIONS: `--require ${join(dir, 'files.cjs')}`, LWT_PROBE_OUT: out, LWT_HOME: dir },
    timeoutMs: 30_000,
  });
  assert.notEqual(run.status, 0);
  assert.match(readFileSync(out, 'utf8'), /\/ssh2\/lib\/protocol\/crypto\/build\/Release\/sshcrypto\.node$/m, run.stderr);
});

test("V8 takes the bundle's code cache in a process started as bin/lwt starts (no flags)", () => {
  // A cache stamped with other V8 flags (one set at run time by the build's warm-up run) is
  // refused at every start, and the whole bundle is compiled again.
  const lwt = fileURLToPath(new URL('../../../bin/lwt', import.meta.url));
  const verdict = execFileSync(process.execPath, ['-e', `const s = require(${JSON.stringify(lwt)}).compileBundle(); process.stdout.write(String(s.cachedDataRejected))`], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(verdict, 'false', 'the code cache was refused (true) or not offered (undefined)');
});

test("bin/lwt's exec-all loads ssh2 without node's http, https, tls, dns and File or the cpu-features addon (the bundle's stand-ins)", async () => {
  const out = join(dir, 'builtins');
  writeFileSync(
    join(dir, 'builtins.cjs'),
    `process.once('exit', () => require('node:fs').writeFileSync(process.env.LWT_PROBE_OUT, [...process.moduleLoadList, ...Object.keys(require.cache)].join('\\n')));`,
  );
  const run = await runLwt(['exec-all', '-q', '-i', join(dir, 'key'), '-w', '127.0.0.1:1', 'true'], {
    cwd: dir,
    env: { NODE_OPTIONS: `--require ${join(dir, 'builtins.cjs')}`, LWT_PROBE_OUT: out, LWT_HOME: dir },
    timeoutMs: 30_000,
  });
  assert.notEqual(run.status, 0);
  const loadedNow = readFileSync(out, 'utf8').split('\n');
  // ssh2 did load: its compiled crypto is there.
  assert.ok(loadedNow.some((l) => l.endsWith('/sshcrypto.node')), run.stderr);
  // node:assert is stood in for too (bundle-stand-ins.mjs), but this failed connection loads it
  // anyway (node's own error paths); the build checks that its stand-in applies.
  for (const builtin of ['http', 'https', 'tls', 'dns']) assert.ok(!loadedNow.includes(`NativeModule ${builtin}`), `${builtin} loaded`);
  // What safer-buffer's copy of node:buffer's exports woke.
  assert.ok(!loadedNow.includes('NativeModule internal/file'), 'internal/file loaded');
  assert.ok(!loadedNow.some((l) => l.includes('/cpu-features/')), 'cpu-features loaded');
});

test('the bundle is ASCII, so that bin/lwt reads it as one-byte text (the build escapes the rest)', () => {
  const bundle = readFileSync(fileURLToPath(new URL('../../bundle/lwt.cjs', import.meta.url)));
  assert.ok(isAscii(bundle), 'dist/bundle/lwt.cjs holds non-ASCII bytes');
});

test('bin/lwt as a program starts node without NODE_EXTRA_CA_CERTS and hands it back to the jobs as it was (set, empty, unset)', async () => {
  // Node reads that file at start-up, before any script runs (~40 ms with the system bundle);
  // a file that is not there makes it warn on stderr, which is how this test sees the load.
  writeFileSync(join(dir, 'ca-jobs'), 'echo "[${NODE_EXTRA_CA_CERTS-unset}] [${LWT_LAUNCHER_NODE_EXTRA_CA_CERTS-unset}]"\n');
  const cases: [string | undefined, string][] = [
    [join(dir, 'no-such-ca.pem'), `[${join(dir, 'no-such-ca.pem')}] [unset]`],
    ['', '[] [unset]'],
    [undefined, '[unset] [unset]'],
  ];
  for (const [value, seen] of cases) {
    const env: NodeJS.ProcessEnv = { ...process.env, LWT_HOME: dir };
    delete env.NODE_EXTRA_CA_CERTS;
    if (value !== undefined) env.NODE_EXTRA_CA_CERTS = value;
    const r = await new Promise<{ out: string; err: string }>((done, fail) =>
      execFile(LWT_BIN, ['-q', 'run', join(dir, 'ca-jobs')], { env, cwd: dir }, (e, out, err) => (e ? fail(e) : done({ out, err }))),
    );
    assert.equal(r.out.trim(), `1: ${seen}`, `NODE_EXTRA_CA_CERTS=${value ?? '(unset)'}`);
    assert.doesNotMatch(r.err, /extra certs/, 'node loaded the CA file at start');
  }
  // The witness works: node run on the file directly (no sh line) does load it.
  const direct = await runProgram(process.execPath, [LWT_BIN, '--version'], { env: { NODE_EXTRA_CA_CERTS: join(dir, 'no-such-ca.pem') } });
  assert.match(direct.stderr, /Ignoring extra certs/);
});

test('bin/lwt runs through a symlink (npm link), from another folder', async () => {
  const link = join(dir, 'lwt-link');
  symlinkSync(LWT_BIN, link);
  const r = await runProgram(link, ['--version'], { cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});
