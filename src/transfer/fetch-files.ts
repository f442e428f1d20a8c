/**
 * Run get-all's file stream on a host (fetch-program.ts; fetch-script.ts where the host has no
 * perl) and write what it carries: each file
 * into a private temporary file in its local folder (0600), then its mode and mtime, then
 * renamed over the final name. Local writes are synchronous, straight from the stream's
 * data callback: the stream has no back-pressure through execRemote, and this keeps memory
 * flat whatever the file sizes.
 *
 * An idle deadline (no byte from the host for `idleMs`) aborts the stream; execRemote then
 * kills the script's whole process tree on the host, so nothing lwt started there outlives
 * the transfer.
 */
import { closeSync, openSync, renameSync, unlinkSync, utimesSync, writeSync, fchmodSync } from 'node:fs';
import type { Client } from '../ssh/vendor.js';
import { killedOutcome, reasonOf, type KillReason } from '../core/kill-reason.js';
import type { Outcome } from '../core/outcome.js';
import { execRemote } from '../ssh/remote-exec.js';
import { bytePath, encodeName } from './byte-names.js';
import type { Entry } from './entry.js';
import { FETCH_PROGRAM_COMMAND, fetchProgram } from './fetch-program.js';
import { fetchScript, FetchReader, type FetchEvent } from './fetch-script.js';
import { describeLocalError } from './local-tree.js';
import type { TempNames } from './temp-names.js';

export interface FetchFilesInput {
  client: Client;
  signal: AbortSignal;
  /** REMOTE's real path on the host (the listing resolved it). */
  realRoot: string;
  /** -L: folders and files may be reached through symlinks (the operator asked for it). */
  followLinks: boolean;
  files: readonly Entry[];
  /** Local path of a relative name. */
  local: (rel: string) => string;
  /** Mode given to a fetched file (already narrowed by the caller). */
  modeOf: (e: Entry) => number;
  temps: TempNames;
  /** No byte from the host for this long ends the transfer. */
  idleMs: number;
  onBytes: (n: number) => void;
}

export interface FetchFilesResult {
  received: number;
  bytes: number;
  problems: string[];
  /** Files that changed while read (kept as listed, or not kept), said once each. */
  notes: string[];
  /** Set when the stream did not finish: our deadline, the operator, the connection, the host. */
  outcome?: Outcome;
  stderr: string;
}

