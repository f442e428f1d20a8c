/**
 * `lwt put-all` and `lwt put-all-diff`: a local tree (the same for every host, or each host's
 * own LOCAL/<host>/) to DEST on every host, over SFTP on the same ssh2 connection as the one
 * listing command. Per host: list DEST's side in one command (and create missing parent
 * folders), plan against the local tree (everything, or with --changed only what differs),
 * then push the plan with pipelined SFTP (see transfer/push.ts).
 */
import { join } from 'node:path';
import type { Client } from '../ssh/vendor.js';
import { killedOutcome, reasonOf } from '../core/kill-reason.js';
import { describeOutcome, type Outcome } from '../core/outcome.js';
import type { HostSpec } from '../hosts/host-spec.js';
import type { Entry } from '../transfer/entry.js';
import type { Excluder } from '../transfer/exclude.js';
import { LocalHasher, type LocalTree } from '../transfer/local-tree.js';
import { describePlan, planCounts, planTransfer, type Plan } from '../transfer/plan.js';
import { joinRemote, treeRoot } from '../transfer/paths.js';
import { ContentCache, newPushResult, pushPlan } from '../transfer/push.js';
import { fileLanding, findPrefix, listingScript, parseListing, type Listing, type ListingSpec } from '../transfer/remote-list.js';
import { SftpError, SftpSession } from '../transfer/sftp.js';
import { execRemote } from '../ssh/remote-exec.js';
import { emptyTransfer, runTransfers, type HostJob, type TransferResult, type TransferRunOptions, type TransferRunResult } from './transfer-run.js';

export interface SyncOptions {
  /** Send only what differs (size and mtime, or SHA-256 with checksum). */
  changed: boolean;
  checksum: boolean;
  delete: boolean;
  dryRun: boolean;
  excluder: Excluder;
}

/** What one host receives. */
export interface Payload {
  tree: LocalTree;
  /** The source's own name, used when it lands as DEST/<name> (a folder without slash, or a file). */
  name: string;
  /** rsync's `dir/`: the folder's contents go into DEST. */
  contents: boolean;
}

export interface PutAllOptions extends Omit<TransferRunOptions, 'transfer' | 'direction' | 'dryRun'> {
  dest: string;
  /** DEST was written with a trailing slash: for a file source it is a folder. */
  destSlash: boolean;
  payloadFor(spec: HostSpec, label: string): Payload;
  sync: SyncOptions;
}

/** A listing of a huge tree is still one answer; beyond this it is refused, not truncated. */
const LISTING_CAP = 512 * 1024 * 1024;

export async function putAll(opts: PutAllOptions): Promise<TransferRunResult> {
  const cache = new ContentCache();
  const hasher = new LocalHasher();
  return runTransfers({
    ...opts,
    direction: 'sent',
    dryRun: opts.sync.dryRun,
    transfer: (job) => putHost(job, opts.payloadFor(job.spec, job.label), opts, cache, hasher),
  });
}

