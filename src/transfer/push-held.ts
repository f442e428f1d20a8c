/**
 * Carry out a small Plan (put-all --changed) through the listing's own shell: it execs the
 * receiver (receive-program.ts), which takes the steps in push.ts's order (leftover temporary
 * files, deletes deepest first, files under temporary names renamed over their final names,
 * then modes and mtimes of unchanged files and of folders) and answers each. Plans that make
 * folders or symlinks, or carry a file too large to read whole, go by SFTP (push.ts).
 */
import type { LogSink } from '../core/log-sink.js';
import { describeOutcome } from '../core/outcome.js';
import type { Entry } from './entry.js';
import { describeLocalError } from './local-tree.js';
import type { Plan } from './plan.js';
import { BatchPool } from './push-stream.js';
import type { ContentCache, PushResult } from './push.js';
import { parseReplies, stepHeader, type ReceiveStep } from './receive-program.js';
import { SftpError } from './sftp.js';
import { firstLine } from './sync.js';
import { byDepth } from './steps.js';
import { TempNames } from './temp-names.js';
import type { HeldShell } from './held-listing.js';

/** Small: the answer comes in one go, and a handful of files needs no 1.5 MiB of buffers. */
const BATCH = 64 * 1024;
const BATCHES = 4;

export interface HeldInput {
  plan: Plan;
  remote: (rel: string) => string;
  local: (rel: string) => string;
  cache: ContentCache;
  onBytes: (n: number) => void;
  signal: AbortSignal;
  log?: LogSink;
}

/** Whether the held receiver can carry out `plan` (else SFTP does). */
export function heldWorthy(plan: Plan, maxFile: number): boolean {
  return plan.mkdirs.length === 0 && plan.links.length === 0 && plan.files.every((e) => e.size <= maxFile);
}

/** Whether the plan has anything to do on the host. */
export function planIsEmpty(plan: Plan): boolean {
  return plan.removeTemps.length + plan.deletes.length + plan.mkdirs.length + plan.files.length + plan.links.length + plan.fileAttrs.length + plan.dirAttrs.length === 0;
}

/** What each step counts for once done. */
type Sent = { kind: 'file'; bytes: number; path: string } | { kind: 'delete' } | { kind: 'other' };

/**
 * Send the plan. Returns false when the host has no receiver (nothing was done: the caller
 * sends by SFTP). Counts and problems go into `res`; a lost connection or an abort is thrown.
 */
export async function pushHeld(held: HeldShell, input: HeldInput, res: PushResult): Promise<boolean> {
  const { plan, remote } = input;
  const temps = new TempNames();
  const sent: Sent[] = [];
  input.log?.debug(`put-all: ${plan.files.length} files to ${remote('')} through the listing's shell`);
  const attrs = (e: Entry): ReceiveStep => ({ op: 'A', path: remote(e.rel), mode: e.mode, atime: e.atime ?? e.mtime, mtime: e.mtime });
  const { result, answer } = await held.run(async (pipe) => {
    const out = new BatchPool(pipe, BATCH, BATCHES);
    const step = async (s: ReceiveStep, as: Sent): Promise<void> => {
      await out.add(stepHeader(s));
      sent.push(as);
    };
    for (const rel of plan.removeTemps) await step({ op: 'T', path: remote(rel) }, { kind: 'other' });
    for (const group of byDepth(plan.deletes, true)) {
      for (const e of group) await step({ op: e.type === 'd' ? 'R' : 'D', path: remote(e.rel) }, { kind: 'delete' });
    }
    for (const e of plan.files) {
      let data: Buffer;
      try {
        data = await input.cache.readEntry(e, () => input.local(e.rel));
      } catch (err) {
        res.problems.push(`${input.local(e.rel)}: ${describeLocalError(err)} (not sent)`);
        continue;
      }
      const path = remote(e.rel);
      await step({ op: 'F', tmp: temps.next(path), path, mode: e.mode, atime: e.atime ?? e.mtime, mtime: e.mtime, size: data.length }, { kind: 'file', bytes: data.length, path });
      await out.add(data);
      input.onBytes(data.length);
    }
    for (const e of plan.fileAttrs) await step(attrs(e), { kind: 'other' });
    for (const e of plan.dirAttrs) await step(attrs(e), { kind: 'other' });
    await out.flush();
  });
  const o = result.outcome;
  const { started, replies } = parseReplies(answer);
  if (input.signal.aborted || o.kind === 'timeout' || o.kind === 'cancelled') throw new Error('transfer stopped');
  const lost = o.kind === 'lost' || o.kind === 'no-status' || o.kind === 'unreachable';
  if (!started && !lost) {
    input.log?.debug(`put-all: no receiver on the host (${firstLine(result.stderr.trim()) || describeOutcome(o)}), sending by SFTP`);
    return false;
  }
  sent.forEach((s, i) => {
    if (i >= replies.length) return;
    const problem = replies[i];
    if (problem !== undefined) res.problems.push(problem);
    else if (s.kind === 'file') {
      res.filesSent++;
      res.bytesSent += s.bytes;
    } else if (s.kind === 'delete') res.filesDeleted++;
  });
  if (lost) throw new SftpError('stream', remote(''), undefined, o.kind === 'lost' ? o.message : 'connection lost', true);
  if (replies.length < sent.length) {
    const why = `the receiver on the host stopped: ${firstLine(result.stderr.trim()) || describeOutcome(o)}`;
    for (const s of sent.slice(replies.length)) if (s.kind === 'file') res.problems.push(`${s.path}: not sent (${why})`);
    if (!sent.slice(replies.length).some((s) => s.kind === 'file')) res.problems.push(why);
  }
  return true;
}

