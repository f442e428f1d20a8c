/**
 * Names of lwt's temporary files: `.lwt-tmp-<nonce><check>-<n>`, in the folder of the file
 * they become (so that the rename is atomic). The nonce is 12 random hex digits per host
 * transfer, the check 4 hex digits of SHA-256 over the nonce. Only names of this exact form
 * whose check holds are leftovers of lwt's own interrupted runs, removed by the next run;
 * a user's file that merely looks alike (`.lwt-tmp-deadbeef-0`) is an ordinary file, sent,
 * fetched and kept like any other. 2^-16 of random 16-hex names pass the check, on top of
 * the exact shape: nothing a user names by accident.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { joinRemote } from './paths.js';

const TEMP_NAME = /^\.lwt-tmp-([0-9a-f]{12})([0-9a-f]{4})-[0-9a-z]{1,8}$/;

/** For find -name: the shape (without the check, which find cannot compute). */
export const TEMP_FIND_GLOB = `.lwt-tmp-${'?'.repeat(16)}-*`;

function checkOf(nonce: string): string {
  return createHash('sha256').update(`lwt-tmp\0${nonce}`).digest('hex').slice(0, 4);
}

/** Whether a file name is a temporary file of lwt (this run's or an earlier one's). */
export function isTempName(name: string): boolean {
  const m = TEMP_NAME.exec(name);
  return m !== null && checkOf(m[1]!) === m[2];
}

/** A source of temporary names for one host's transfer: short (NAME_MAX), unique, recognisable. */
export class TempNames {
  private n = 0;
  private readonly token: string;

  constructor() {
    const nonce = randomBytes(6).toString('hex');
    this.token = nonce + checkOf(nonce);
  }

  /** The temporary path for a file landing at `finalPath` (same folder, so rename is atomic). */
  next(finalPath: string): string {
    const dir = posix.dirname(finalPath);
    const name = `.lwt-tmp-${this.token}-${(this.n++).toString(36)}`;
    return dir === '.' && !finalPath.startsWith('./') ? name : joinRemote(dir, name);
  }
}
