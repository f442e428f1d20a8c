// The command line as one CommonJS file, dist/bundle/lwt.cjs, which bin/lwt runs: resolving and
// compiling ~200 ES modules one by one was most of `lwt --version`. CommonJS because Node 20 can
// keep V8's compiled code only for scripts (vm.Script cachedData), not for ES modules; the
// cache, dist/bundle/lwt.cache, is written here by one run of the bundle (bin/lwt, below).
// tsc's dist/src stays for the library face (src/index.ts) and the tests.
// The packages of src/packages.ts are inside, run at their first use, except cosmiconfig (it
// import()s ES-module configs, which a vm.Script cannot) and the native addons (below).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
await build({
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/bundle/lwt.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['cosmiconfig', 'cpu-features'],
  plugins: [nativeAddons],
  // packages.ts resolves packages from its own URL; a CommonJS file has __filename instead.
  define: { 'import.meta.url': 'lwtBundleUrl' },
  banner: { js: "const lwtBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
// bin/lwt runs the bundle as a vm.Script, which has no loader for import(); V8 also drops the
// import() callback from cached code. Packages are loaded through packages.ts instead.
if (/\bimport\(/.test(readFileSync('dist/bundle/lwt.cjs', 'utf8'))) throw new Error('bundle: import() in dist/bundle/lwt.cjs; load packages through packages.ts');
// Compiled code of what starts run: one exec-all (the options of every verb, the config, ssh2,
// reading a key, a connection refused at once), in a scratch home: a tenth less CPU for such a
// run than a cache of --version alone, for 2 % more on --version.
const scratch = mkdtempSync(join(tmpdir(), 'lwt-bundle-'));
try {
  const key = createRequire(import.meta.url)('ssh2').utils.generateKeyPairSync('ed25519');
  writeFileSync(join(scratch, 'key'), key.private, { mode: 0o600 });
  execFileSync(
    process.execPath,
    [resolve('bin/lwt'), 'exec-all', '-q', '--connect-timeout', '2', '-i', join(scratch, 'key'), '-w', '127.0.0.1:1', 'true'],
    { cwd: scratch, env: { ...process.env, LWT_HOME: scratch, LWT_WRITE_CODE_CACHE: '1' }, stdio: 'ignore' },
  );
} catch (err) {
  if (err.status === undefined) throw err; // the run itself fails (no host there): expected
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (!existsSync('dist/bundle/lwt.cache')) throw new Error('bundle: no code cache written');
