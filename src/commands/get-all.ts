/**
 * `lwt get-all`: a remote file or folder from every host into LOCALDIR/<host>/…, the reverse
 * of put-all (pslurp, clush --rcopy). The host is not trusted: every name of its listing must
 * be a plain relative name whose parent is a folder of the same listing, and a symlink must
 * not point outside LOCALDIR/<host>/ (absolute targets, `..` climbing out, `..` through
 * another symlink). Refused entries are reported and everything else is fetched.
 */
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { killedOutcome, reasonOf } from '../core/kill-reason.js';
import { hostFileName } from '../hosts/file-name.js';
import type { Entry } from '../transfer/entry.js';
import { describeLocalError, LocalHasher, walkLocal } from '../transfer/local-tree.js';
import { describePlan, planCounts, planTransfer } from '../transfer/plan.js';
import { joinRemote, linkEscapes, parentOf } from '../transfer/paths.js';
import { isTempName } from '../transfer/temp-names.js';
import { newPullResult, pullPlan } from '../transfer/pull.js';
import { findPrefix, type ListingSpec } from '../transfer/remote-list.js';
import { fetchFiles } from '../transfer/fetch-files.js';
import type { TempNames } from '../transfer/temp-names.js';
import { lostOutcome, runListing, transferOutcome, withLocalHashes, type SyncOptions } from '../transfer/sync.js';
import type { HostJob } from '../runner/host-runner.js';
import type { RunSummary } from '../runner/results.js';
import { emptyTransfer, runTransfers, type TransferResult, type TransferRunOptions } from './transfer-run.js';

export interface GetAllOptions extends Omit<TransferRunOptions, 'transfer'> {
  /** REMOTE, normalized. */
  remote: string;
  /** REMOTE/: the folder's contents go straight into LOCALDIR/<host>/. */
  contents: boolean;
  /** REMOTE's last component, the name it lands under without the slash. */
  name: string;
  /** LOCALDIR, absolute. */
  localDir: string;
  /** -L: follow remote symlinks (find -L) and fetch what they point to. */
  followLinks: boolean;
  /** No byte from the host for this long ends its transfer. @default 60 s */
  idleTimeoutMs?: number;
  sync: SyncOptions;
}

/** No byte from a host for this long ends its transfer (--idle-timeout). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * The local mode of a fetched file or folder: never looser than on the host; without
 * set-uid/set-gid (it now belongs to the local user); and owner-only when it was not
 * world-readable there, since the local group is not the host's group.
 */
export function fetchedMode(mode: number): number {
  const m = mode & 0o1777;
  return m & 0o004 ? m : m & 0o700;
}

export async function getAll(opts: GetAllOptions): Promise<RunSummary> {
  const hasher = new LocalHasher();
  return runTransfers({ ...opts, transfer: (job) => getHost(job, opts, hasher) });
}

/**
 * Drop what a hostile listing could use to write outside the host's folder: entries whose
 * parent is not a folder of the listing (`link/x` below a symlink `link`), and symlinks that
 * point outside. `prefix` is where the listing's root sits below the host's folder.
 */
export function confineEntries(entries: readonly Entry[], prefix: string): { kept: Entry[]; refused: string[] } {
  const refused: string[] = [];
  const links = new Set(entries.filter((e) => e.type === 'l').map((e) => prefix + e.rel));
  const dirs = new Set<string>();
  const kept: Entry[] = [];
  // Parents come before children in the order find prints, but do not rely on it.
  const sorted = [...entries].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  for (const e of sorted) {
    if (e.rel !== '' && !dirs.has(parentOf(e.rel))) {
      refused.push(`${prefix + e.rel}: its parent is not a folder on the host, refused`);
      continue;
    }
    if (e.type === 'l') {
      const why = linkEscapes(prefix + e.rel, e.target ?? '', (p) => links.has(p));
      if (why) {
        refused.push(`${prefix + e.rel}: symlink ${why}, refused`);
        continue;
      }
    }
    if (e.type === 'd') dirs.add(e.rel);
    kept.push(e);
  }
  return { kept, refused };
}

/** What one fetch needs: where from, where to, how to compare. */
export type FetchOptions = Pick<GetAllOptions, 'remote' | 'contents' | 'name' | 'localDir' | 'followLinks' | 'sync' | 'idleTimeoutMs'>;

