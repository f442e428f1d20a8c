import { randomBytes } from 'node:crypto';
import { JOB_COOKIE_VAR } from '../core/local-process.js';
import { UsageError } from '../errors.js';
import { shellQuote } from '../core/shell-quote.js';

/**
 * The first bytes the remote side writes to stderr: the pid of the remote shell, which sshd
 * made a session (and process-group) leader with setsid(). lwt strips this line before the
 * operator sees stderr, and uses the pid as the session to kill.
 */
export const PID_MARKER = '\u001eLWT-PID ';

export interface RemoteCommandOptions {
  command: string;
  /** Extra environment for the command (--env K=V): passed through env(1), so sshd's AcceptEnv does not matter. */
  env?: Record<string, string>;
  /** Run under `sudo -n` (never prompts: fails at once without NOPASSWD). */
  sudo?: boolean;
}

export interface RemoteCommand {
  /** What is sent in the exec request. */
  line: string;
  /** `LWT_JOB=<id>`, carried by every process of the job in its environment. */
  cookie: string;
}

/**
 * Wrap the operator's command so the remote job can be found and killed as a whole.
 * sshd runs the line with the login shell, which it made a session (and process-group)
 * leader with setsid(). The preamble reports that shell's pid and exports the job cookie
 * using builtins only; the command follows on its own line, so it is parsed by the login
 * shell exactly as `ssh host CMD` would, and no extra process is started (each exec on the
 * remote side costs more than the whole preamble).
 * With --sudo the command needs a new process anyway: `sudo -n env COOKIE /bin/sh -c CMD`.
 */
export function wrapRemoteCommand(opts: RemoteCommandOptions): RemoteCommand {
  const cookie = `${JOB_COOKIE_VAR}=${randomBytes(9).toString('hex')}`;
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new UsageError(`--env ${k}=…: '${k}' is not a valid variable name`);
    return shellQuote(`${k}=${v}`);
  });
  const report = `printf '${PID_MARKER.replace('\u001e', '\\036')}%s\\n' $$ >&2`;
  if (opts.sudo) {
    const run = ['sudo -n env', cookie, ...env, '/bin/sh -c', shellQuote(opts.command)].join(' ');
    return { line: `${report}; exec ${run}`, cookie };
  }
  return { line: `${report}; export ${[cookie, ...env].join(' ')}\n${opts.command}`, cookie };
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
