/**
 * Comparing trees on both sides of a transfer without lwt's own code: the same find command
 * runs locally and on a host (over the OpenSSH client, with the fleet's config), and prints
 * every entry's type, mode, size, mtime, link target and content hash.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Fleet } from '../fleet/fleet.js';

const run = promisify(execFile);

/** NUL-separated so that any name survives; sha256sum -z does not escape names. */
const DESCRIBE =
  "find . -mindepth 1 -printf '%y\\0%m\\0%s\\0%T@\\0%P\\0%l\\0' && printf '=\\0' && find . -type f -exec sha256sum -z -- {} +";

export interface Described {
  type: string;
  mode: string;
  size: number;
  /** Whole seconds: SFTP carries seconds only. */
  mtime: number;
  link: string;
  sha256?: string;
}

function parse(out: string): Map<string, Described> {
  const f = out.split('\0');
  const m = new Map<string, Described>();
  let i = 0;
  for (; i + 5 < f.length && f[i] !== '='; i += 6) {
    // A folder's size is the filesystem's business (4096 on ext4, entries*20 on tmpfs).
    m.set(f[i + 4]!, { type: f[i]!, mode: f[i + 1]!, size: f[i] === 'd' ? 0 : Number(f[i + 2]), mtime: Math.floor(Number(f[i + 3])), link: f[i + 5]! });
  }
  for (i++; i < f.length; i++) {
    const hit = /^([0-9a-f]{64}) [ *]\.\/(.*)$/s.exec(f[i]!);
    if (hit) m.get(hit[2]!)!.sha256 = hit[1]!;
  }
  return m;
}

/** Everything below `dir` on this machine. */
export async function describeLocal(dir: string): Promise<Map<string, Described>> {
  const { stdout } = await run('/bin/sh', ['-c', DESCRIBE], { cwd: dir, maxBuffer: 256 << 20 });
  return parse(stdout);
}

/** Everything below `dir` as `address` sees it, over ssh -F <fleet config>. */
export async function describeRemote(fleet: Fleet, address: string, dir: string): Promise<Map<string, Described>> {
  const { stdout } = await run('ssh', ['-F', fleet.sshConfig, address, `cd '${dir}' && ${DESCRIBE}`], { maxBuffer: 256 << 20 });
  return parse(stdout);
}

/** Run a shell command on a host over ssh; resolves with stdout. */
export async function onHost(fleet: Fleet, address: string, command: string): Promise<string> {
  const { stdout } = await run('ssh', ['-F', fleet.sshConfig, address, command], { maxBuffer: 64 << 20 });
  return stdout;
}

/**
 * Whether a test command (`test -e …`) succeeds on a host: true on exit 0, false on exit 1.
 * Anything else (ssh's own 255: the host could not be reached or logged into) throws, so that
 * "absent" is never concluded from "could not look".
 */
export async function okOnHost(fleet: Fleet, address: string, command: string): Promise<boolean> {
  try {
    await onHost(fleet, address, command);
    return true;
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string };
    if (e.code === 1) return false;
    throw new Error(`${address}: could not run '${command}' (status ${String(e.code)}): ${e.stderr?.trim() ?? String(err)}`);
  }
}

/** Sorted "name: fields" lines, for readable deepEqual diffs. */
export function lines(m: Map<string, Described>): string[] {
  return [...m]
    .map(([name, d]) => `${JSON.stringify(name)}: ${d.type} ${d.mode} ${d.size} ${d.mtime}${d.link ? ` -> ${d.link}` : ''}${d.sha256 ? ` ${d.sha256.slice(0, 12)}` : ''}`)
    .sort();
}
