// Modules of lwt that stand in, inside the CLI bundle only, for parts of packages that cost
// start-up time and that a run does not need at ssh2's load (src/bundle/*.ts says why each).
// tsc's build (the library face, the tests) keeps the packages as they are.
//
// Each stand-in replaces one import in named files of a package. The build fails when one no
// longer applies (the package changed: the file or the import is gone) or when a stood-in
// file calls what the stand-in does not have, so that an upgrade cannot silently drop one or
// break one.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
// tsc's output: the build runs tsc first.
import { ASSERT_LITE_METHODS } from '../dist/src/bundle/assert-lite.js';

const STAND_INS = [
  {
    what: "cpu-features, as ssh2 asks it at load (arch and the AES flag)",
    path: 'cpu-features',
    importer: /\/ssh2\/lib\/protocol\/constants\.js$/,
    contents: "module.exports = require('./src/bundle/cpu-features.ts').cpuFeatures;",
  },
  {
    what: "ssh2's HTTP(S) agents (node's http, https, tls at ssh2's load)",
    path: './http-agents.js',
    importer: /\/ssh2\/lib\/index\.js$/,
    contents: "module.exports = require('./src/bundle/http-agents.ts');",
  },
  {
    // ssh2 looks a host name up only when it opens the connection itself; lwt hands it one.
    what: "node:dns in ssh2's client (its resolver reads /etc/resolv.conf when loaded)",
    path: 'dns',
    importer: /\/ssh2\/lib\/client\.js$/,
    contents: "module.exports = { lookup: (...args) => require('node:dns').lookup(...args) };",
  },
  {
    what: 'safer-buffer, in asn1',
    path: 'safer-buffer',
    importer: /\/asn1\/lib\/ber\/(reader|writer)\.js$/,
    contents: "module.exports = require('./src/bundle/safer-buffer.ts');",
  },
  {
    what: 'node:assert, in asn1 and ssh2',
    path: 'assert',
    importer: /\/(asn1\/lib\/ber\/(reader|writer)|ssh2\/lib\/protocol\/node-fs-compat)\.js$/,
    contents: "module.exports = require('./src/bundle/assert-lite.ts').assertLite;",
    // Every call the stood-in file makes must be one the stand-in has.
    check(importerPath) {
      const calls = [...readFileSync(importerPath, 'utf8').matchAll(/\bassert\.(\w+)/g)].map((m) => m[1]);
      const missing = calls.filter((m) => !ASSERT_LITE_METHODS.includes(m));
      return missing.length === 0 ? undefined : `${importerPath} calls assert.${missing.join(', assert.')}`;
    },
  },
];

/** The esbuild plugin, and after the build, `verify()` throws unless every stand-in applied. */
export function standIns() {
  const applied = new Map(STAND_INS.map((s) => [s, 0]));
  const filter = new RegExp(`^(${STAND_INS.map((s) => s.path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  const plugin = {
    name: 'lwt-stand-ins',
    setup(b) {
      b.onResolve({ filter }, (args) => {
        const s = STAND_INS.find((x) => x.path === args.path && x.importer.test(args.importer));
        if (!s) return undefined;
        const problem = s.check?.(args.importer);
        if (problem) return { errors: [{ text: `stand-in for ${s.what}: ${problem}` }] };
        applied.set(s, applied.get(s) + 1);
        return { path: `${s.path} for ${relative('.', args.importer)}`, namespace: 'lwt-stand-in', pluginData: s };
      });
      b.onLoad({ filter: /.*/, namespace: 'lwt-stand-in' }, (args) => ({
        contents: args.pluginData.contents,
        loader: 'js',
        resolveDir: resolve('.'),
      }));
    },
  };
  const verify = () => {
    const unused = STAND_INS.filter((s) => applied.get(s) === 0);
    if (unused.length > 0) throw new Error(`bundle: stand-ins no longer applied (did a package change?): ${unused.map((s) => s.what).join('; ')}`);
  };
  return { plugin, verify };
}
