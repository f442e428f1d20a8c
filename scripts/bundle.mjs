// The command line as one file, dist/bundle/lwt.js (plus a chunk per dynamic import), which
// bin/lwt runs: resolving and compiling ~200 modules one by one was most of `lwt --version`.
// tsc's dist/src stays for the library face (src/index.ts) and the tests.
// Packages that lwt loads only when a verb needs them (lazy-require.ts, dynamic imports) stay
// outside: bundled, they would be evaluated at every start; ssh2 also holds native addons.
import { build } from 'esbuild';

await build({
  entryPoints: { lwt: 'src/cli/bin.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['ssh2', 'log4js', 'cosmiconfig', 'js-yaml', 'ps-tree'],
  // Bundled CommonJS (commander) requires Node's built-in modules; an ES module has no require.
  banner: { js: "import { createRequire as lwtCreateRequire } from 'node:module'; const require = lwtCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
