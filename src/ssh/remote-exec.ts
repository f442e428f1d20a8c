import type { Client, ClientChannel } from './vendor.js';
import { CapturedOutput, type ProcessResult, type StdinPipe, type StreamName } from '../core/capped-output.js';
import { afterKill, killedOutcome, reasonOf } from '../core/kill-reason.js';
import type { Outcome } from '../core/outcome.js';
import { silentLog, type LogSink } from '../core/log-sink.js';
import { parseKillReport, remoteKillCommand } from './remote-kill.js';
import { takePidLine, wrapRemoteCommand } from './remote-command.js';

export interface RemoteExecOptions {
  command: string;
  /** Aborting kills the remote tree; the reason (KillReason) names the outcome. */
  signal: AbortSignal;
  outputCapBytes: number;
  onOutput?: (stream: StreamName, chunk: Buffer) => void;
  env?: Record<string, string>;
  sudo?: boolean;
  /** No watchdog on the host: the command outlives a dead connection (see remote-command.ts). */
  detach?: boolean;
  /** Sent to the command's stdin, then EOF. Without it, stdin is closed at once. */
  stdin?: Buffer;
  /** Keep stdin open and hand it over (instead of `stdin`): a long-lived worker's input. */
  onStdin?: (pipe: StdinPipe) => void;
  /** How long the remote kill may take before we give up on it and close. @default 5000 */
  killTimeoutMs?: number;
  log?: LogSink;
}

/**
 * Run one command over an open connection, the remote twin of runLocalProcess: the same
 * result shape, the same rule that our kill reason wins. On abort the remote process tree is
 * killed through a second channel (see remote-kill.ts) before the channel is closed.
 * Never rejects.
 */
/** How long a kill waits for the shell's pid line before it kills by cookie alone. */
const PID_WAIT_MS = 2000;

