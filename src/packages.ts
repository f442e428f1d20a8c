/**
 * The npm packages lwt loads at their first use instead of at start. Start-up is most of a
 * short run (`lwt --version`, a one-host exec-all), and each verb needs only some of them:
 * ssh2 alone cost more to load than the rest of lwt, log4js about as much.
 *
 * Synchronous requires, so that callers stay synchronous (all of these are CommonJS). In the
 * bundle (CommonJS, scripts/bundle.mjs) `require` is the bundle's own: esbuild then holds the
 * package inside the bundle and runs it at the first call, with no search through
 * node_modules. tsc's ES modules have no `require` and load the package from node_modules.
 * cosmiconfig (it imports ES-module configs) stays outside the bundle, and so do native addons
 * (cpu-features).
 */
import { createRequire } from 'node:module';
import type * as Cosmiconfig from 'cosmiconfig';
import type Yaml from 'js-yaml';
import type Log4js from 'log4js';
import type PsTree from 'ps-tree';
import type Ssh2 from 'ssh2';

const nodeRequire = createRequire(import.meta.url);
const esm = typeof require !== 'function';

function once<T>(load: () => unknown): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load() as T);
}

export const ssh2 = once<typeof Ssh2>(() => (esm ? nodeRequire('ssh2') : require('ssh2')));
/** ssh2's key parser, loaded before ssh2 itself: ssh/kex-patch.ts replaces a function ssh2's key exchange takes from it. */
export const ssh2KeyParser = once<unknown>(() => (esm ? nodeRequire('ssh2/lib/protocol/keyParser.js') : require('ssh2/lib/protocol/keyParser.js')));
/** ssh2's HTTP(S)-over-SSH agents, which the bundle leaves out of ssh2's load (bundle/http-agents.ts). */
export const ssh2HttpAgents = once<Record<string, unknown>>(() =>
  esm ? nodeRequire('ssh2/lib/http-agents.js') : require('ssh2/lib/http-agents.js'),
);
/** The native cpu-features package, outside the bundle: asked only where /proc/cpuinfo does not answer (bundle/cpu-features.ts). */
export const cpuFeaturesPackage = once<unknown>(() => nodeRequire('cpu-features'));
export const cosmiconfig = once<typeof Cosmiconfig>(() => nodeRequire('cosmiconfig'));
export const log4js = once<typeof Log4js>(() => (esm ? nodeRequire('log4js') : require('log4js')));
export const yaml = once<typeof Yaml>(() => (esm ? nodeRequire('js-yaml') : require('js-yaml')));
export const psTree = once<typeof PsTree>(() => (esm ? nodeRequire('ps-tree') : require('ps-tree')));
