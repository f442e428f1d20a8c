/**
 * Whether a config search (config.ts, cosmiconfig's "global" strategy) can find nothing, told
 * with a few synchronous stat calls. Most runs have no config file at all, and loading
 * cosmiconfig to learn that (it is outside the bundle, reads package.json with a parser that
 * loads a code-frame library, and looks in each folder with a round trip through the thread
 * pool) was about a tenth of a one-host exec-all.
 *
 * Conservative: true only when every place cosmiconfig 9 would read is missing, or is a
 * package.json that plainly has neither the `lwt` key nor cosmiconfig's own `cosmiconfig` key.
 * Anything else (a file there, a package.json that does not parse, another platform's global
 * folder) answers false and the search runs as before. test/unit/config-absent.test.ts holds
 * this to what cosmiconfig itself finds.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** cosmiconfig 9's own places for a "meta config" in the current folder (defaults.js). */
const META_PLACES = ['package.yaml', '.config/config.json', '.config/config.yaml', '.config/config.yml', '.config/config.js', '.config/config.ts', '.config/config.cjs', '.config/config.mjs'];
/** cosmiconfig 9's places in the global config folder (globalConfigSearchPlaces). */
const GLOBAL_PLACES = ['config', 'config.json', 'config.yaml', 'config.yml', 'config.js', 'config.ts', 'config.cjs', 'config.mjs'];

/** Anything there, or a path that cannot be told (EACCES…): the search runs. */
function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
}

/** A package.json that is absent, or parses to an object without these keys. */
function packageJsonLacks(dir: string, keys: readonly string[]): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, 'package.json'), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
  try {
    const pkg: unknown = JSON.parse(text);
    return typeof pkg === 'object' && pkg !== null && !Array.isArray(pkg) && keys.every((k) => !Object.hasOwn(pkg, k));
  } catch {
    return false; // cosmiconfig's loader reports it, with line and column
  }
}

/** The folders cosmiconfig's "global" search visits: from `from` up to the home folder (or the root). */
function searchedFolders(from: string): string[] {
  const stop = resolve(homedir());
  const dirs = [from];
  for (let dir = from; dir !== stop; ) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dirs.push((dir = parent));
  }
  return dirs;
}

/**
 * True when searching from `from` with these places (config.ts's, `package.json` among them)
 * and the `lwt` key can find no config.
 */
export function noConfigToFind(from: string, places: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  // env-paths, which cosmiconfig asks for the global folder, answers this way on Linux only.
  if (process.platform !== 'linux') return false;
  const cwd = process.cwd();
  if (!packageJsonLacks(cwd, ['cosmiconfig']) || META_PLACES.some((p) => exists(join(cwd, p)))) return false;
  const others = places.filter((p) => p !== 'package.json');
  for (const dir of searchedFolders(resolve(from))) {
    if (places.includes('package.json') && !packageJsonLacks(dir, ['lwt'])) return false;
    if (others.some((p) => exists(join(dir, p)))) return false;
  }
  const global = join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'lwt');
  return !GLOBAL_PLACES.some((p) => exists(join(global, p)));
}
