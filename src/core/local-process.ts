import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CapturedOutput, type ProcessResult, type StdinPipe, type StreamName } from './capped-output.js';
import { killTree } from './kill-tree.js';
import { afterKill, killedOutcome, reasonOf } from './kill-reason.js';
import { fromNodeExit, fromWaitStatus, type Outcome } from './outcome.js';
import type { Spawner } from './spawner.js';

export type { ProcessResult, StreamName };

export interface LocalProcessOptions {
  command: string;
  /** Aborting kills the job's whole tree; the signal's reason (KillReason) names the outcome. */
  signal: AbortSignal;
  /** Per-stream memory cap in bytes. */
  outputCapBytes: number;
  /** Live output, chunk by chunk, as it arrives. */
  onOutput?: (stream: StreamName, chunk: Buffer) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Data written to the job's stdin; without it stdin is /dev/null. */
  stdin?: Buffer;
  /** Keep stdin open and hand it over (instead of `stdin`): a long-lived worker's input. */
  onStdin?: (pipe: StdinPipe) => void;
  /** Start the job through this spawner (spawner.ts) when no env, cwd or stdin is asked for. */
  spawner?: Spawner;
}

/** The environment variable that marks every process of a job (see kill-tree.ts). */
export const JOB_COOKIE_VAR = 'LWT_JOB';

/**
 * Run `sh -c COMMAND` in a session and process group of its own (detached: Node calls
 * setsid), so the whole job can be frozen and killed without touching lwt.
 * Never rejects: a spawn failure is a 'local-error' outcome.
 * The job ends when the shell has exited AND its output pipes are closed, as ssh does:
 * a background child still writing to our pipe is still part of the job.
 */
export function runLocalProcess(opts: LocalProcessOptions): Promise<ProcessResult> {
  const cookie = `${JOB_COOKIE_VAR}=${process.pid}.${randomBytes(6).toString('hex')}`;
  const out = new CapturedOutput(opts.outputCapBytes);

  return new Promise<ProcessResult>((resolve) => {
    if (opts.signal.aborted) {
      resolve(out.result(killedOutcome(reasonOf(opts.signal), 0, false)));
      return;
    }
    let pid: number | undefined;
    let killing: Promise<number> | undefined;
    const onAbort = (): void => {
      if (pid === undefined || killing) return;
      killing = killTree({ rootPid: pid, pgid: pid, sid: pid, cookie }).then((r) => r.killed);
    };
    const started = (p: number | undefined): void => {
      pid = p;
      if (opts.signal.aborted) onAbort(); // aborted while the spawner was starting it
    };
    const output = (stream: StreamName, c: Buffer): void => {
      out[stream].push(c);
      opts.onOutput?.(stream, c);
    };
    const failed = (message: string): void => {
      opts.signal.removeEventListener('abort', onAbort);
      // A job started by a spawner that was then lost may still run: it is killed first.
      if (pid !== undefined) onAbort();
      void (killing ?? Promise.resolve(0)).then(() => resolve(out.result({ kind: 'local-error', message }, pid)));
    };
    const ended = (raw: Outcome): void => {
      opts.signal.removeEventListener('abort', onAbort);
      if (!opts.signal.aborted) {
        resolve(out.result(raw, pid));
        return;
      }
      const reason = reasonOf(opts.signal);
      void (killing ?? Promise.resolve(0)).then((killed) => {
        const { outcome, endedBeforeKill } = afterKill(raw, reason, killed);
        resolve(out.result(outcome, pid, endedBeforeKill));
      });
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });

    if (opts.spawner && !opts.stdin && !opts.onStdin && !opts.env && !opts.cwd) {
      opts.spawner.run(opts.command, cookie.slice(JOB_COOKIE_VAR.length + 1), {
        onStart: started,
        onOutput: output,
        onEnd: (status) => ended(fromWaitStatus(status)),
        onError: failed,
      });
      return;
    }
    const child = spawn('/bin/sh', ['-c', opts.command], {
      detached: true,
      stdio: [opts.stdin || opts.onStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: { ...(opts.env ?? process.env), [JOB_COOKIE_VAR]: cookie.slice(JOB_COOKIE_VAR.length + 1) },
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    started(child.pid);
    child.stdout!.on('data', (c: Buffer) => output('stdout', c));
    child.stderr!.on('data', (c: Buffer) => output('stderr', c));
    if (opts.stdin && child.stdin) {
      child.stdin.on('error', () => undefined); // EPIPE when the command does not read its input
      child.stdin.end(opts.stdin);
    } else if (opts.onStdin && child.stdin) {
      const stdin = child.stdin;
      stdin.on('error', () => undefined); // EPIPE when the worker died: its 'close' tells the rest
      opts.onStdin({ write: (d) => void (stdin.writable && stdin.write(d)), end: () => stdin.end() });
    }
    child.once('error', (err) => failed(`cannot run /bin/sh: ${err.message}`));
    // 'close' comes after 'exit' and after both pipes have closed.
    child.once('close', (code, sig) => ended(fromNodeExit(code, sig)));
  });
}
