/**
 * dispatch --simulate: the seed design's work simulator, as a --worker command. Each line
 * takes a normally distributed time, and the worker crashes with a given chance before
 * writing the line back (the line must be requeued) or right after (the line is done; only
 * the worker is restarted). `seq 10000 | lwt dispatch --simulate --local 8` self-tests every
 * recovery path. Plain sh and awk, so it runs unchanged on any host.
 */
export interface SimulatorOptions {
  meanMs: number;
  sdMs: number;
  /** Chance (0–1) to crash before writing the line back. */
  crashBefore: number;
  /** Chance (0–1) to crash right after writing it back. */
  crashAfter: number;
}

export const SIMULATOR_DEFAULTS: SimulatorOptions = { meanMs: 10, sdMs: 3, crashBefore: 0.16, crashAfter: 0.16 };

/**
 * One awk per line draws the sleep (Box–Muller) and both crash decisions; its seed mixes the
 * worker's pid, the line count and the time, so restarted and parallel workers differ.
 */
export function simulatorCommand(o: SimulatorOptions): string {
  const awk =
    `awk -v seed="$$$n" -v mean=${num(o.meanMs)} -v sd=${num(o.sdMs)} -v pb=${num(o.crashBefore)} -v pa=${num(o.crashAfter)} ` +
    `'BEGIN { srand(); t = srand(); srand(seed + t); u = rand(); if (u < 1e-9) u = 1e-9; ` +
    `ms = mean + sd * sqrt(-2 * log(u)) * cos(6.283185307 * rand()); if (ms < 0) ms = 0; ` +
    `printf "%.3f %d %d\\n", ms / 1000, rand() < pb, rand() < pa }'`;
  return `n=0; while IFS= read -r line; do n=$((n + 1)); set -- $(${awk}); sleep "$1"; ` +
    `[ "$2" = 1 ] && exit 101; printf '%s\\n' "$line"; [ "$3" = 1 ] && exit 102; done; exit 0`;
}

function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`not a number: ${x}`);
  return String(x);
}
