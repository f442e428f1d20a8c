// The command line as one CommonJS file, dist/bundle/lwt.cjs, which bin/lwt runs: resolving and
// compiling ~200 ES modules one by one was most of `lwt --version`. CommonJS because Node 20 can
// keep V8's compiled code only for scripts (vm.Script cachedData), not for ES modules; the
// cache, dist/bundle/lwt.cache, is written here by one run of the bundle (bin/lwt, below).
// tsc's dist/src stays for the library face (src/index.ts) and the tests.
// The packages of src/packages.ts are inside, run at their first use, except cosmiconfig (it
// import()s ES-module configs, which a vm.Script cannot) and the native addons (below). Some
// parts of packages are replaced by lighter stand-ins (bundle-stand-ins.mjs).
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { standIns } from './bundle-stand-ins.mjs';

/**
 * A native addon (ssh2's compiled crypto) cannot be inside: it is required by its path in its
 * package, `ssh2/lib/…/sshcrypto.node`, which Node finds through node_modules from the bundle
 * (wherever npm put the package). ssh2 falls back to slower JavaScript ciphers without it.
 */
const nativeAddons = {
  name: 'native-addons',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      const at = path.lastIndexOf('/node_modules/');
      if (at < 0) return { errors: [{ text: `native addon outside node_modules: ${path}` }] };
      return { path: path.slice(at + '/node_modules/'.length), external: true };
    });
  },
};

rmSync('dist/bundle', { recursive: true, force: true });
const stood = standIns();
await build({
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/bundle/lwt.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // cpu-features: a stand-in where ssh2 asks it (bundle-stand-ins.mjs); the package itself is
  // required from node_modules by packages.ts where /proc/cpuinfo does not answer.
  external: ['cosmiconfig'],
  plugins: [nativeAddons, stood.plugin],
  // packages.ts resolves packages from its own URL; a CommonJS file has __filename instead.
  define: { 'import.meta.url': 'lwtBundleUrl' },
  banner: { js: "const lwtBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
stood.verify();
// Only ASCII, so that bin/lwt reads the bundle as one-byte text: esbuild escapes non-ASCII
// characters in strings but keeps comments as written, and five characters in comments made
// the whole 1.7 MB source two-byte (UTF-16) text, ~1 ms more to read at every start. In a
// comment the escape is just text; elsewhere \uXXXX means the very character.
const bundled = readFileSync('dist/bundle/lwt.cjs', 'utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
writeFileSync('dist/bundle/lwt.cjs', bundled);
// bin/lwt runs the bundle as a vm.Script, which has no loader for import(); V8 also drops the
// import() callback from cached code. Packages are loaded through packages.ts instead.
if (/\bimport\(/.test(bundled)) throw new Error('bundle: import() in dist/bundle/lwt.cjs; load packages through packages.ts');
// Compiled code of what a run uses: one exec-all on one host, against an SSH server in this
// process (ssh2's, on loopback: no sshd needed to build), so that the cache also holds the key
// exchange, login, channel and result code instead of compiling it at every start (a cache of
// a refused connection alone left it out: ~6 % more CPU for a one-host run). Scratch home.
const scratch = mkdtempSync(join(tmpdir(), 'lwt-bundle-'));
const { Server, utils } = createRequire(import.meta.url)('ssh2');
const hostKey = utils.generateKeyPairSync('ed25519');
const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
  client.on('error', () => undefined);
  client.on('authentication', (ctx) => ctx.accept());
  client.on('session', (accept) =>
    accept().on('exec', (acceptExec) => {
      // What lwt's remote wrapper reports first (remote-command.ts), then the command's end.
      const channel = acceptExec();
      channel.stderr.write('\x1eLWT-PID 1\n');
      channel.exit(0);
      channel.end();
    }),
  );
});
try {
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const port = server.address().port;
  writeFileSync(join(scratch, 'key'), utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
  writeFileSync(join(scratch, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey.public}\n`);
  const config = ['Host *', `  Port ${port}`, '  User lwt', `  IdentityFile ${join(scratch, 'key')}`, '  IdentitiesOnly yes', '  IdentityAgent none'];
  config.push(`  UserKnownHostsFile ${join(scratch, 'known_hosts')}`, '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', '');
  writeFileSync(join(scratch, 'ssh_config'), config.join('\n'));
  const args = [resolve('bin/lwt'), 'exec-all', '-q', '-F', join(scratch, 'ssh_config'), '-w', '127.0.0.1', 'true'];
  const env = { ...process.env, HOME: scratch, LWT_HOME: scratch, LWT_WRITE_CODE_CACHE: '1' };
  await promisify(execFile)(process.execPath, args, { cwd: scratch, env }).catch((err) => {
    throw new Error(`bundle: the warm-up run failed: ${err.stderr || err.message}`);
  });
} finally {
  server.close();
  rmSync(scratch, { recursive: true, force: true });
}
if (!existsSync('dist/bundle/lwt.cache')) throw new Error('bundle: no code cache written');
// V8 refuses a cache stamped with other flags than a start has (a flag set at run time by the
// warm-up run): then every start compiles the whole bundle again. Asked of a fresh process.
const verdict = await promisify(execFile)(process.execPath, ['-e', "process.stdout.write(String(require('./bin/lwt').compileBundle().cachedDataRejected))"]);
if (verdict.stdout !== 'false') throw new Error(`bundle: V8 refuses the code cache the warm-up run wrote (cachedDataRejected: ${verdict.stdout})`);