export function execRemote(client: Client, opts: RemoteExecOptions): Promise<ProcessResult> {
  const log = opts.log ?? silentLog;
  const wrapped = wrapRemoteCommand({
    command: opts.command,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.sudo ? { sudo: true } : {}),
    ...(opts.detach ? { detach: true } : {}),
  });
  const out = new CapturedOutput(opts.outputCapBytes);

  return new Promise<ProcessResult>((resolve) => {
    if (opts.signal.aborted) {
      resolve(out.result(killedOutcome(reasonOf(opts.signal), 0, false)));
      return;
    }
    let pid: number | undefined;
    let pidBuffer: string | undefined = ''; // undefined once the pid line is consumed
    let exit: Outcome | undefined;
    let channel: ClientChannel | undefined;
    let killing: Promise<number> | undefined;
    let done = false;
    let connectionClosed = false;
    const onClientClose = (): void => {
      connectionClosed = true;
    };
    client.once('close', onClientClose);

    const finish = (outcome: Outcome, endedBeforeKill?: true): void => {
      if (done) return;
      done = true;
      opts.signal.removeEventListener('abort', onAbort);
      client.removeListener('close', onClientClose);
      resolve(out.result(outcome, pid, endedBeforeKill));
    };

    // A cancel can come before the shell has told its pid (lwt | head ends within a few ms of
    // the first line): the kill script then finds the job's children by their cookie but not
    // the shell itself (the cookie is exported after it started), and the shell runs on. So the
    // kill waits for the pid line, the channel's end, or a short bound.
    let pidSeen: () => void = () => undefined;
    const pidKnown = new Promise<void>((res) => (pidSeen = res));
    const onAbort = (): void => {
      if (killing) return;
      const reason = reasonOf(opts.signal);
      const bound = new Promise<void>((res) => setTimeout(res, PID_WAIT_MS).unref());
      killing = Promise.race([pidKnown, bound]).then(() => killRemote(client, wrapped.cookie, pid, opts.sudo === true, opts.killTimeoutMs ?? 5000, log)).then((n) => {
        channel?.close();
        return n;
      });
      // An exit status that was on its way when the kill began has come by now (the kill is a
      // channel and a script): with nothing left to kill, it is the job's outcome (afterKill).
      void killing.then((killed) => {
        const a = afterKill(exit, reason, killed);
        finish(a.outcome, a.endedBeforeKill);
      });
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });

    const onStderr = (chunk: Buffer): void => {
      if (pidBuffer !== undefined) {
        const taken = takePidLine(pidBuffer + chunk.toString('latin1'));
        if (!taken) {
          pidBuffer += chunk.toString('latin1');
          return;
        }
        pidBuffer = undefined;
        if (taken.pid !== undefined) pid = taken.pid;
        pidSeen();
        if (taken.rest === '') return;
        chunk = Buffer.from(taken.rest, 'latin1');
      }
      out.stderr.push(chunk);
      opts.onOutput?.('stderr', chunk);
    };

    client.exec(wrapped.line, (err, stream) => {
      if (err) {
        pidSeen();
        // The host was reached; it (or the connection) then refused the session.
        finish({ kind: 'lost', message: `cannot open a session channel: ${err.message}` });
        return;
      }
      channel = stream;
      if (opts.signal.aborted) onAbort();
      stream.on('data', (c: Buffer) => {
        out.stdout.push(c);
        opts.onOutput?.('stdout', c);
      });
      stream.stderr.on('data', onStderr);
      stream.on('exit', (code: number | null, signal?: string, coreDumped?: boolean) => {
        if (code !== null && code !== undefined) exit = { kind: 'exited', code };
        else if (signal) exit = { kind: 'signaled', signal: signal.startsWith('SIG') ? signal : `SIG${signal}`, coreDumped: coreDumped === true };
      });
      stream.on('close', () => {
        pidSeen();
        if (killing) return; // the kill decides the outcome
        if (exit) return finish(exit);
        // Without an exit status: a connection that died closes its channels first and
        // itself right after, in the same turn; only a live connection means no-status.
        setImmediate(() => finish(connectionClosed ? { kind: 'lost', message: 'the connection closed while the command ran' } : { kind: 'no-status' }));
      });
      stream.on('error', (e: Error) => log.debug(`channel error: ${e.message}`));
      // The wrapper reads the cookie off the first line, the command gets the rest.
      stream.write(`${wrapped.cookie}\n`);
      if (opts.stdin) stream.end(opts.stdin);
      else if (opts.onStdin) opts.onStdin({ write: (d, done) => writeTo(stream, d, done), end: () => stream.end() });
      else stream.end();
    });
  });
}

/** Open a second channel that runs the kill script (the cookie on its stdin); resolves with how many processes died. */
function killRemote(client: Client, cookie: string, pid: number | undefined, sudo: boolean, timeoutMs: number, log: LogSink): Promise<number> {
  const report = (stdout: string): number => {
    const r = parseKillReport(stdout);
    if (r.refusedPid !== undefined) log.warn(`the host reported pid ${r.refusedPid} as the job's session, but it is not a session of this connection: ignored`);
    return r.killed;
  };
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => {
      log.warn(`remote kill did not finish within ${timeoutMs} ms`);
      resolve(report(out));
    }, timeoutMs);
    try {
      client.exec(remoteKillCommand(pid, sudo), (err, stream) => {
        if (err) {
          clearTimeout(timer);
          log.warn(`cannot open a channel for the remote kill: ${err.message}`);
          resolve(0);
          return;
        }
        stream.on('data', (c: Buffer) => (out += c.toString()));
        stream.stderr.on('data', () => undefined);
        stream.on('close', () => {
          clearTimeout(timer);
          resolve(report(out));
        });
        stream.end(`${cookie}\n`);
      });
    } catch (err) {
      clearTimeout(timer);
      log.warn(`remote kill failed: ${String(err)}`);
      resolve(0);
    }
  });
}

/** Write to the channel; `done` once ssh2 took the data (copied into packets) or the channel closed. */
function writeTo(stream: ClientChannel, data: string | Buffer, done?: () => void): void {
  if (!stream.writable) {
    done?.();
    return;
  }
  if (!done) {
    stream.write(data);
    return;
  }
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    stream.off('close', once);
    done();
  };
  stream.on('close', once);
  stream.write(data, once);
}
