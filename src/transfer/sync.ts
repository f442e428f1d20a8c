/**
 * Steps both transfer directions take on a host (put-all, put-all-diff, get-all): the remote
 * listing in one command, the outcome of a finished or broken transfer, local hashes where
 * --checksum needs them.
 */
import { createHash } from 'node:crypto';
import type { Client } from '../ssh/vendor.js';
import { killedOutcome, reasonOf } from '../core/kill-reason.js';
import { describeOutcome, type Outcome } from '../core/outcome.js';
import { execRemote } from '../ssh/remote-exec.js';
import type { Entry } from './entry.js';
import type { Excluder } from './exclude.js';
import type { LocalHasher } from './local-tree.js';
import { listingScript, parseListing, type Listing, type ListingSpec } from './remote-list.js';
import { SftpError, SftpSession } from './sftp.js';

/** A listing of a huge tree is still one answer; beyond this it is refused, not truncated. */
export const LISTING_CAP = 512 * 1024 * 1024;
export const STDERR_CAP = 1024 * 1024;

export interface SyncOptions {
  /** Send only what differs (size and mtime, or SHA-256 with checksum). */
  changed: boolean;
  checksum: boolean;
  delete: boolean;
  /** --force-delete-dangerous: --delete may clean /, the login home or a system top-level folder. */
  forceDeleteDangerous?: boolean;
  dryRun: boolean;
  excluder: Excluder;
}


/**
 * Listings parsed in one run, by the command and its answer: hosts of a fleet mostly answer
 * alike (the same tree, put there by lwt), and parsing 1000 entries per host was a tenth of
 * put-all --changed's client CPU. The key also lets callers share what they derive from it.
 */
export type ListingMemo = Map<string, Listing>;

export type ListingAnswer = { listing: Listing; warnings: string[]; key: string } | { outcome: Outcome; stderr: string };

/** The listing command's answer, or the outcome that ends the host's transfer. */
export async function runListing(
  client: Client,
  spec: ListingSpec,
  signal: AbortSignal,
  sumsPrefix: (kind: Listing['kind']) => string,
  memo?: ListingMemo,
): Promise<ListingAnswer> {
  // stdout is kept as bytes (names need not be UTF-8); stderr is find's complaints, capped.
  const chunks: Buffer[] = [];
  let bytes = 0;
  const r = await execRemote(client, {
    command: listingScript(spec),
    signal,
    outputCapBytes: STDERR_CAP,
    // Without checksums the listing writes all the time: when the connection dies, find dies at
    // its next write (SIGPIPE), so no watchdog process (a shell and a sleep per host) is needed.
    // sha256sum of a large file can run long before it writes: then the watchdog stays.
    detach: !spec.checksum,
    onOutput: (stream, chunk) => {
      if (stream !== 'stdout') return;
      bytes += chunk.length;
      if (bytes <= LISTING_CAP) chunks.push(chunk);
    },
  });
  return judgeListing(r.outcome, r.stderr, chunks, bytes, listingScript(spec), sumsPrefix, memo);
}

/** What a listing command answered (its status, stderr, stdout) as a listing, or the outcome that ends the host's transfer. */
export function judgeListing(
  o: Outcome,
  rawStderr: string,
  chunks: readonly Buffer[],
  bytes: number,
  script: string,
  sumsPrefix: (kind: Listing['kind']) => string,
  memo?: ListingMemo,
): ListingAnswer {
  const stderr = rawStderr.trim();
  if (o.kind === 'no-status') return { outcome: { kind: 'lost', message: 'connection lost while listing the remote side' }, stderr };
  // Our deadline or cancel (killedOutcome from execRemote) and a dead connection stand as they are.
  if (o.kind === 'timeout' || o.kind === 'cancelled' || o.kind === 'lost') return { outcome: o, stderr };
  if (o.kind !== 'exited') return { outcome: { kind: 'failed', message: `listing the remote side: ${describeOutcome(o)}` }, stderr };
  if (bytes > LISTING_CAP) return { outcome: { kind: 'failed', message: `the remote listing is larger than ${LISTING_CAP} bytes` }, stderr };
  if (o.code === 96) return { outcome: { kind: 'failed', message: `cannot create the destination folder: ${firstLine(stderr)}` }, stderr };
  if (o.code !== 0 && /-printf|unknown predicate|invalid predicate/.test(stderr)) {
    return { outcome: { kind: 'failed', message: 'the host has no GNU find (find -printf is needed for the listing)' }, stderr };
  }
  try {
    const out = Buffer.concat(chunks, bytes);
    const key = createHash('sha256').update(script).update('\0').update(out).digest('base64');
    const listing = memo?.get(key) ?? parseListing(out, sumsPrefix);
    memo?.set(key, listing);
    // find's own complaints (unreadable folders) are problems of this host's transfer.
    const warnings = o.code === 0 ? [] : stderr.split('\n').filter(Boolean);
    return { listing, warnings, key };
  } catch (err) {
    return { outcome: { kind: 'failed', message: `${(err as Error).message}${stderr ? `: ${firstLine(stderr)}` : ''}` }, stderr };
  }
}

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}


/** The outcome of a finished transfer: exit 0, or an error naming the first problem. */
export function transferOutcome(problems: readonly string[]): Outcome {
  if (problems.length === 0) return { kind: 'exited', code: 0 };
  return { kind: 'failed', message: `${problems.length} problem${problems.length === 1 ? '' : 's'}, first: ${problems[0]}` };
}

/** A lost session or connection, or our own abort, as the host's outcome. */
export function lostOutcome(err: unknown, signal: AbortSignal): Outcome | undefined {
  // Our deadline or the operator's cancel: the reason the signal carries is the outcome.
  if (signal.aborted) return killedOutcome(reasonOf(signal), 0);
  if (err instanceof SftpError && err.op === 'start') return { kind: 'failed', message: `no SFTP on the host: ${err.message}` };
  if (err instanceof SftpError && err.lost) return { kind: 'lost', message: `during the transfer (${err.message})` };
  return undefined;
}


/** Source files get their SHA-256 where the target has a file of the same size (the only case it decides). */
export async function withLocalHashes(
  source: Entry[],
  target: readonly Entry[],
  local: (rel: string) => string,
  hasher: LocalHasher,
): Promise<Entry[]> {
  const byRel = new Map(target.map((e) => [e.rel, e]));
  return Promise.all(
    source.map(async (e) => {
      const t = byRel.get(e.rel);
      if (e.type !== 'f' || t?.type !== 'f' || t.size !== e.size) return e;
      return { ...e, sha256: await hasher.hash(local(e.rel), e) };
    }),
  );
}

/**
 * A host's SFTP session for one transfer, opened beside the listing (not after it). While
 * listing, an abort is execRemote's to handle (it kills the remote find); once sending,
 * an abort closes the connection, which fails every request in flight at once.
 */
export class TransferSession {
  private sending = false;
  private sftp: SftpSession | undefined;
  private readonly opening: Promise<SftpSession> | undefined;
  private readonly onAbort = (): void => {
    if (this.sending) this.client.destroy();
  };

  constructor(
    private readonly client: Client,
    private readonly signal: AbortSignal,
    dryRun: boolean,
  ) {
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.opening = dryRun ? undefined : SftpSession.open(client);
    this.opening?.catch(() => undefined);
  }

  /** Start sending: the SFTP session, or undefined when the transfer was aborted meanwhile. */
  async startSending(): Promise<SftpSession | undefined> {
    this.sending = true;
    if (this.signal.aborted || !this.opening) return undefined;
    this.sftp = await this.opening;
    return this.sftp;
  }

  close(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.sftp?.close();
  }
}
