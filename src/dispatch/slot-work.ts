/**
 * What runs on one slot, in both dispatch modes, local or on a host: a command per line (a
 * local process; on a host a request to the slot's command runner, or an exec channel of the
 * host's one connection where it has no runner), or a line handed to the slot's long-lived
 * worker. Results are the runner's JobWork; a lost host shows as a `lost` or `unreachable`
 * outcome, which the caller turns into a requeue.
 */
import type { ProcessResult } from '../core/capped-output.js';
import type { LogSink } from '../core/log-sink.js';
import { runLocalProcess } from '../core/local-process.js';
import type { Outcome } from '../core/outcome.js';
import type { HostSpec } from '../hosts/host-spec.js';
import type { Connections } from '../runner/connections.js';
import { execRemote } from '../ssh/remote-exec.js';
import { CommandRunner } from './command-runner.js';
import { LineWorker } from './line-worker.js';
import type { StartWorker, WorkerIo } from './slot-process.js';
import { RUNNER_COMMAND } from './runner-script.js';
import { LOCAL, type Slot } from './slots.js';

export interface SlotRunnerOptions {
  connections: Connections | undefined;
  specs: ReadonlyMap<string, HostSpec>;
  outputCapBytes: number;
  env?: Record<string, string>;
  log: LogSink;
  onWorkerEnded?: (slot: Slot, outcome: Outcome) => void;
}

/** Whether an outcome says the host (not the job) failed: the line goes elsewhere. */
export function isHostLoss(o: Outcome): o is Extract<Outcome, { kind: 'lost' | 'unreachable' }> {
  return o.kind === 'lost' || o.kind === 'unreachable';
}

function notStarted(outcome: Outcome): ProcessResult {
  return { outcome, stdout: '', stderr: '', stdoutBytes: Buffer.alloc(0), stderrBytes: Buffer.alloc(0), truncated: { stdout: 0, stderr: 0 } };
}

export class SlotRunner {
  private readonly workers = new Map<string, LineWorker>();
  private readonly runners = new Map<string, CommandRunner>();
  /** Hosts that cannot run a command runner (no perl): a channel per job there. */
  private readonly noRunner = new Set<string>();

  constructor(private readonly opts: SlotRunnerOptions) {}

  /**
   * Run `command` once on the slot (command mode): locally a process; on a host through the
   * slot's command runner, or a channel of its own where the host has no runner.
   */
  async command(slot: Slot, command: string, signal: AbortSignal): Promise<ProcessResult> {
    if (slot.host === LOCAL || this.noRunner.has(slot.host)) return this.process(slot, command, { signal }, this.opts.outputCapBytes);
    const key = `${slot.host}#${slot.n}`;
    let runner = this.runners.get(key);
    if (!runner) {
      runner = new CommandRunner((io) => this.process(slot, RUNNER_COMMAND, io, 64 * 1024));
      this.runners.set(key, runner);
    }
    const r = await runner.run(command, signal, this.opts.outputCapBytes);
    if (r) return r;
    if (!this.noRunner.has(slot.host)) this.opts.log.info(`${slot.host}: no perl to run a command runner: one channel per job there`);
    this.noRunner.add(slot.host);
    return this.process(slot, command, { signal }, this.opts.outputCapBytes);
  }

  /** Hand `line` to the slot's worker (worker mode), starting or restarting it as needed. */
  line(slot: Slot, workerCommand: string, line: Buffer, signal: AbortSignal): ReturnType<LineWorker['run']> {
    const key = `${slot.host}#${slot.n}`;
    let w = this.workers.get(key);
    if (!w) {
      const start: StartWorker = (io) =>
        this.process(slot, workerCommand, io, 64 * 1024).then((r) => {
          if (!io.signal.aborted) this.opts.onWorkerEnded?.(slot, r.outcome);
          return r;
        });
      w = new LineWorker(start);
      this.workers.set(key, w);
    }
    return w.run(line, signal);
  }

  /** Worker processes started beyond the first per slot. */
  get restarts(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.restarts;
    return n;
  }

  /** End every worker and command runner: EOF first (each finishes its loop), then its tree killed. */
  async stopWorkers(): Promise<void> {
    await Promise.all([...this.workers.values(), ...this.runners.values()].map((w) => w.stop()));
  }

  private async process(slot: Slot, command: string, io: Partial<WorkerIo> & { signal: AbortSignal }, cap: number): Promise<ProcessResult> {
    const common = {
      command,
      signal: io.signal,
      outputCapBytes: cap,
      ...(io.onOutput ? { onOutput: io.onOutput } : {}),
      ...(io.onStdin ? { onStdin: io.onStdin } : {}),
    };
    if (slot.host === LOCAL) {
      return runLocalProcess({ ...common, env: { ...process.env, ...this.opts.env, LWT_SLOT: String(slot.n) } });
    }
    const spec = this.opts.specs.get(slot.host);
    if (!spec || !this.opts.connections) return notStarted({ kind: 'internal', message: `no connection for ${slot.host}` });
    const lease = await this.opts.connections.acquire(spec, io.signal);
    if (!lease.ok) return notStarted(lease.outcome);
    let r: ProcessResult | undefined;
    try {
      r = await execRemote(lease.client, { ...common, env: { ...this.opts.env, LWT_SLOT: String(slot.n) }, log: this.opts.log });
      return r;
    } finally {
      // A lost session means a dead connection: drop it. A job killed on purpose (its deadline)
      // leaves the connection as it was: the host's other slots go on over it.
      lease.release({ broken: r === undefined || r.outcome.kind === 'lost' });
    }
  }
}