/** The listing command's answer, or the outcome that ends the host's transfer. */
export async function runListing(
  client: Client,
  spec: ListingSpec,
  signal: AbortSignal,
  sumsPrefix: (kind: Listing['kind']) => string,
): Promise<{ listing: Listing; warnings: string[] } | { outcome: Outcome; stderr: string }> {
  const r = await execRemote(client, { command: listingScript(spec), signal, outputCapBytes: LISTING_CAP });
  const o = r.outcome;
  const stderr = r.stderr.trim();
  if (o.kind === 'no-status') return { outcome: { kind: 'unreachable', reason: 'reset', message: 'connection lost while listing the remote side' }, stderr };
  // Our deadline or cancel (killedOutcome from execRemote) and a dead connection stand as they are.
  if (o.kind === 'timeout' || o.kind === 'cancelled' || o.kind === 'unreachable') return { outcome: o, stderr };
  if (o.kind !== 'exited') return { outcome: { kind: 'error', message: `listing the remote side: ${describeOutcome(o)}` }, stderr };
  if (r.truncated.stdout > 0) return { outcome: { kind: 'error', message: `the remote listing is larger than ${LISTING_CAP} bytes` }, stderr };
  if (o.code === 96) return { outcome: { kind: 'error', message: `cannot create the destination folder: ${firstLine(stderr)}` }, stderr };
  if (o.code !== 0 && /-printf|unknown predicate|invalid predicate/.test(stderr)) {
    return { outcome: { kind: 'error', message: 'the host has no GNU find (find -printf is needed for the listing)' }, stderr };
  }
  try {
    const listing = parseListing(r.stdout, sumsPrefix);
    // find's own complaints (unreadable folders) are problems of this host's transfer.
    const warnings = o.code === 0 ? [] : stderr.split('\n').filter(Boolean);
    return { listing, warnings };
  } catch (err) {
    return { outcome: { kind: 'error', message: `${(err as Error).message}${stderr ? `: ${firstLine(stderr)}` : ''}` }, stderr };
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** The outcome of a finished transfer: exit 0, or an error naming the first problem. */
export function transferOutcome(problems: readonly string[]): Outcome {
  if (problems.length === 0) return { kind: 'exited', code: 0 };
  return { kind: 'error', message: `${problems.length} problem${problems.length === 1 ? '' : 's'}, first: ${problems[0]}` };
}

/** A lost session or connection, or our own abort, as the host's outcome. */
export function lostOutcome(err: unknown, signal: AbortSignal): Outcome | undefined {
  // Our deadline or the operator's cancel: the reason the signal carries is the outcome.
  if (signal.aborted) return killedOutcome(reasonOf(signal), 0);
  if (err instanceof SftpError && err.op === 'start') return { kind: 'error', message: `no SFTP on the host: ${err.message}` };
  if (err instanceof SftpError && err.lost) return { kind: 'unreachable', reason: 'reset', message: `connection lost during the transfer (${err.message})` };
  return undefined;
}

async function putHost(job: HostJob, payload: Payload, opts: PutAllOptions, cache: ContentCache, hasher: LocalHasher): Promise<TransferResult> {
  const { client, signal } = job;
  const sync = opts.sync;
  const tree = payload.tree;
  const listSpec: ListingSpec =
    tree.kind === 'tree'
      ? { kind: 'tree', root: treeRoot(opts.dest, payload.name, payload.contents), checksum: sync.checksum, createParent: !sync.dryRun }
      : { kind: 'file', dest: opts.dest, destIsDir: opts.destSlash, name: payload.name, checksum: sync.checksum, createParent: !sync.dryRun };
  const prefix = (kind: Listing['kind']): string =>
    listSpec.kind === 'tree' ? findPrefix(listSpec.root) : findPrefix(fileLanding(listSpec, kind === 'D').dir);

  let sending = false;
  let sftp: SftpSession | undefined;
  const res = newPushResult();
  // While listing, execRemote kills the remote find on abort; once sending, closing the
  // connection fails every request in flight at once.
  const onAbort = (): void => {
    if (sending) client.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const sftpOpening = sync.dryRun ? undefined : SftpSession.open(client);
  sftpOpening?.catch(() => undefined);
  try {
    const listed = await runListing(client, listSpec, signal, prefix);
    if ('outcome' in listed) return { ...emptyTransfer(listed.outcome), stderr: listed.stderr };
    const { listing } = listed;
    const problems = [...listing.problems, ...listed.warnings];

    let root: string;
    let source: Entry[];
    let local: (rel: string) => string;
    if (listSpec.kind === 'tree') {
      root = listSpec.root;
      source = tree.entries;
      local = (rel) => join(tree.root, rel);
    } else {
      const landing = fileLanding(listSpec, listing.kind === 'D');
      root = landing.dir;
      source = [{ ...tree.entries[0]!, rel: landing.name }];
      local = () => tree.root;
    }
    const target = [...listing.entries, ...listing.specials];
    if (sync.checksum) source = await withLocalHashes(source, target, local, hasher);
    const plan = planTransfer(source, target, listing.temps, {
      changed: sync.changed,
      checksum: sync.checksum,
      delete: sync.delete,
      excluder: sync.excluder,
    });
    // An existing DEST that receives a folder's contents keeps its own mode and mtime
    // (it may be / or a home folder); a DEST that lwt creates gets the source folder's.
    if (listSpec.kind === 'tree' && payload.contents && target.some((e) => e.rel === '' && e.type === 'd')) {
      plan.dirAttrs = plan.dirAttrs.filter((e) => e.rel !== '');
    }
    problems.push(...plan.conflicts);
    const show = (rel: string): string => joinRemote(root, rel);
    const counts = planCounts(plan);

    if (sync.dryRun) {
      return {
        outcome: transferOutcome(problems),
        stdout: describePlan(plan, show).filter((l) => !l.startsWith('cannot: ')).map((l) => `${l}\n`).join(''),
        stderr: problems.map((p) => `${p}\n`).join(''),
        extra: { filesSent: counts.files, bytesSent: counts.bytes, filesDeleted: counts.deletes, dryRun: true },
      };
    }
    sending = true;
    if (signal.aborted) return emptyTransfer(killedOutcome(reasonOf(signal), 0));
    sftp = await sftpOpening!;
    await pushPlan({ sftp, plan, remote: show, local, cache, onBytes: job.onBytes }, res);
    problems.push(...res.problems);
    return {
      outcome: transferOutcome(problems),
      stdout: '',
      stderr: problems.map((p) => `${p}\n`).join(''),
      extra: { filesSent: res.filesSent, bytesSent: res.bytesSent, filesDeleted: res.filesDeleted },
    };
  } catch (err) {
    const done = { filesSent: res.filesSent, bytesSent: res.bytesSent, filesDeleted: res.filesDeleted };
    const lost = lostOutcome(err, signal);
    if (lost) return { ...emptyTransfer(lost), extra: done };
    if (err instanceof SftpError) return { ...emptyTransfer({ kind: 'error', message: `sftp: ${err.message}` }), extra: done };
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    sftp?.close();
  }
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

export type { Plan };
