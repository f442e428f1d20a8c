/** Recording a host key on first contact (StrictHostKeyChecking accept-new). */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';
import { signature, statOrUndefined, type KnownHostsFiles } from './cache.js';
import { keyTypeFromBlob, knownHostsName } from './keys.js';
import { hashName, SHA1_LEN } from './hashed.js';
import { withFileLock } from './lock.js';
import { parseLine } from './parse.js';
import { KnownHosts } from './verify.js';

// Not a cache: appends to one file from this process must not interleave, whichever
// context asks, so the chain is per process.
const appendChains = new Map<string, Promise<void>>();

/**
 * Add `host`'s key to `file` as ssh does on first contact (`[host]:port` for ports other than 22,
 * hashed when asked). The write is atomic; appends to one file from this process are serialized.
 * The folder is created with mode 0700 and a new file gets mode 0600.
 */
export async function appendKnownHost(
  file: string,
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
  opts: { hash?: boolean; files?: KnownHostsFiles } = {},
): Promise<void> {
  if (host === '' || /[\s,@?*#[\]|'"\\!]/.test(host)) {
    throw new Error(`refusing to record a host key for an unsafe host name: '${host}'`);
  }
  let type = keyType;
  try {
    type = keyTypeFromBlob(keyBlob);
  } catch {
    throw new Error(`refusing to record a malformed ${keyType} host key for ${host}`);
  }
  const name = knownHostsName(host, port);
  const field = opts.hash ? hashName(name, randomBytes(SHA1_LEN)) : name;
  const line = `${field} ${type} ${keyBlob.toString('base64')}\n`;

  const abs = resolve(file);
  const prev = appendChains.get(abs) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => appendLine(abs, file, line, opts.files, host, port, type, keyBlob));
  appendChains.set(abs, next);
  try {
    await next;
  } finally {
    if (appendChains.get(abs) === next) appendChains.delete(abs);
  }
}

async function appendLine(
  abs: string,
  file: string,
  line: string,
  files: KnownHostsFiles | undefined,
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): Promise<void> {
  await mkdir(dirname(abs), { recursive: true, mode: 0o700 });
  let target = abs;
  try {
    target = await realpath(abs); // Keep a symlinked known_hosts a symlink.
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Other processes (parallel runs with --accept-new-host-keys) rewrite the same file: read,
  // check and rename under one lock, reading only once it is held, or a line is lost.
  const written = await withFileLock(target, async () => {
    const before = await statOrUndefined(target);
    let existing = '';
    if (before) {
      try {
        existing = await readFile(target, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    // Never add a key that is there already (another run recorded it meanwhile).
    if (existing !== '' && KnownHosts.fromText(existing, file).verify(host, port, keyType, keyBlob).status === 'match') return undefined;
    const sep = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
    const content = existing + sep + line;
    await writeFileAtomic(target, content, before ? before.mode & 0o7777 : 0o600);
    // Stat inside the lock: after it, another process may have written already.
    return { before, content, after: await statOrUndefined(target) };
  });
  if (written === undefined) {
    files?.entries.delete(abs);
    return;
  }
  const { before, content, after } = written;
  // Keep the cached parse in step instead of re-reading a large file on the next load.
  const cache = files?.entries;
  const hit = cache?.get(abs);
  if (cache && hit) {
    const pf = before ? await hit.parsed : undefined;
    if (pf && after && hit.sig === signature(before as Stats) && cache.get(abs) === hit) {
      let lineNo = 1;
      for (let i = content.indexOf('\n'); i >= 0 && i < content.length - 1; i = content.indexOf('\n', i + 1)) lineNo++;
      parseLine(line, 0, line.length - 1, lineNo, file, pf);
      hit.sig = signature(after);
    } else {
      cache.delete(abs);
    }
  }
}
