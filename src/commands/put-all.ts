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
import { dangerousDeleteRoot, deleteRefusal } from '../transfer/delete-guard.js';
import { ContentCache, newPushResult, pushPlan } from '../transfer/push.js';
import { fileLanding, findPrefix, listingScript, parseListing, type Listing, type ListingSpec } from '../transfer/remote-list.js';
import { SftpError } from '../transfer/sftp.js';
import { listAndHold, type HeldAnswer, type HeldShell } from '../transfer/held-listing.js';
import { heldWorthy, planIsEmpty, pushHeld } from '../transfer/push-held.js';
import { execRemote } from '../ssh/remote-exec.js';
import { lostOutcome, runListing, transferOutcome, withLocalHashes, TransferSession, type ListingMemo, type SyncOptions } from '../transfer/sync.js';
import type { HostJob } from '../runner/host-runner.js';
import type { RunSummary } from '../runner/results.js';
import { emptyTransfer, runTransfers, type TransferResult, type TransferRunOptions } from './transfer-run.js';

/** What one host receives. */
export interface Payload {
  tree: LocalTree;
  /** The source's own name, used when it lands as DEST/<name> (a folder without slash, or a file). */
  name: string;
  /** rsync's `dir/`: the folder's contents go into DEST. */
  contents: boolean;
}

export interface PutAllOptions extends Omit<TransferRunOptions, 'transfer'> {
  dest: string;
  /** DEST was written with a trailing slash: for a file source it is a folder. */
  destSlash: boolean;
  payloadFor(spec: HostSpec, label: string): Payload;
  sync: SyncOptions;
}


export async function putAll(opts: PutAllOptions): Promise<RunSummary> {
  const cache = new ContentCache();
  const hasher = new LocalHasher();
  const memo = new PlanMemo();
  return runTransfers({
    ...opts,
    transfer: (job) => putHost(job, opts.payloadFor(job.spec, job.label), opts, cache, hasher, memo),
  });
}

/**
 * Listings and plans already made in this run: hosts that answer the same listing for the same
 * local tree get the same plan (read-only; each host copies what it changes). Not with
 * --checksum, whose source side is hashed per host.
 */
export class PlanMemo {
  readonly listings: ListingMemo = new Map();
  private readonly plans = new WeakMap<LocalTree, Map<string, Plan>>();

  plan(tree: LocalTree, key: string, make: () => Plan): Plan {
    let byKey = this.plans.get(tree);
    if (!byKey) this.plans.set(tree, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit) return hit;
    const plan = make();
    byKey.set(key, plan);
    return plan;
  }
}

/** One host's send on an open connection (put-all's, and the task scheduler's inputs). */
export async function putHost(
  job: Pick<HostJob, 'client' | 'signal' | 'onBytes'> & Partial<Pick<HostJob, 'log'>>,
  payload: Payload,
  opts: Pick<PutAllOptions, 'dest' | 'destSlash' | 'sync'>,
  cache: ContentCache,
  hasher: LocalHasher,
  memo?: PlanMemo,
): Promise<TransferResult> {
  const { client, signal } = job;
  const sync = opts.sync;
  const tree = payload.tree;
  const listSpec: ListingSpec =
    tree.kind === 'tree'
      ? {
          kind: 'tree',
          root: treeRoot(opts.dest, payload.name, payload.contents),
          checksum: sync.checksum,
          createParent: !sync.dryRun,
          // --delete is judged by where DEST really is on this host.
          resolve: sync.delete && sync.forceDeleteDangerous !== true,
        }
      : { kind: 'file', dest: opts.dest, destIsDir: opts.destSlash, name: payload.name, checksum: sync.checksum, createParent: !sync.dryRun };
  const prefix = (kind: Listing['kind']): string =>
    listSpec.kind === 'tree' ? findPrefix(listSpec.root) : findPrefix(fileLanding(listSpec, kind === 'D').dir);

  const res = newPushResult();
  // --changed mostly sends a few files: the listing's shell is held to receive them (one
  // channel per host, see transfer/held-listing.ts); otherwise SFTP opens beside the listing.
  const hold = sync.changed && !sync.dryRun;
  let session = hold ? undefined : new TransferSession(client, signal, sync.dryRun);
  let held: HeldShell | undefined;
  try {
    const listed: HeldAnswer = hold
      ? await listAndHold(client, listSpec, signal, prefix, memo?.listings)
      : await runListing(client, listSpec, signal, prefix, memo?.listings);
    if ('outcome' in listed) return { ...emptyTransfer(listed.outcome), stderr: listed.stderr };
    held = listed.held;
    const { listing } = listed;
    if (listing.resolved) {
      const why = dangerousDeleteRoot(listing.resolved.root, listing.resolved.home);
      if (why) return emptyTransfer({ kind: 'failed', message: deleteRefusal(listSpec.kind === 'tree' ? listSpec.root : opts.dest, listing.resolved.root, why) });
    }
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
    const make = (): Plan =>
      planTransfer(source, target, listing.temps, { changed: sync.changed, checksum: sync.checksum, delete: sync.delete, excluder: sync.excluder });
    // A copy: what follows adjusts this host's plan.
    const plan = { ...(memo && !sync.checksum ? memo.plan(tree, `${listSpec.kind}\0${listed.key}`, make) : make()) };
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
    const sent = (): TransferResult => ({
      outcome: transferOutcome(problems),
      stdout: '',
      stderr: problems.map((p) => `${p}\n`).join(''),
      extra: { filesSent: res.filesSent, bytesSent: res.bytesSent, filesDeleted: res.filesDeleted },
    });
    if (held && planIsEmpty(plan)) return sent();
    if (held && heldWorthy(plan, cache.maxFile)) {
      const input = { plan, remote: show, local, cache, onBytes: job.onBytes, signal, ...(job.log ? { log: job.log } : {}) };
      if (await pushHeld(held, input, res)) {
        problems.push(...res.problems);
        return sent();
      }
    }
    held?.release();
    session ??= new TransferSession(client, signal, false);
    const sftp = await session.startSending();
    if (!sftp) return emptyTransfer(killedOutcome(reasonOf(signal), 0));
    await pushPlan({ sftp, plan, remote: show, local, cache, onBytes: job.onBytes, stream: { client, signal, root, log: job.log } }, res);
    problems.push(...res.problems);
    return sent();
  } catch (err) {
    const done = { filesSent: res.filesSent, bytesSent: res.bytesSent, filesDeleted: res.filesDeleted };
    const lost = lostOutcome(err, signal);
    if (lost) return { ...emptyTransfer(lost), extra: done };
    if (err instanceof SftpError) return { ...emptyTransfer({ kind: 'failed', message: `sftp: ${err.message}` }), extra: done };
    throw err;
  } finally {
    held?.release();
    session?.close();
  }
}

export type { Plan };
