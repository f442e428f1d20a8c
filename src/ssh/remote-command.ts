import { randomBytes } from 'node:crypto';
import { JOB_COOKIE_VAR } from '../core/local-process.js';
import { UsageError } from '../errors.js';
import { shellQuote } from '../core/shell-quote.js';
import { remoteWatchWords } from './remote-kill.js';

/**
 * The first bytes the remote side writes to stderr: the pid of the remote shell, which sshd
 * made a session (and process-group) leader with setsid(). lwt strips this line before the
 * operator sees stderr, and uses the pid as the session to kill.
 */
export const PID_MARKER = '\u001eLWT-PID ';

export interface RemoteCommandOptions {
  command: string;
  /** Extra environment for the command (--env K=V), exported by the wrapper: sshd's AcceptEnv does not matter. */
  env?: Record<string, string>;
  /** Run under `sudo -n` (never prompts: fails at once without NOPASSWD). */
  sudo?: boolean;
  /** No watchdog: the command keeps running when the connection goes away (lwt killed, network down). */
  detach?: boolean;
}

export interface RemoteCommand {
  /** What is sent in the exec request. */
  line: string;
  /**
   * The job cookie's value (`LWT_JOB=<value>` in the environment of every process of the
   * job). It must be the first line of the command's stdin: the wrapper reads it from there,
   * so it never appears in a command line, which `ps` shows to every user of the host.
   */
  cookie: string;
}

/**
 * Wrap the operator's command so the remote job can be found and killed as a whole.
 * sshd runs the line with the login shell, which it made a session (and process-group)
 * leader with setsid(). The preamble reports that shell's pid, reads the job cookie from the
 * first line of stdin and exports it, using builtins only, and starts the watchdog in the
 * background (see remote-kill.ts: it kills the job when the connection's sshd session goes
 * away, unless `detach`); the command follows on its own line, so it is parsed by the login
 * shell exactly as `ssh host CMD` would. `read` takes one line and no more from a pipe, so
 * the rest of stdin is the command's.
 * With --sudo the command needs a new process anyway: `sudo -n /bin/sh -c PREAMBLE+CMD sh
 * LEADER SSHD`, the login shell's pid and its parent passed for the watchdog.
 */
export function wrapRemoteCommand(opts: RemoteCommandOptions): RemoteCommand {
  const cookie = randomBytes(9).toString('hex');
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new UsageError(`--env ${k}=…: '${k}' is not a valid variable name`);
    return shellQuote(`${k}=${v}`);
  });
  const report = `printf '${PID_MARKER.replace('\u001e', '\\036')}%s\\n' $$ >&2`;
  const setup = `read -r ${JOB_COOKIE_VAR}; export ${[JOB_COOKIE_VAR, ...env].join(' ')}`;
  if (opts.sudo) {
    const watch = opts.detach ? [] : [remoteWatchWords('"$1"', '"$2"', true, waits(opts.command))];
    const inner = [setup, ...watch, 'shift 2', opts.command].join('\n');
    return { line: `${report}; exec sudo -n /bin/sh -c ${shellQuote(inner)} sh $$ $PPID`, cookie };
  }
  const watch = opts.detach ? [] : [remoteWatchWords('$$', '$PPID', false, waits(opts.command))];
  return { line: [`${report}; ${setup}`, ...watch, opts.command].join('\n'), cookie };
}

/**
 * Whether the command may run the shell's `wait`: then bash gets the watchdog that no bare
 * `wait` waits for (see remoteWatchWords), rather than the cheaper one that would hold such a
 * `wait` up to a second. A guess from the text (a `wait` inside a function or a sourced file is
 * not seen); it errs towards the safe kind.
 */
export function waits(command: string): boolean {
  return /(^|[^A-Za-z0-9_-])wait($|[^A-Za-z0-9_-])/.test(command);
}

/**
 * Parse the pid line off the start of stderr. Returns undefined until a whole line has
 * arrived (or when stderr does not start with the marker: then it is all user output).
 */
export function takePidLine(buffered: string): { pid?: number; rest: string } | undefined {
  if (!PID_MARKER.startsWith(buffered.slice(0, PID_MARKER.length)) ) return { rest: buffered };
  const nl = buffered.indexOf('\n');
  if (nl < 0) return buffered.length > 64 ? { rest: buffered } : undefined;
  const pid = Number(buffered.slice(PID_MARKER.length, nl));
  return Number.isInteger(pid) && pid > 1 ? { pid, rest: buffered.slice(nl + 1) } : { rest: buffered };
}
