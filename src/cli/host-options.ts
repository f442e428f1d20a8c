/**
 * Options shared by every verb that reaches hosts over SSH (exec-all, put-all, put-all-diff,
 * get-all, monitor), and the traps for peers' habits that would otherwise do something else
 * silently: pssh's `-h FILE`, a bare `--exclude` (hosts or paths?).
 */
import { Command, Option } from 'commander';
import { DEFAULTS } from '../defaults.js';
import { UsageError } from '../errors.js';
import { collect, connectSeconds, nonNegativeInt, positiveInt } from './parse.js';

export interface HostFlags {
  hosts?: string[];
  targets?: string[];
  excludeHosts?: string[];
}

export function addHostOptions(cmd: Command, opts: { parallel?: number; pathExclude?: boolean; /** dispatch: its own -j and --retries */ perJob?: boolean } = {}): Command {
  // -h alone still shows help (what it means to nearly every tool); -h FILE is pssh's host
  // file, and silently printing help would run nothing with status 0.
  cmd.helpOption('--help', 'display help for command');
  cmd.addOption(new Option('-h [FILE]').hideHelp());
  cmd.addOption(new Option('--exclude <X>').hideHelp());
  // Checked as the option is read, before commander's checks of missing arguments.
  cmd.on('option:h', (file: string | null | undefined) => {
    if (file == null) cmd.help();
    throw new UsageError(`-h ${file}: a host file is -H FILE in lwt (-h alone, or --help, shows help)`);
  });
  cmd.on('option:exclude', (value: string) => {
    const paths = opts.pathExclude ? ', or --exclude-path GLOB for paths' : '';
    throw new UsageError(`--exclude ${value}: say what to leave out: -x/--exclude-hosts LIST for hosts${paths}`);
  });
  cmd
    .option('-H, --hosts <FILE|NAME>', 'host list file, <home>/hosts/NAME, or an Ansible inventory (INI or YAML); repeatable: the union', collect)
    .option('-w, --targets <LIST>', 'hosts inline: web[01-20],db1; ^FILE reads a list (pdsh), @GROUP a group: <home>/hosts/GROUP or a group of the -H inventory (repeatable)', collect)
    .option('-x, --exclude-hosts <LIST>', 'hosts to leave out, given as to -w (@GROUP, ^FILE, ranges; repeatable)', collect)
    .option('-F, --ssh-config <FILE>', 'OpenSSH client config (default ~/.ssh/config, then /etc/ssh/ssh_config)')
    .option('-O, --ssh-option <KEY=VALUE>', 'OpenSSH option, as ssh -o (also -oKey=Value); wins over the config file; one lwt does not apply is refused (repeatable)', collect)
    .option('-l, --login <USER>', 'remote user (a user@ in the host list wins)')
    .option('-i, --identity <KEY>', 'private key file, tried before the config ones (repeatable)', collect)
    .option('--port <PORT>', 'remote port (a :port in the host list wins)', positiveInt)
    .option('--connect-timeout <SEC>', `deadline per host for TCP + SSH banner, and again for key exchange + auth once admitted (--handshakes), > 0 (default ${DEFAULTS.connectTimeout}, or ssh_config's ConnectTimeout)`, connectSeconds)
    .option('--handshakes <N>', `SSH handshakes (key exchange + auth) at once across all hosts, whatever -p (default ${DEFAULTS.handshakes}: 8 per core)`, positiveInt)
    .addOption(
      new Option(
        '--strict-host-key-checking <MODE>',
        'unknown/changed host keys: yes refuses both (default), accept-new adds unknown, no adds unknown and accepts changed; ask is read as yes (lwt never prompts)',
      ).choices(['yes', 'accept-new', 'no', 'ask']),
    )
    .option('--accept-new-host-keys', 'same as --strict-host-key-checking accept-new')
    .option('-C, --compress', 'SSH compression (slow links)');
  if (!opts.perJob) {
    cmd
      .option('-p, --parallel <N>', `hosts at once (default ${opts.parallel ?? DEFAULTS.parallel})`, positiveInt)
      .option('--retries <N>', `retry connection failures N times with backoff and jitter (default ${DEFAULTS.retries})`, nonNegativeInt);
    // pdsh's and clush's name for it (where the verb has no -f of its own: task log's --follow).
    if (!cmd.options.some((o) => o.short === '-f')) {
      cmd.option('-f, --fanout <N>', 'same as -p (pdsh, clush)', positiveInt);
      cmd.hook('preAction', (c) => {
        const { fanout, parallel } = c.opts<{ fanout?: number; parallel?: number }>();
        if (fanout === undefined) return;
        if (parallel !== undefined && parallel !== fanout) throw new UsageError(`-f ${fanout} and -p ${parallel} are the same setting: give one`);
        c.setOptionValue('parallel', fanout);
      });
    }
  }
  return cmd;
}
