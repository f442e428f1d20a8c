/**
 * Command mode on a remote slot: jobs go to the slot's long-lived runner (runner-script.ts)
 * instead of each opening a channel. One job at a time per runner; its output and wait status
 * come back in frames (runner-frames.ts). When the runner ends under a job, the job ends with
 * the runner's outcome (a lost connection stays `lost`, so the line is requeued); a cancelled
 * or timed-out job kills the runner's whole tree, and the next job starts a fresh runner.
 *
 * `run` answers `undefined` when the host cannot run the runner (no perl): the caller then
 * runs commands there one channel each.
 */
import { CapturedOutput, type ProcessResult } from '../core/capped-output.js';
import { killedOutcome, reasonOf } from '../core/kill-reason.js';
import { describeOutcome, fromWaitStatus, type Outcome } from '../core/outcome.js';
import { encodeRequest, RunnerFrames } from './runner-frames.js';
import { NO_RUNNER_EXIT } from './runner-script.js';
import { SlotProcess, type StartWorker } from './slot-process.js';

interface Job {
  out: CapturedOutput;
  resolve: (r: ProcessResult | undefined) => void;
}

interface Proc {
  process: SlotProcess;
  frames: RunnerFrames;
  /** Set when its stdout stopped being frames: where. */
  garbage?: string;
}

export class CommandRunner {
  private proc: Proc | undefined;
  private job: Job | undefined;
  private started = 0;

  /** `start` runs the runner command (remote-exec with stdin kept open). */
  constructor(private readonly start: StartWorker) {}

  /** Runners started so far (one, unless jobs were cancelled or runners died). */
  get starts(): number {
    return this.started;
  }

  run(command: string, signal: AbortSignal, capBytes: number): Promise<ProcessResult | undefined> {
    if (this.job) throw new Error('a command runner runs one job at a time');
    const out = new CapturedOutput(capBytes);
    if (signal.aborted) return Promise.resolve(out.result(killedOutcome(reasonOf(signal), 0, false)));
    const proc = this.proc ?? this.spawn();
    return new Promise<ProcessResult | undefined>((resolve) => {
      const onAbort = (): void => proc.process.kill(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.job = {
        out,
        resolve: (r) => {
          signal.removeEventListener('abort', onAbort);
          this.job = undefined;
          resolve(r);
        },
      };
      proc.process.write(encodeRequest(command));
    });
  }

  /** EOF to the runner (it leaves after its job), and its tree killed if it has not gone after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    await this.proc?.process.stop(graceMs);
  }

  private spawn(): Proc {
    this.started++;
    const proc: Proc = {
      frames: new RunnerFrames(),
      process: new SlotProcess(this.start, (chunk) => {
        if (this.proc === proc) this.onFrames(proc, chunk);
      }),
    };
    this.proc = proc;
    void proc.process.ended.then((r) => {
      if (this.proc === proc) this.proc = undefined;
      const job = this.job;
      if (!job) return;
      if (!proc.frames.isReady && r.outcome.kind === 'exited' && r.outcome.code === NO_RUNNER_EXIT) return job.resolve(undefined);
      job.resolve(job.out.result(this.endedUnder(proc, r)));
    });
    return proc;
  }

  /** The job's outcome when its runner ended before reporting it. */
  private endedUnder(proc: Proc, r: ProcessResult): Outcome {
    const o = r.outcome;
    if (proc.garbage !== undefined) return { kind: 'failed', message: `the slot's command runner wrote something that is not its protocol, near ${proc.garbage}` };
    // Killed for the job (deadline, cancel), or the connection went away: that is the job's outcome.
    const killed = proc.process.signal;
    if (killed.aborted) return o.kind === 'timeout' || o.kind === 'cancelled' ? o : killedOutcome(reasonOf(killed), 0);
    if (o.kind === 'lost' || o.kind === 'unreachable' || o.kind === 'local-error') return o;
    const said = r.stderr.trim().split('\n').pop();
    return { kind: 'failed', message: `the slot's command runner ended while the job ran (${describeOutcome(o)}${said ? `: ${said}` : ''})` };
  }

  private onFrames(proc: Proc, chunk: Buffer): void {
    for (const f of proc.frames.push(chunk)) {
      const job = this.job;
      if (f.type === 'output') {
        if (job) (f.stream === 'stdout' ? job.out.stdout : job.out.stderr).push(f.data);
      } else if (f.type === 'exit') {
        job?.resolve(job.out.result(fromWaitStatus(f.status)));
      } else if (f.type === 'garbage') {
        // Not our protocol any more: kill it; the job fails with where it broke.
        proc.garbage = f.near;
        proc.process.kill({ kind: 'cancelled' });
      }
    }
  }
}
