/**
 * Flags and set-up shared by put-all, put-all-diff and get-all: host selection (as exec-all),
 * path exclusion under --exclude-path, the
 * sync flags, the journal, interrupts and the exit status.
 */
import { Command } from 'commander';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import { selectHosts, type HostSelection } from '../hosts/select.js';
import { foldHosts } from '../hosts/fold.js';
import { Reporter, type OutputMode } from '../output/reporter.js';
import { Connections } from '../runner/connections.js';
import type { RunEvents } from '../runner/events.js';
import type { RunSummary } from '../runner/results.js';
import { terminalScreen, type Screen } from '../output/screen.js';
import type { SshContext } from '../ssh/connect.js';
import { compileExcludes } from '../transfer/exclude.js';
import type { SyncOptions } from '../transfer/sync.js';
import { transferSummary, zeroCounts, type TransferRunOptions } from '../commands/transfer-run.js';
import { runVerb } from './run-verb.js';
import { prepare, type CommandContext, globalsOf, outputStyles } from './context.js';
import type { TextStyle } from '../output/text-style.js';
import { addHostOptions, type HostFlags } from './host-options.js';
import { DEFAULTS } from '../defaults.js';
import { TRANSFER_EXIT_STATUS_HELP } from './exit-status.js';
import { announceHosts, openJournal, sshContextFrom, type SshFlags } from './host-run.js';
import { collect, seconds } from './parse.js';

export interface TransferFlags extends SshFlags, HostFlags {
  parallel?: number;
  retries?: number;
  timeout?: number;
  changed?: boolean;
  checksum?: boolean;
  delete?: boolean;
  forceDeleteDangerous?: boolean;
  dryRun?: boolean;
  copyLinks?: boolean;
  excludePath?: string[];
  json?: boolean;
}

export const TRANSFER_EXIT_HELP = TRANSFER_EXIT_STATUS_HELP;

/** Host options, then everything a transfer verb takes. */
export function addTransferOptions(cmd: Command, direction: 'put' | 'get'): Command {
  addHostOptions(cmd, { pathExclude: true });
  const put = direction === 'put';
  const there = put ? 'DEST on the host' : 'the local copy';
  return cmd
    .option('-t, --timeout <SEC>', 'deadline per host for the whole transfer, after connecting (default: none)', seconds)
    .option('--changed', `${put ? 'send' : 'fetch'} only files that differ from ${there} (size and mtime, read in one listing)`)
    .option('--checksum', 'with --changed, compare SHA-256 instead of mtime (computed on the host in one command); implies --changed')
    .option('--delete', `remove files under ${put ? 'DEST' : 'the local copy'} that ${put ? 'SRC' : 'REMOTE'} does not have (never outside it)`)
    .option(
      '--force-delete-dangerous',
      put ? '--delete may clean DEST even when the host resolves it to /, the login home (or a folder holding it) or a system folder (/etc, /usr, …)' : 'no effect here (put-all)',
    )
    .option('-n, --dry-run', `print what would be ${put ? 'sent' : 'fetched'} and deleted, hosts with the same plan grouped; change nothing`)
    .option('-L, --copy-links', 'follow symlinks and copy what they point to (default: recreate symlinks as symlinks)')
    .option('--exclude-path <GLOB>', "skip paths matching GLOB, rsync's --exclude: *.log, cache/, /build, a/**/b (repeatable)", collect)
    .option('--json', `one JSON object per host as it finishes (with ${Object.keys(zeroCounts(put ? 'sent' : 'received')).join(', ')}), then a {"summary": …} line`);
}

export const SYNC_HELP = `
Trailing slash (as rsync): SRC/ copies the folder's contents into DEST; SRC copies the
folder itself, as DEST/<name>. A file goes into DEST when DEST ends with / or is a folder on
the host, else DEST is its new name. Missing folders on the way to DEST are created. DEST may
be relative: it is then below the remote user's home (~/ is accepted), as with scp.

Each file is written to a temporary name (.lwt-tmp-<token>-<n>, the token random per
transfer and self-checking) in its folder and renamed over the final name
(posix-rename@openssh.com): a host cut off mid-transfer never has a partial file under a
final name; the next run removes those temporary files, and only those: a file that merely
looks alike is an ordinary file. Mode and mtime are kept;
symlinks are recreated as symlinks unless -L. An existing DEST folder keeps its own mode
and mtime (SRC/ into / or a home must not change them); folders lwt creates get the source's.

The host's side is listed by one command per host (GNU find; sha256sum with --checksum),
on the same connection as the SFTP session that carries the files.

--changed: a file is sent when its size or mtime (whole seconds: SFTP carries seconds)
differ, or with --checksum its SHA-256; a file that differs only in mode or mtime gets them
set without being sent. --delete needs a folder SRC. The folder it would clean is resolved on
each host (symlinks and .. followed: /srv/.. is /) and refused there, as outcome "failed"
naming the rule, when it is /, the login home or a folder holding it, or a system top-level
folder (/etc, /usr, /bin, /boot, /var, /lib*, /sbin, /proc, /sys, /dev);
--force-delete-dangerous lifts this.
--exclude-path GLOB (rsync's --exclude; a bare --exclude is refused, since in lwt hosts are
-x/--exclude-hosts): a pattern without / matches a name at any depth, a leading / anchors it
at the top of SRC, a trailing / matches folders only; excluded paths are neither sent nor
deleted.`;

