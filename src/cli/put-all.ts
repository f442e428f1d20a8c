import { Command } from 'commander';
import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { putAll, type Payload } from '../commands/put-all.js';
import { UsageError } from '../errors.js';
import type { HostSpec } from '../hosts/host-spec.js';
import { foldHosts } from '../hosts/fold.js';
import { hostFileName } from '../hosts/file-name.js';
import { describeLocalError, type LocalTree } from '../transfer/local-tree.js';
import { checkDelete, walkSource } from '../transfer/source.js';
import { normalizeRemote, sourceIsContents, sourceName } from '../transfer/paths.js';
import type { Excluder } from '../transfer/exclude.js';
import {
  addTransferOptions,
  prepareTransfer,
  runBase,
  runTransferVerb,
  SYNC_HELP,
  TRANSFER_EXIT_HELP,
  type TransferFlags,
  type TransferSetup,
} from './transfer-options.js';

export function putAllCommand(): Command {
  const cmd = new Command('put-all')
    .summary('copy a file or folder to every host over SFTP')
    .description(
      'Copy SRC (a local file or folder) to DEST on every selected host: one SSH\n' +
        'connection per host, at most -p hosts at once, files pipelined within each\n' +
        'host over SFTP. Hosts are chosen as for exec-all.',
    )
    .argument('<SRC>', 'local file or folder; with a trailing slash, the folder\'s contents')
    .argument('<DEST>', 'remote folder (or, for a file, the new name); relative means below the remote home');
  addTransferOptions(cmd, 'put').addHelpText(
    'after',
    `${SYNC_HELP}

Output: nothing per host unless something went wrong (or --dry-run); then per host what was
sent and deleted, hosts with the same counts on one line, and the summary. Hosts are left
out with -x/--exclude-hosts, paths with --exclude-path.

${TRANSFER_EXIT_HELP}

Examples:
  lwt put-all -w 'web[01-20]' ./site/ /srv/www            # the contents of site into /srv/www
  lwt put-all --changed --delete ./site/ /srv/www         # only what differs; remove the rest
  lwt put-all -C -t 600 release.tar.gz /var/tmp/          # compressed, 10 minutes per host
  lwt put-all -n --changed --checksum ./etc/ /etc/app     # what would change, by SHA-256`,
  );
  cmd.action(async (src: string, dest: string, flags: TransferFlags, command: Command) => {
    const d = normalizeRemote(dest, 'DEST');
    const setup = await prepareTransfer('put-all', flags, command);
    const contents = sourceIsContents(src);
    const tree = await walkSource(resolve(src), `SRC ${src}`, { contents, followLinks: flags.copyLinks === true, excluder: setup.sync.excluder });
    const name = sourceName(resolve(src));
    checkDelete(setup.sync.delete, tree, d.path, name, contents, setup.sync.forceDeleteDangerous);
    warnSkipped(setup, tree);
    const payload: Payload = { tree, name, contents };
    await runTransferVerb(setup, 'put-all', `${src} -> ${dest}`, setup.hostNames, 'sent', (common) =>
      putAll({ ...runBase(setup, setup.selection.hosts, common), dest: d.path, destSlash: d.trailingSlash, payloadFor: () => payload }),
    );
  });
  return cmd;
}

export function putAllDiffCommand(): Command {
  const cmd = new Command('put-all-diff')
    .summary('copy each host its own folder, LOCAL/<host>/, over SFTP')
    .description(
      'Copy LOCAL/<host>/ (the contents of the folder named as the host appears in\n' +
        'the host list, else by its bare host name) to DEST on that host. Hosts without\n' +
        'a folder are reported and skipped; folders that match no selected host are\n' +
        'reported. Everything else works as in put-all.',
    )
    .argument('<LOCAL>', 'local folder holding one folder per host')
    .argument('<DEST>', 'remote folder that receives the host\'s folder contents');
  addTransferOptions(cmd, 'put').addHelpText(
    'after',
    `${SYNC_HELP}

${TRANSFER_EXIT_HELP}

Examples:
  lwt put-all-diff -H web ./per-host /etc/app              # ./per-host/web01/ to web01:/etc/app, …
  lwt put-all-diff --changed --delete ./per-host /etc/app`,
  );
  cmd.action(async (localArg: string, dest: string, flags: TransferFlags, command: Command) => {
    const d = normalizeRemote(dest, 'DEST');
    const setup = await prepareTransfer('put-all-diff', flags, command);
    const local = resolve(localArg);
    const st = await stat(local).catch((err: unknown) => {
      throw new UsageError(`LOCAL ${localArg}: ${describeLocalError(err)}`);
    });
    if (!st.isDirectory()) throw new UsageError(`LOCAL ${localArg}: not a folder`);
    const folders = new Set(
      (await readdir(local, { withFileTypes: true })).filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name),
    );
    const used = new Set<string>();
    const payloads = new Map<string, Payload>();
    const hosts: HostSpec[] = [];
    const labels: string[] = [];
    const missing: string[] = [];
    for (const [i, spec] of setup.selection.hosts.entries()) {
      const label = setup.hostNames[i]!;
      const folder = [hostFileName(label), hostFileName(spec.host)].find((f) => folders.has(f));
      if (folder === undefined) {
        missing.push(label);
        continue;
      }
      used.add(folder);
      const tree = await walkSource(resolve(local, folder), `LOCAL/${folder}`, { contents: true, followLinks: flags.copyLinks === true, excluder: setup.sync.excluder });
      if (tree.kind !== 'tree') throw new UsageError(`LOCAL/${folder}: not a folder`);
      checkDelete(setup.sync.delete, tree, d.path, folder, true, setup.sync.forceDeleteDangerous);
      warnSkipped(setup, tree);
      payloads.set(label, { tree, name: folder, contents: true });
      hosts.push(spec);
      labels.push(label);
    }
    const unmatched = [...folders].filter((f) => !used.has(f)).sort();
    if (missing.length > 0) setup.screen.err(`lwt: no folder in ${localArg} for ${missing.length} host${missing.length === 1 ? '' : 's'}, skipped: ${foldHosts(missing)}\n`);
    if (unmatched.length > 0) setup.screen.err(`lwt: ${unmatched.length} folder${unmatched.length === 1 ? '' : 's'} in ${localArg} match no selected host: ${unmatched.join(', ')}\n`);
    if (hosts.length === 0) throw new UsageError(`no folder in ${localArg} matches a selected host (${setup.hostNames.length} selected from ${setup.selection.source})`);
    await runTransferVerb(setup, 'put-all-diff', `${localArg}/<host>/ -> ${dest}`, labels, 'sent', (common) =>
      putAll({ ...runBase(setup, hosts, common), dest: d.path, destSlash: true, payloadFor: (_spec, label) => payloads.get(label)! }),
    );
  });
  return cmd;
}

function warnSkipped(setup: TransferSetup, tree: LocalTree): void {
  for (const s of tree.skipped) setup.screen.err(`lwt: warning: ${s}\n`);
}
