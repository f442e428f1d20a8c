/**
 * A slot's long-lived process, local or a channel on the host's connection, with its stdin
 * kept open: what both dispatch's line workers (line-worker.ts) and remote command runners
 * (command-runner.ts) talk to. A remote channel opens after the first write may be asked for,
 * so writes are held until its stdin is there. Killing it kills its tree (local-process /
 * remote-exec, through `start`).
 */
import type { ProcessResult, StdinPipe, StreamName } from '../core/capped-output.js';
import type { KillReason } from '../core/kill-reason.js';

export interface WorkerIo {
  signal: AbortSignal;
  onStdin: (pipe: StdinPipe) => void;
  onOutput: (stream: StreamName, chunk: Buffer) => void;
}

export type StartWorker = (io: WorkerIo) => Promise<ProcessResult>;

export class SlotProcess {
  private readonly ctl = new AbortController();
  private stdin: StdinPipe | undefined;
  private early: Buffer[] = [];
  /** How the process ended; never rejects. */
  readonly ended: Promise<ProcessResult>;

  constructor(start: StartWorker, onStdout: (chunk: Buffer) => void) {
    this.ended = start({
      signal: this.ctl.signal,
      onStdin: (pipe) => {
        this.stdin = pipe;
        for (const b of this.early.splice(0)) pipe.write(b);
      },
      onOutput: (stream, chunk) => {
        if (stream === 'stdout') onStdout(chunk);
      },
    });
  }

  /** Aborted once it is being killed; its reason names the outcome. */
  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  write(data: Buffer): void {
    if (this.stdin) this.stdin.write(data);
    else this.early.push(data);
  }

  /** Kill its whole tree; `reason` names the outcome of what it was doing. */
  kill(reason: unknown): void {
    if (!this.ctl.signal.aborted) this.ctl.abort(reason);
  }

  /** EOF on its stdin (it leaves its loop), then its tree killed if it has not gone after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stdin?.end();
    const timer = setTimeout(() => this.kill({ kind: 'cancelled' } satisfies KillReason), graceMs);
    await this.ended;
    clearTimeout(timer);
  }
}
