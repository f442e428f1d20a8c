import { Command } from 'commander';
import { mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_IDLE_TIMEOUT_MS, getAll } from '../commands/get-all.js';
import { seconds } from './parse.js';
import { UsageError } from '../errors.js';
import { describeLocalError } from '../transfer/local-tree.js';
import { normalizeRemote, sourceIsContents } from '../transfer/paths.js';
import { addTransferOptions, prepareTransfer, runBase, runTransferVerb, TRANSFER_EXIT_HELP, type TransferFlags } from './transfer-options.js';

export function getAllCommand(): Command {
  const cmd = new Command('get-all')
    .summary('fetch a file or folder from every host into LOCALDIR/<host>/')
    .description(
      'Fetch REMOTE (a file or folder on each host) into LOCALDIR/<host>/: one SSH\n' +
        'connection per host, at most -p at once, each file written atomically. Hosts\n' +
        'are chosen as for exec-all. A name from a host never writes outside\n' +
        'LOCALDIR/<host>/: names with .., absolute names and symlinks pointing outside\n' +
        'are refused and reported; everything else is fetched.',
    )
    .argument('<REMOTE>', "remote file or folder; with a trailing slash, the folder's contents")
    .argument('<LOCALDIR>', 'local folder; each host gets LOCALDIR/<host>/ (created)');
  addTransferOptions(cmd, 'get')
    .option('--idle-timeout <SEC>', 'end a host\'s transfer when no byte came from it for SEC seconds; its processes there are killed', seconds, DEFAULT_IDLE_TIMEOUT_MS / 1000)
    .addHelpText(
    'after',
    `
Trailing slash (as rsync): REMOTE/ puts the folder's contents into LOCALDIR/<host>/; REMOTE puts
the folder (or file) itself there as LOCALDIR/<host>/<name>. REMOTE may be relative to the remote
home. Mode and mtime are kept, never looser than on the host: without set-uid/set-gid, and
owner-only (0600, 0700) when it was not world-readable there; symlinks are recreated unless -L, which
fetches what they point to (then nothing is a symlink, so nothing can point outside). --changed,
--checksum, --delete, --dry-run and --exclude-path work as for put-all, with the local copy as the
side that changes. A host's listing needs GNU find on the host (one command lists the tree).

The files come in one stream per host (GNU dd on the host): each folder is entered and checked
against REMOTE's real path, each file opened without following a symlink and without blocking
(a FIFO or device never hangs the transfer), at most the size listed is fetched (a file that
grew is reported; one that shrank or changed type is not fetched, and reported).

${TRANSFER_EXIT_HELP}

Examples:
  lwt get-all /etc/os-release ./inventory                # ./inventory/<host>/os-release
  lwt get-all -w 'db[1-4]' --changed /var/log/app/ ./logs`,
  );
  cmd.action(async (remote: string, localDirArg: string, flags: TransferFlags, command: Command) => {
    const r = normalizeRemote(remote, 'REMOTE');
    const contents = sourceIsContents(remote) || r.path === '/';
    const name = r.path === '/' || r.path === '.' ? '' : r.path.slice(r.path.lastIndexOf('/') + 1);
    const setup = await prepareTransfer('get-all', flags, command);
    const localDir = resolve(localDirArg);
    const st = await stat(localDir).catch(() => undefined);
    if (st && !st.isDirectory()) throw new UsageError(`LOCALDIR ${localDirArg}: not a folder`);
    if (!st && !setup.sync.dryRun) {
      await mkdir(localDir, { recursive: true }).catch((err: unknown) => {
        throw new UsageError(`LOCALDIR ${localDirArg}: ${describeLocalError(err)}`);
      });
    }
    await runTransferVerb(setup, 'get-all', `${remote} -> ${localDirArg}/<host>/`, setup.hostNames, 'received', (common) =>
      getAll({
        ...runBase(setup, setup.selection.hosts, common),
        remote: r.path,
        contents: contents || name === '',
        name,
        localDir,
        followLinks: flags.copyLinks === true,
        idleTimeoutMs: (flags as TransferFlags & { idleTimeout: number }).idleTimeout * 1000,
      }),
    );
  });
  return cmd;
}
