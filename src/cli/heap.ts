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
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * The young generation as above, and old-space growth of 2 × the live size instead of up to
 * 4 ×: the same dispatch run peaks at 110 MB, for 15–20 % more of lwt's own CPU per line.
 */
export function keepHeapSmall(): void {
  keepYoungGenerationSmall();
  setFlagsFromString('--heap-growing-percent=100');
}
