/**
 * lwt as a library: the verbs as functions that take plain options and return data. Nothing
 * here prints, installs signal handlers or sets process.exitCode; events go to the caller's
 * listener, and cancelling is the caller's AbortSignal.
 */
import { execAll as execAllCommand } from '../commands/exec-all.js';
import { getAll as getAllCommand } from '../commands/get-all.js';
import { monitorCycle as monitorCycleCommand } from '../commands/monitor.js';
import { putAll as putAllCommand } from '../commands/put-all.js';
import { DEFAULTS } from '../defaults.js';
import { DEFAULT_THRESHOLDS, type CycleReport, type Hysteresis, type Thresholds } from '../hosts/health.js';
import type { HostSpec } from '../hosts/host-spec.js';
import { parseInlineHosts } from '../hosts/host-list.js';
import { runStatus } from '../cli/exit-status.js';
import { Connections } from '../runner/connections.js';
import { RunEvents, type RunListener } from '../runner/events.js';
import type { JobResult, RunSummary } from '../runner/results.js';
import { createSshContext, type SshOptions } from '../ssh/setup.js';
import type { Outcome } from '../core/outcome.js';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { compileExcludes } from '../transfer/exclude.js';
import { normalizeRemote, sourceIsContents, sourceName } from '../transfer/paths.js';
import { checkDelete, walkSource } from '../transfer/source.js';
import type { SyncOptions } from '../transfer/sync.js';

export interface RunOptions extends SshOptions {
  /** Hosts: `[user@]host[:port]`, ranges allowed (`web[01-04]`), or parsed specs. */
  hosts: ReadonlyArray<string | HostSpec>;
  /** Hosts at once. @default 32 */
  concurrency?: number;
  /** Retries of connection failures (never host-key, auth or config refusals). @default 0 */
  retries?: number;
  signal?: AbortSignal;
  /** Every event of the run (started, output, settled, …), as it happens. */
  onEvent?: RunListener;
}

/** One host's result: a JobResult named by its host. */
export type HostResult<D = unknown> = Omit<JobResult<D>, 'label' | 'command'> & { host: string };

export interface RunResult<D = unknown> {
  results: HostResult<D>[];
  /** What the `lwt` command would exit with for this run: 0, 1, 3, 4, 70, or 128+signal. */
  exitStatus: number;
  wallMs: number;
  cancelled: boolean;
}

function hostSpecs(hosts: RunOptions['hosts']): HostSpec[] {
  return hosts.flatMap((h) => (typeof h === 'string' ? parseInlineHosts(h, 'hosts') : [h]));
}

function toRunResult<D>(summary: RunSummary<D>): RunResult<D> {
  const results = summary.results.map(({ label, command: _c, ...rest }: JobResult<D>) => ({ host: label, ...rest }));
  return { results, exitStatus: runStatus(summary), wallMs: summary.wallMs, cancelled: summary.cancelled };
}