export interface TransferSetup {
  ctx: CommandContext;
  selection: HostSelection;
  hostNames: string[];
  ssh: SshContext;
  screen: Screen;
  mode: OutputMode;
  quiet: boolean;
  styles: { out: TextStyle; err: TextStyle };
  sync: SyncOptions;
  timeoutMs?: number;
  concurrency: number;
  retries: number;
}

export async function prepareTransfer(verb: string, flags: TransferFlags, command: Command): Promise<TransferSetup> {
  const g = globalsOf(command);
  const ctx = await prepare(verb, g);
  const excluder = compileExcludes(flags.excludePath ?? []);
  const selection = await selectHosts({
    home: ctx.home,
    ...(flags.hosts ? { hostsArg: flags.hosts } : {}),
    ...(flags.targets ? { targets: flags.targets } : {}),
    ...(flags.excludeHosts ? { exclude: flags.excludeHosts } : {}),
  });
  // Transfers write many small packets per connection: batch them (see connect.ts).
  const ssh = await sshContextFrom(flags, ctx.settings, verb, { batchWrites: true });
  // A dry run prints each host's plan: identical plans are grouped under their hosts, as -b.
  const mode: OutputMode = flags.json ? 'json' : flags.dryRun ? 'gather' : 'live';
  const timeoutSec = flags.timeout ?? ctx.settings.timeout;
  return {
    ctx,
    selection,
    hostNames: selection.hosts.map(formatHostSpec),
    ssh,
    screen: terminalScreen(),
    mode,
    quiet: mode === 'json' || g.quiet === true,
    styles: outputStyles(g),
    sync: {
      changed: flags.changed === true || flags.checksum === true,
      checksum: flags.checksum === true,
      delete: flags.delete === true,
      forceDeleteDangerous: flags.forceDeleteDangerous === true,
      dryRun: flags.dryRun === true,
      excluder,
    },
    ...(timeoutSec ? { timeoutMs: timeoutSec * 1000 } : {}),
    concurrency: flags.parallel ?? ctx.settings.parallel ?? DEFAULTS.parallel,
    retries: flags.retries ?? ctx.settings.retries ?? 0,
  };
}

/** The run options every transfer verb passes the same way (putAll, getAll). */
export function runBase(
  setup: TransferSetup,
  hosts: HostSpec[],
  common: { connections: Connections; events: RunEvents; signal: AbortSignal },
): Omit<TransferRunOptions, 'transfer'> & { sync: SyncOptions } {
  return {
    ...common,
    hosts,
    concurrency: setup.concurrency,
    ...(setup.timeoutMs ? { timeoutMs: setup.timeoutMs } : {}),
    retries: setup.retries,
    sync: setup.sync,
  };
}

/** Journal, listeners, Ctrl-C, the run, the summary, the exit status: the tail every transfer verb shares. */
export async function runTransferVerb(
  setup: TransferSetup,
  verb: string,
  description: string,
  hostNames: string[],
  direction: 'sent' | 'received',
  run: (common: { connections: Connections; events: RunEvents; signal: AbortSignal }) => Promise<RunSummary>,
): Promise<void> {
  announceHosts(setup.screen, hostNames, setup.selection.source, setup.quiet);
  const journal = await openJournal(setup.ctx.home, {
    verb,
    command: description,
    argv: process.argv.slice(2),
    hostSource: setup.selection.source,
    hosts: hostNames,
  });
  const connections = new Connections(setup.ssh);
  const reporter = new Reporter({
    screen: setup.screen,
    mode: setup.mode,
    noun: 'host',
    total: hostNames.length,
    jsonId: (r) => ({ host: r.label }),
    foldLabels: foldHosts,
    echoResultOutput: true,
    jsonDefaults: zeroCounts(direction),
    styles: setup.styles,
    quiet: setup.quiet,
  });
  const { status } = await runVerb({
    verb,
    reporter,
    ...(journal ? { journal } : {}),
    run: (events, signal) => run({ connections, events, signal }).finally(() => connections.close()),
    ...(setup.mode !== 'json' ? { summaryPrefix: (summary: RunSummary) => transferSummary(summary.results, direction, setup.sync.dryRun) } : {}),
  });
  process.exitCode = status;
}
