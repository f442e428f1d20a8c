/**
 * ProxyCommand: the command ssh would spawn to reach a host (a bastion's `ssh -W`, `nc`, AWS SSM),
 * with SSH spoken over its stdin/stdout. The command runs in its own process group so that
 * ending the connection (or missing the connect deadline) leaves nothing of it running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { LogSink } from '../core/log-sink.js';
import { UsageError } from '../errors.js';
import { localUser } from './auth.js';
import { expandTokens } from './config/tokens.js';
import type { ResolvedHostConfig } from './config/types.js';

/** Lines of the command's stderr kept for the failure message. */
const STDERR_TAIL_LINES = 3;

/**
 * The command line as ssh runs it: `exec ` prepended (so the shell becomes the command), and
 * the tokens OpenSSH expands in ProxyCommand (%h %p %r %n %%) replaced. Throws a UsageError
 * for any other token, as ssh refuses it.
 */
export function proxyCommandLine(cfg: ResolvedHostConfig, originalHost: string): string {
  const raw = cfg.proxyCommand ?? '';
  const value = expandTokens(
    { value: raw, source: 'ProxyCommand', line: 0 },
    {
      h: () => cfg.hostName,
      p: () => String(cfg.port ?? 22),
      r: () => cfg.user ?? localUser(),
      n: () => originalHost,
    },
    false,
    'ProxyCommand',
  );
  return `exec ${value}`;
}

export interface ProxyProcess {
  /** The command's stdout (read) and stdin (write) as one stream, for ssh2's `sock`. */
  sock: Duplex;
  /** Kill the command's process group (idempotent). */
  kill(): void;
  /** Why the connection failed when the command did: exit status and its last stderr lines. */
  failure(): string | undefined;
}

/** Spawn `/bin/sh -c LINE`; its stderr goes to `log`, one line at a time, prefixed by `label`. */
export function spawnProxyCommand(line: string, shown: string, label: string, log: LogSink): ProxyProcess {
  const child: ChildProcess = spawn('/bin/sh', ['-c', line], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const tail: string[] = [];
  let exit: string | undefined;
  let spawnError: string | undefined;
  let partial = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) note(l);
  });
  const note = (l: string): void => {
    if (l.trim() === '') return;
    log.info(`${label}: ProxyCommand: ${l}`);
    tail.push(l.trim());
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
  };
  child.once('error', (err) => (spawnError = err.message));
  child.once('exit', (code, signal) => {
    if (partial !== '') note(partial);
    partial = '';
    exit = signal ? `was killed by ${signal}` : `exited with status ${code}`;
  });
  const sock = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  // ssh2 writes to a closed pipe when the command is gone; the failure is reported from `exit`.
  sock.on('error', (err) => log.debug(`${label}: ProxyCommand stream: ${err.message}`));
  let killed = false;
  return {
    sock,
    kill() {
      if (killed) return;
      killed = true;
      // The whole group: a command that is a pipeline, or forks, leaves nothing behind. A
      // group id is not reused while any member lives, so this never hits a stranger.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is gone already.
        }
      }
      sock.destroy();
    },
    failure() {
      if (spawnError !== undefined) return `ProxyCommand '${shown}' could not start: ${spawnError}`;
      if (exit === undefined) return undefined;
      return `ProxyCommand '${shown}' ${exit}${tail.length > 0 ? `: ${tail.join(' / ')}` : ''}`;
    },
  };
}

/** The expanded command, or a one-line reason it cannot be built. */
export function tryProxyCommandLine(cfg: ResolvedHostConfig, originalHost: string): { line: string } | { error: string } {
  try {
    return { line: proxyCommandLine(cfg, originalHost) };
  } catch (err) {
    if (err instanceof UsageError) return { error: err.message };
    throw err;
  }
}
