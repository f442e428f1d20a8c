/** Reading configuration files as ssh(1) does: the user file, the system file, and Include. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { globPaths } from './glob.js';
import { LineError } from './lexer.js';
import { parseFile, refuseUnknownKeywords } from './parse.js';
import { displayPath, expandTilde } from './paths.js';
import type { ConfigFile, SshConfig } from './types.js';

/** OpenSSH READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;
const SYSTEM_CONFIG = '/etc/ssh/ssh_config';
const SYSTEM_CONFIG_DIR = '/etc/ssh';

async function readConfigText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function loadFile(
  text: string,
  path: string,
  userConf: boolean,
  depth: number,
  home: string,
  warnings: string[],
): Promise<ConfigFile> {
  const source = displayPath(path, home);
  const file = parseFile(text, source, userConf, warnings);
  for (const entry of file.entries) {
    if (entry.kind !== 'include') continue;
    const files: ConfigFile[] = [];
    for (const arg of entry.args) {
      let pattern: string;
      try {
        pattern = arg;
        if (!isAbsolute(pattern) && !pattern.startsWith('~')) {
          pattern = userConf ? `~/.ssh/${pattern}` : `${SYSTEM_CONFIG_DIR}/${pattern}`;
        }
        pattern = expandTilde(pattern, home);
      } catch (err) {
        if (err instanceof LineError) throw new UsageError(`${source}:${entry.line}: Include: ${err.message}`);
        throw err;
      }
      for (const p of await globPaths(pattern)) {
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
          throw new UsageError(`${source}:${entry.line}: too many nested Include levels (more than ${MAX_INCLUDE_DEPTH})`);
        }
        let inner: string | undefined;
        try {
          inner = await readConfigText(p);
        } catch (err) {
          throw new UsageError(
            `${source}:${entry.line}: cannot read included file ${displayPath(p, home)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
          );
        }
        if (inner === undefined) continue;
        files.push(await loadFile(inner, p, userConf, depth + 1, home, warnings));
      }
    }
    entry.files = files;
  }
  return file;
}

export interface LoadSshConfigOptions {
  /** Home folder for ~, %d, ~/.ssh/config and relative Include paths (default: os.homedir()). */
  home?: string;
  /**
   * The system-wide file read after ~/.ssh/config when no path is given, as ssh does
   * (default /etc/ssh/ssh_config); null to skip it.
   */
  systemConfig?: string | null;
}

/**
 * Read the configuration as ssh(1) does. With `path` (ssh -F): that file only, which must exist
 * (`none` reads nothing). Without: ~/.ssh/config if present, then the system file if present.
 */
export async function loadSshConfig(path?: string, opts: LoadSshConfigOptions = {}): Promise<SshConfig> {
  const home = opts.home ?? homedir();
  const warnings: string[] = [];
  const files: ConfigFile[] = [];
  const readTop = async (p: string, required: boolean): Promise<string | undefined> => {
    try {
      const text = await readConfigText(p);
      if (text === undefined && required) throw new UsageError(`ssh config file ${p} not found`);
      return text;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read ssh config file ${displayPath(p, home)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  if (path !== undefined) {
    if (path === 'none') return { files, warnings, home };
    const abs = resolve(path);
    const text = await readTop(abs, true);
    if (text !== undefined) files.push(await loadFile(text, abs, true, 0, home, warnings));
  } else {
    const userPath = join(home, '.ssh', 'config');
    const userText = await readTop(userPath, false);
    if (userText !== undefined) files.push(await loadFile(userText, userPath, true, 0, home, warnings));
    const sys = opts.systemConfig === undefined ? SYSTEM_CONFIG : opts.systemConfig;
    if (sys !== null) {
      const sysText = await readTop(sys, false);
      if (sysText !== undefined) files.push(await loadFile(sysText, sys, false, 0, home, warnings));
    }
  }
  refuseUnknownKeywords(files);
  return { files, warnings, home };
}
