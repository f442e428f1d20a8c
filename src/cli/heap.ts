import { setFlagsFromString } from 'node:v8';

/**
 * V8's heap sizing, for verbs that make garbage at a steady rate (one connection or job after
 * another). Both flags are read when V8 next sizes a space, so they take effect when set by a
 * verb, after start-up; --max-semi-space-size would not, and as a command-line flag it would
 * make V8 refuse the bundle's code cache (NOTES, third session).
 */

/**
 * V8 grows the young generation to 2 × 16 MB under such a load; growth factor 1 keeps it at its
 * starting size. 200,000 lines through `dispatch --worker cat` at 4 slots: 178–181 → 147–150 MB
 * at the same CPU.
 */
export function keepYoungGenerationSmall(): void {
  setHeapFlag('--semi-space-growth-factor=1');
}

/**
 * The young generation as above, and old-space growth of 2 × the live size instead of up to
 * 4 ×: the same dispatch run peaks at 110 MB, for 15–20 % more of lwt's own CPU per line.
 */
export function keepHeapSmall(): void {
  keepYoungGenerationSmall();
  setHeapFlag('--heap-growing-percent=100');
}

/**
 * Not in the build's warm-up run, which writes the bundle's code cache at its exit (bin/lwt,
 * LWT_WRITE_CODE_CACHE): V8 stamps the cache with a hash of every flag that is not at its
 * default, so a cache written after this call is refused at every start (default flags), and
 * the whole bundle is compiled again (~40 ms of a one-host exec-all).
 */
function setHeapFlag(flag: string): void {
  if (process.env['LWT_WRITE_CODE_CACHE'] === '1') return;
  setFlagsFromString(flag);
}
