// The command line as one CommonJS file, dist/bundle/lwt.cjs, which bin/lwt runs: resolving and
// compiling ~200 ES modules one by one was most of `lwt --version`. CommonJS because Node 20 can
// keep V8's compiled code only for scripts (vm.Script cachedData), not for ES modules; the
// cache, dist/bundle/lwt.cache, is written here by one run of the bundle (bin/lwt).
// tsc's dist/src stays for the library face (src/index.ts) and the tests.
// The packages of src/packages.ts are inside, run at their first use, except ssh2 (native
// addons) and cosmiconfig (it import()s ES-module configs, which a vm.Script cannot).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/bundle/lwt.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['ssh2', 'cosmiconfig'],
  // packages.ts resolves packages from its own URL; a CommonJS file has __filename instead.
  define: { 'import.meta.url': 'lwtBundleUrl' },
  banner: { js: "const lwtBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
// bin/lwt runs the bundle as a vm.Script, which has no loader for import(); V8 also drops the
// import() callback from cached code. Packages are loaded through packages.ts instead.
if (/\bimport\(/.test(readFileSync('dist/bundle/lwt.cjs', 'utf8'))) throw new Error('bundle: import() in dist/bundle/lwt.cjs; load packages through packages.ts');
// Compiled code of what every start runs (the options of every verb): one run of --version.
execFileSync(process.execPath, ['bin/lwt', '--version'], { env: { ...process.env, LWT_WRITE_CODE_CACHE: '1' }, stdio: 'ignore' });
