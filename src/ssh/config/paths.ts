/** Home-relative paths: `~` and `~user` expansion, and showing paths under the home folder as `~`. */
import { readFileSync } from 'node:fs';
import { LineError } from './lexer.js';

/** Show a path under the home folder as `~/...`. */
export function displayPath(path: string, home: string): string {
  if (home !== '' && home !== '/' && (path === home || path.startsWith(home.endsWith('/') ? home : `${home}/`))) {
    return `~${path.slice(home.replace(/\/+$/, '').length)}`;
  }
  return path;
}

let passwdCache: Map<string, string> | undefined;

function userHome(user: string): string | undefined {
  if (passwdCache === undefined) {
    passwdCache = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 7 && f[0] && f[5]) passwdCache.set(f[0], f[5]);
      }
    } catch {
      // No passwd file: only ~ and ~/ expand.
    }
  }
  return passwdCache.get(user);
}

/** OpenSSH tilde_expand_filename(): a leading `~` or `~user`, then `/` or the end. */
export function expandTilde(path: string, home: string): string {
  if (!path.startsWith('~')) return path;
  const slash = path.indexOf('/');
  const who = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const tail = slash < 0 ? '' : path.slice(slash);
  let base: string | undefined = home;
  if (who !== '') base = userHome(who);
  if (base === undefined) throw new LineError(`no such user for '~${who}'`);
  return tail === '' ? base : `${base.replace(/\/+$/, '')}${tail}`;
}
