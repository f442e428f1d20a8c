/**
 * One long-lived small process that starts the local jobs of a run (spawner-script.ts says why
 * and how), so that lwt's node process does not fork once per job. Output and ends come back
 * framed on one pipe; killing stays lwt's (kill-tree.ts, by the pid each start reports).
 * Python's posix_spawn first (spawner-python.ts: no fork at all), else Perl's fork.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { SPAWNER_PYTHON } from './spawner-python.js';
import { SPAWNER_SCRIPT } from './spawner-script.js';
import type { StreamName } from './capped-output.js';

export interface SpawnedJob {
  /** The job's shell started as `pid` (its own session and process group). */
  onStart(pid: number): void;
  onOutput(stream: StreamName, chunk: Buffer): void;
  /** Shell exited and both pipes closed: the raw wait status. */
  onEnd(waitStatus: number): void;
  /** Not started, or the spawner was lost before it ended. */
  onError(message: string): void;
}

const START_TIMEOUT_MS = 5000;

export interface SpawnerKind {
  /** Named in messages: "the job spawner (perl) ended". */
  name: string;
  command: string;
  args: readonly string[];
}

/**
 * In the order tried. The system's Python by its path: a python3 found first on PATH may be a
 * version manager's shell shim that costs more to start (60 ms here) than the spawner saves
 * on a short run. -I -S: no PYTHON* variables, no user or site packages.
 */
export const SPAWNER_KINDS: readonly SpawnerKind[] = [
  { name: 'python3', command: '/usr/bin/python3', args: ['-I', '-S', '-c', SPAWNER_PYTHON] },
  { name: 'perl', command: 'perl', args: ['-e', SPAWNER_SCRIPT] },
];

/**
 * The kinds to try, from a comma-separated list of names (`LWT_SPAWNER`): unset or empty for
 * all in their order, `none` for lwt to fork every job itself. Undefined for a name not known.
 */
export function spawnerKinds(setting: string | undefined): SpawnerKind[] | undefined {
  if (!setting?.trim()) return [...SPAWNER_KINDS];
  const names = setting.split(',').map((n) => n.trim()).filter((n) => n && n !== 'none');
  const kinds = names.map((n) => SPAWNER_KINDS.find((k) => k.name === n));
  return kinds.every((k) => k !== undefined) ? (kinds as SpawnerKind[]) : undefined;
}

export class Spawner {
  private readonly jobs = new Map<number, SpawnedJob>();
  private nextId = 1;
  private pending: Buffer[] = [];
  private lost: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    /** Which kind runs (SpawnerKind.name). */
    readonly name: string,
  ) {
    child.stdin.on('error', () => undefined); // EPIPE when it died: reported through 'close'
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /**
   * The first spawner of `kinds` that said it is ready; undefined where none can run: the
   * caller then starts jobs itself. `env` is every job's environment (each also gets its cookie).
   */
  static async start(env: NodeJS.ProcessEnv = process.env, kinds: readonly SpawnerKind[] = SPAWNER_KINDS): Promise<Spawner | undefined> {
    for (const kind of kinds) {
      const s = await Spawner.startOne(kind, env);
      if (s) return s;
    }
    return undefined;
  }

  private static async startOne(kind: SpawnerKind, env: NodeJS.ProcessEnv): Promise<Spawner | undefined> {
    let child: ChildProcessByStdio<Writable, Readable, null>;
    try {
      child = spawn(kind.command, kind.args, { stdio: ['pipe', 'pipe', 'inherit'], env });
    } catch {
      return undefined;
    }
    const s = new Spawner(child, kind.name);
    const ready = await new Promise<boolean>((resolve) => {
      // It answers at once; one that does not is not waited for (lwt starts the jobs itself).
      setTimeout(() => resolve(false), START_TIMEOUT_MS).unref();
      child.once('error', () => resolve(false));
      child.once('close', () => resolve(false));
      child.stdout.once('data', (c: Buffer) => {
        if (c.subarray(0, 2).toString() !== 'R\n') return resolve(false);
        s.read(c.subarray(2));
        resolve(true);
      });
    });
    if (!ready) {
      child.kill('SIGKILL');
      return undefined;
    }
    child.stdout.on('data', (c: Buffer) => s.read(c));
    child.once('close', (code, sig) => s.lose(`the job spawner (${kind.name}) ended: ${sig ?? `status ${code}`}`));
    return s;
  }

  run(command: string, cookie: string, job: SpawnedJob): void {
    if (this.lost) return job.onError(this.lost);
    const id = this.nextId++;
    this.jobs.set(id, job);
    const cmd = Buffer.from(command);
    this.child.stdin.write(Buffer.concat([Buffer.from(`S ${id} ${cookie} ${cmd.length}\n`), cmd]));
  }

  /**
   * No more jobs: it exits once the running ones have ended. `Q` says so; the end of its
   * input alone means lwt died, and the spawner then kills its jobs (spawner-script.ts).
   */
  async close(): Promise<void> {
    this.child.stdin.end('Q\n');
    await this.exited;
  }

  private lose(message: string): void {
    this.lost ??= message;
    for (const job of this.jobs.values()) job.onError(this.lost);
    this.jobs.clear();
  }

  /** Frames, possibly cut anywhere across chunks. */
  private read(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    for (;;) {
      const nl = buf.indexOf(10);
      if (nl < 0) break;
      const line = buf.subarray(0, nl).toString('latin1');
      const [kind, idText, a, b] = line.split(' ');
      const job = this.jobs.get(Number(idText));
      if (kind === 'O') {
        const end = nl + 1 + Number(b);
        if (buf.length < end) break;
        job?.onOutput(a === '1' ? 'stdout' : 'stderr', Buffer.from(buf.subarray(nl + 1, end)));
        buf = buf.subarray(end);
        continue;
      }
      buf = buf.subarray(nl + 1);
      if (kind === 'P') job?.onStart(Number(a));
      else if (kind === 'E' || kind === 'F') {
        this.jobs.delete(Number(idText));
        if (kind === 'E') job?.onEnd(Number(a));
        else job?.onError(`cannot start the job: ${line.split(' ').slice(2).join(' ')}`);
      }
    }
    this.pending = buf.length ? [buf] : [];
  }
}
