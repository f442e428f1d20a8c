/**
 * Stands in for the `cpu-features` package inside the CLI bundle (scripts/bundle-stand-ins.mjs).
 * ssh2 calls it once, at load, to order its ciphers, and reads two facts only: `arch === 'x86'`
 * and `flags.aes` (AES-GCM first where the CPU has AES instructions, ChaCha20-Poly1305 first
 * where it has not). The package is a native addon: resolving, loading and calling it cost
 * ~1.6 ms of every start of an SSH verb. On Linux the same two facts are in /proc/cpuinfo
 * (the `flags` line on x86, `Features` on ARM); elsewhere, or when that cannot be read, the
 * package itself answers, as before.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { cpuFeaturesPackage } from '../packages.js';

/** What ssh2 reads of cpu-features' answer (the package gives many more flags). */
export interface CpuFacts {
  arch: string;
  flags: Record<string, boolean>;
}

/**
 * The facts from the start of /proc/cpuinfo: the first processor's block (up to its blank
 * line) must be complete and hold a flags line; undefined otherwise. `arch` is cpu-features'
 * name on x86 ('x86' for x64 and ia32) and Node's elsewhere: ssh2 compares it with 'x86' only.
 */
export function cpuFactsFromCpuinfo(text: string, nodeArch: string): CpuFacts | undefined {
  const end = text.indexOf('\n\n');
  if (end < 0) return undefined;
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(text.slice(0, end));
  if (!line) return undefined;
  const x86 = nodeArch === 'x64' || nodeArch === 'ia32';
  return { arch: x86 ? 'x86' : nodeArch, flags: { aes: line[1]!.trim().split(/\s+/).includes('aes') } };
}

/** The first `max` bytes of a file (a /proc file gives a page or so a read); undefined when unreadable. */
function head(path: string, max: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(max);
    let n = 0;
    for (let got = -1; got !== 0 && n < max; n += got) {
      got = readSync(fd, buf, n, max - n, null);
      if (buf.subarray(0, n + got).includes('\n\n')) return buf.toString('latin1', 0, n + got);
    }
    return buf.toString('latin1', 0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** cpu-features' entry point as ssh2 calls it: `require('cpu-features')()`. */
export function cpuFeatures(): CpuFacts {
  const text = process.platform === 'linux' ? head('/proc/cpuinfo', 65536) : undefined;
  const facts = text === undefined ? undefined : cpuFactsFromCpuinfo(text, process.arch);
  return facts ?? (cpuFeaturesPackage() as () => CpuFacts)();
}
