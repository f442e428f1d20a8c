import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';

/** Option value parsers: a bad value is a one-line usage error naming the flag's value. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`'${value}' is not a whole number ≥ 0`);
  }
  return n;
}

/** Seconds, fractions allowed (0.5); 0 means "no deadline" where the flag says so. */
export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`'${value}' is not a number of seconds ≥ 0`);
  }
  return n;
}

/** Bytes with an optional K/M/G suffix (powers of 1024). */
export function bytes(value: string): number {
  const m = /^(\d+)([kmg]?)i?b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`'${value}' is not a size (e.g. 512K, 4M)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * mult;
  if (n <= 0) throw new InvalidArgumentError(`'${value}' must be more than 0`);
  return n;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * --connect-timeout: seconds > 0. 0 is refused rather than read as "no deadline": a silent
 * host would then hold its slot until the kernel gives up on TCP (minutes), and OpenSSH's
 * ConnectTimeout has no "none" either. -t 0 (the command's deadline) does mean none.
 */
export function connectSeconds(value: string): number {
  const n = seconds(value);
  if (n === 0) throw new InvalidArgumentError("'0' is not allowed: the connect deadline must be > 0 (for the command, -t 0 means no deadline)");
  return n;
}

/** `--env NAME=VALUE` flags as an environment; a bad pair is a usage error naming it. */
export function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${p}: expected NAME=VALUE`);
    const name = p.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--env ${p}: '${name}' is not a valid variable name`);
    env[name] = p.slice(eq + 1);
  }
  return env;
}