export async function fetchFiles(input: FetchFilesInput): Promise<FetchFilesResult> {
  const res: FetchFilesResult = { received: 0, bytes: 0, problems: [], notes: [], stderr: '' };
  if (input.files.length === 0) return res;
  const { order, input: program } = fetchProgram(input.realRoot, input.files, input.followLinks);

  let current: { entry: Entry; fd: number; tmp: string; got: number } | undefined;
  const drop = (): void => {
    if (!current) return;
    try {
      closeSync(current.fd);
    } catch {
      /* already closed */
    }
    try {
      unlinkSync(bytePath(current.tmp));
    } catch {
      /* gone */
    }
    current = undefined;
  };
  let localFailed: string | undefined;
  const handle = (ev: FetchEvent): void => {
    const e = ev.entry;
    const final = input.local(e.rel);
    switch (ev.type) {
      case 'skipped':
        res.problems.push(`${final}: not fetched: ${ev.reason}`);
        return;
      case 'start': {
        const tmp = input.temps.next(final);
        try {
          current = { entry: e, fd: openSync(bytePath(tmp), 'wx', 0o600), tmp, got: 0 };
        } catch (err) {
          // Keep reading the stream (it is in step with the list), but write nothing of this file.
          current = { entry: e, fd: -1, tmp, got: 0 };
          localFailed = `${tmp}: ${describeLocalError(err)}`;
        }
        return;
      }
      case 'data':
        if (!current || current.fd < 0) return;
        writeSync(current.fd, ev.data);
        current.got += ev.data.length;
        res.bytes += ev.data.length;
        input.onBytes(ev.data.length);
        return;
      case 'end': {
        const c = current;
        current = undefined;
        if (!c || c.fd < 0) {
          res.problems.push(localFailed ?? `${final}: not written`);
          localFailed = undefined;
          return;
        }
        const read = ev.read;
        if (read === undefined || read < e.size) {
          closeSync(c.fd);
          unlinkSync(bytePath(c.tmp));
          res.problems.push(
            read === undefined
              ? `${final}: not fetched: the host could not open it as a regular file (swapped for a symlink or removed?)`
              : `${final}: not fetched: it changed on the host while read (${read} of the ${e.size} bytes listed)`,
          );
          return;
        }
        if (read > e.size) res.notes.push(`${final}: grew on the host while read; the ${e.size} bytes listed were fetched`);
        fchmodSync(c.fd, input.modeOf(e));
        closeSync(c.fd);
        utimesSync(bytePath(c.tmp), Date.now() / 1000, e.mtime);
        renameSync(bytePath(c.tmp), bytePath(final));
        res.received++;
      }
    }
  };

  // Our own controller: the job's signal, or no byte for idleMs.
  const ctl = new AbortController();
  const onJobAbort = (): void => ctl.abort(input.signal.reason);
  if (input.signal.aborted) onJobAbort();
  input.signal.addEventListener('abort', onJobAbort, { once: true });
  let idle: NodeJS.Timeout | undefined;
  let idled = false;
  const arm = (): void => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      idled = true;
      const reason: KillReason = { kind: 'timeout', afterMs: input.idleMs };
      ctl.abort(reason);
    }, input.idleMs);
  };
  arm();
  const onEvent = (ev: FetchEvent): void => {
    try {
      handle(ev);
    } catch (err) {
      drop();
      res.problems.push(`${input.local(ev.entry.rel)}: ${describeLocalError(err)}`);
    }
  };
  let broken: string | undefined;
  let reader = new FetchReader(order, onEvent);
  let heard = false;
  const stream = (command: string, stdin: Buffer): ReturnType<typeof execRemote> =>
    execRemote(input.client, {
      command,
      stdin,
      signal: ctl.signal,
      outputCapBytes: 64 * 1024,
      onOutput: (kind, chunk) => {
        arm();
        if (kind !== 'stdout' || broken) return;
        heard = true;
        try {
          reader.push(chunk);
        } catch (err) {
          broken = (err as Error).message;
          drop();
        }
      },
    });
  let r = await stream(FETCH_PROGRAM_COMMAND, program);
  if (!heard && r.outcome.kind === 'exited' && (r.outcome.code === 127 || r.outcome.code === 126) && !ctl.signal.aborted) {
    // No perl on the host (not found: 127; found but not runnable: 126): the shell script
    // (a few processes per file) streams the same.
    reader = new FetchReader(order, onEvent);
    r = await stream('sh -s', encodeName(fetchScript(input.realRoot, input.files, input.followLinks).script));
  }
  clearTimeout(idle);
  input.signal.removeEventListener('abort', onJobAbort);
  drop();
  res.stderr = r.stderr;
  const o = r.outcome;
  if (idled && !input.signal.aborted) {
    res.outcome = { kind: 'timeout', afterMs: input.idleMs, killed: o.kind === 'timeout' ? o.killed : 0 };
    res.stderr += `no byte from the host for ${input.idleMs / 1000} s (--idle-timeout): transfer stopped, its processes on the host killed\n`;
  } else if (input.signal.aborted) {
    res.outcome = killedOutcome(reasonOf(input.signal), o.kind === 'timeout' || o.kind === 'cancelled' ? o.killed : 0);
  } else if (o.kind === 'lost' || o.kind === 'no-status') {
    res.outcome = { kind: 'lost', message: 'connection lost while fetching files' };
  } else if (broken) {
    res.outcome = { kind: 'failed', message: broken };
  } else if (reader.done < order.length) {
    const why = r.stderr.trim().split('\n')[0] ?? '';
    res.outcome = { kind: 'failed', message: `the host's file stream ended after ${reader.done} of ${order.length} files${why ? `: ${why}` : ''}` };
  }
  return res;
}