/** One host's fetch on an open connection (get-all's, and the task scheduler's results). */
export async function getHost(job: Pick<HostJob, 'client' | 'signal' | 'label' | 'onBytes'>, opts: FetchOptions, hasher: LocalHasher): Promise<TransferResult> {
  const { client, signal } = job;
  const sync = opts.sync;
  const hostDir = join(opts.localDir, hostFileName(job.label));
  // resolve: the file stream checks every folder against REMOTE's real path.
  const listSpec: ListingSpec = { kind: 'tree', root: opts.remote, followAll: opts.followLinks, checksum: sync.checksum, createParent: false, resolve: true };
  const res = newPullResult();
  try {
    const listed = await runListing(client, listSpec, signal, () => findPrefix(opts.remote));
    if ('outcome' in listed) return { ...emptyTransfer(listed.outcome), stderr: listed.stderr };
    const { listing } = listed;
    const problems = [...listing.problems, ...listed.warnings];
    const notes = listing.specials.map((e) => `${joinRemote(opts.remote, e.rel)}: not a file, folder or symlink, skipped`);
    const root = listing.entries.find((e) => e.rel === '');
    if (!root) {
      return emptyTransfer({ kind: 'failed', message: `${opts.remote}: ${problems[0] ?? 'no such file or folder on the host'}` });
    }
    if (opts.contents && root.type !== 'd') return emptyTransfer({ kind: 'failed', message: `${opts.remote}/: not a folder on the host` });

    const tree = root.type === 'd';
    const base = tree && !opts.contents ? join(hostDir, opts.name) : hostDir;
    const prefix = tree ? (opts.contents ? '' : `${opts.name}/`) : '';
    // A single file is checked as the one entry of a folder: its name, and a symlink's target.
    // Excluded names are skipped before they are judged: --exclude can leave a bad link behind.
    const wanted = sync.excluder.empty ? listing.entries : listing.entries.filter((e) => !sync.excluder.excludes(e.rel, e.type === 'd'));
    const { kept, refused } = tree
      ? confineEntries(wanted, prefix)
      : confineEntries([{ ...root, rel: '', type: 'd' }, { ...root, rel: opts.name }], '');
    problems.push(...refused);
    const source = kept.filter((e) => tree || e.rel !== '').map((e) => ({ ...e, mode: fetchedMode(e.mode) }));

    // The host's folder must be a real folder: never write through a symlink planted there.
    // A file in the way makes mkdir fail with EEXIST: the check below names it instead.
    if (!sync.dryRun) await mkdir(hostDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
    const hd = await lstat(hostDir).catch(() => undefined);
    if (hd && !hd.isDirectory()) return emptyTransfer({ kind: 'local-error', message: `${hostDir}: not a folder (a symlink or file is in the way)` });

    let target: Entry[] = [];
    let temps: string[] = [];
    if (tree) {
      const walked = await walkLocal(base, { followLinks: false, followRoot: false, excluder: sync.excluder, strict: false });
      target = walked.entries;
      temps = walked.temps;
      problems.push(...walked.skipped);
    } else if (hd) {
      const names = await readdir(hostDir).catch(() => [] as string[]);
      temps = names.filter(isTempName);
      const st = await lstat(join(hostDir, opts.name)).catch(() => undefined);
      if (st) {
        const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f';
        target = [{ rel: opts.name, type, mode: st.mode & 0o7777, size: type === 'f' ? st.size : 0, mtime: st.mtimeMs / 1000 }];
      }
    }
    const local = (rel: string): string => join(base, rel);
    if (sync.checksum) {
      // Here the local side is the target: hash it where the host's file has the same size.
      target = await withLocalHashes(target, source, local, hasher);
    }
    const plan = planTransfer(source, target, temps, { changed: sync.changed, checksum: sync.checksum, delete: sync.delete, excluder: sync.excluder });
    if (opts.contents) plan.dirAttrs = plan.dirAttrs.filter((e) => e.rel !== '');
    problems.push(...plan.conflicts);
    const counts = planCounts(plan);
    const stderrOf = (): string => [...problems, ...notes].map((p) => `${p}\n`).join('');
    if (sync.dryRun) {
      return {
        outcome: transferOutcome(problems),
        stdout: describePlan(plan, local, 'fetch').filter((l) => !l.startsWith('cannot: ')).map((l) => `${l}\n`).join(''),
        stderr: stderrOf(),
        extra: { filesReceived: counts.files, bytesReceived: counts.bytes, filesDeleted: counts.deletes, dryRun: true },
      };
    }
    if (signal.aborted) return emptyTransfer(killedOutcome(reasonOf(signal), 0));
    // A single file is fetched from its real folder under its real name (REMOTE may be a symlink to it).
    const real = listing.resolved?.root ?? opts.remote;
    const realBase = real.slice(real.lastIndexOf('/') + 1);
    const realRoot = tree ? real : real.slice(0, Math.max(1, real.lastIndexOf('/')));
    const fetch = (files: Entry[], temps: TempNames) =>
      fetchFiles({
        client,
        signal,
        realRoot,
        followLinks: opts.followLinks,
        files: tree ? files : files.map((e) => ({ ...e, rel: realBase })),
        local: tree ? local : () => local(opts.name),
        modeOf: (e) => e.mode,
        temps,
        idleMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        onBytes: job.onBytes,
      });
    await pullPlan({ plan, local, modeOf: (e) => e.mode, fetch }, res);
    problems.push(...res.problems);
    notes.push(...res.notes);
    const extra = { filesReceived: res.filesReceived, bytesReceived: res.bytesReceived, filesDeleted: res.filesDeleted };
    if (res.outcome) return { outcome: res.outcome, stdout: '', stderr: stderrOf() + res.stderr, extra };
    return { outcome: transferOutcome(problems), stdout: '', stderr: stderrOf(), extra };
  } catch (err) {
    const done = { filesReceived: res.filesReceived, bytesReceived: res.bytesReceived, filesDeleted: res.filesDeleted };
    const lost = lostOutcome(err, signal);
    if (lost) return { ...emptyTransfer(lost), extra: done };
    if ((err as NodeJS.ErrnoException)?.code) return emptyTransfer({ kind: 'local-error', message: `${hostDir}: ${describeLocalError(err)}` });
    throw err;
  }
}