/** The options every verb passes its runner the same way. */
function runnerBase(o: RunOptions, connections: Connections, events: RunEvents, timeoutMs?: number) {
  return {
    hosts: hostSpecs(o.hosts),
    connections,
    events,
    concurrency: o.concurrency ?? DEFAULTS.parallel,
    retries: o.retries ?? DEFAULTS.retries,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

/** Set up connections for one call, run it, always close them. */
async function withConnections<T>(o: RunOptions, tuning: { batchWrites?: boolean }, run: (c: Connections, events: RunEvents) => Promise<T>): Promise<T> {
  const { ssh } = await createSshContext(o, tuning);
  const connections = new Connections(ssh);
  const events = new RunEvents();
  if (o.onEvent) events.on(o.onEvent, { output: true });
  try {
    return await run(connections, events);
  } finally {
    await connections.close();
  }
}

export interface ExecAllOptions extends RunOptions {
  command: string;
  /** The command's deadline per host, after connecting. */
  timeoutMs?: number;
  env?: Record<string, string>;
  stdin?: Buffer;
  sudo?: boolean;
  /** Leave the command running when the connection dies (by default a watchdog on the host kills it). */
  detach?: boolean;
  /** Output kept per host and stream, head and tail. @default 1 MiB */
  outputCapBytes?: number;
}

/** Run a command on every host; one result per host, in the order given. */
export function execAll(o: ExecAllOptions): Promise<RunResult> {
  return withConnections(o, {}, async (connections, events) =>
    toRunResult(
      await execAllCommand({
        ...runnerBase(o, connections, events, o.timeoutMs),
        command: o.command,
        outputCapBytes: o.outputCapBytes ?? DEFAULTS.outputCap,
        ...(o.env ? { env: o.env } : {}),
        ...(o.stdin ? { stdin: o.stdin } : {}),
        ...(o.sudo ? { sudo: true } : {}),
        ...(o.detach ? { detach: true } : {}),
      }),
    ),
  );
}

export interface TransferOptions extends RunOptions {
  /** Only what differs (size and mtime; with `checksum`, SHA-256). */
  changed?: boolean;
  checksum?: boolean;
  /** Remove what the source does not have (below DEST only; refused for / and the home). */
  delete?: boolean;
  dryRun?: boolean;
  /** Path globs left out, as rsync's --exclude. */
  exclude?: string[];
  /** Follow symlinks instead of copying them as links. */
  followLinks?: boolean;
  /** The whole transfer's deadline per host, after connecting. */
  timeoutMs?: number;
}

function syncOptions(o: TransferOptions): SyncOptions {
  return {
    changed: o.changed === true || o.checksum === true,
    checksum: o.checksum === true,
    delete: o.delete === true,
    dryRun: o.dryRun === true,
    excluder: compileExcludes(o.exclude ?? []),
  };
}

/**
 * Copy a local file or folder to `dest` on every host (rsync's trailing-slash rule: `dir/` is
 * the folder's contents). Files land atomically with mode and mtime. Counts per host are in
 * each result's `extra` (filesSent, bytesSent, filesDeleted).
 */
export async function putAll(o: TransferOptions & { source: string; dest: string }): Promise<RunResult> {
  const d = normalizeRemote(o.dest, 'dest');
  const sync = syncOptions(o);
  const contents = sourceIsContents(o.source);
  const root = resolve(o.source);
  const tree = await walkSource(root, `source ${o.source}`, { contents, followLinks: o.followLinks === true, excluder: sync.excluder });
  const name = sourceName(root);
  checkDelete(sync.delete, tree, d.path, name, contents);
  const payload = { tree, name, contents };
  return withConnections(o, { batchWrites: true }, async (connections, events) =>
    toRunResult(
      await putAllCommand({
        ...runnerBase(o, connections, events, o.timeoutMs),
        sync,
        dest: d.path,
        destSlash: d.trailingSlash,
        payloadFor: () => payload,
      }),
    ),
  );
}

/** Fetch `remote` from every host into `localDir/<host>/`; nothing is ever written outside it. */
export async function getAll(o: TransferOptions & { remote: string; localDir: string }): Promise<RunResult> {
  const r = normalizeRemote(o.remote, 'remote');
  const name = r.path === '/' || r.path === '.' ? '' : r.path.slice(r.path.lastIndexOf('/') + 1);
  const localDir = resolve(o.localDir);
  if (o.dryRun !== true) await mkdir(localDir, { recursive: true });
  return withConnections(o, { batchWrites: true }, async (connections, events) =>
    toRunResult(
      await getAllCommand({
        ...runnerBase(o, connections, events, o.timeoutMs),
        sync: syncOptions(o),
        remote: r.path,
        contents: sourceIsContents(o.remote) || r.path === '/' || name === '',
        name,
        localDir,
        followLinks: o.followLinks === true,
      }),
    ),
  );
}

export interface MonitorCycleOptions extends RunOptions {
  /** The home whose .lwt/health.json and hosts/ok the cycle reads and writes. */
  home: string;
  /** Deadline of the probe command after connecting. @default 10000 */
  probeTimeoutMs?: number;
  diskPath?: string;
  load?: boolean;
  bandwidthBytes?: number;
  thresholds?: Partial<Thresholds>;
  hysteresis?: Partial<Hysteresis>;
  /** The hosts are the whole candidate list: forget hosts no longer in it. @default false */
  prune?: boolean;
}

/** One monitor cycle: probe, classify, step the hysteresis, write health.json and hosts/ok. */
export function monitorCycle(o: MonitorCycleOptions): Promise<CycleReport> {
  return withConnections(o, {}, (connections, events) =>
    monitorCycleCommand({
      ...runnerBase({ ...o, concurrency: o.concurrency ?? DEFAULTS.monitorParallel }, connections, events),
      home: o.home,
      probeTimeoutMs: o.probeTimeoutMs ?? DEFAULTS.probeTimeout * 1000,
      diskPath: o.diskPath ?? '/',
      load: o.load === true,
      ...(o.bandwidthBytes ? { bandwidthBytes: o.bandwidthBytes } : {}),
      thresholds: { ...DEFAULT_THRESHOLDS, ...o.thresholds },
      hysteresis: { dropAfter: DEFAULTS.dropAfter, restoreAfter: DEFAULTS.restoreAfter, ...o.hysteresis },
      prune: o.prune === true,
    }),
  );
}

export type { CycleReport, Hysteresis, Thresholds };
