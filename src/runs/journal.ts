import { chmod, mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { UsageError } from '../errors.js';
import { outcomeJson, type Outcome } from '../core/outcome.js';
import { homePaths } from '../home.js';
import { outputBytes, type JobResult } from '../runner/results.js';
import { hostFileName } from '../hosts/file-name.js';

/** run.json: what ran, where, and (once finished) how it ended. Rewritten atomically. */
export interface RunMeta {
  id: string;
  verb: string;
  command: string;
  argv: string[];
  hostSource: string;
  hosts: string[];
  startedAt: string;
  endedAt?: string;
  wallMs?: number;
  counts?: Partial<Record<string, number>>;
  exitStatus?: number;
}

/** One line of results.jsonl per host, appended as each finishes. */
export interface ResultLine {
  host: string;
  outcome: Outcome;
  durationMs: number;
  stdoutFile?: string;
  stderrFile?: string;
  extra?: Record<string, unknown>;
}

/**
 * Output of remote commands often holds secrets: the journal's files are 0600 and its
 * folders 0700 whatever the umask (a umask only takes bits away).
 */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Runs kept in the journal; older ones are removed when a new run starts. */
const KEEP_RUNS = 500;

/**
 * The journal of every run in the home's .lwt/runs/<id>/: run.json, results.jsonl and
 * out/<host>.stdout|.stderr. Appends are whole lines; a crash can at worst leave a last
 * line unfinished, which readers skip.
 */
export class RunJournal {
  /** Appends to results.jsonl go through one handle, one whole line per write, in order. */
  private results: Promise<FileHandle>;
  private appending: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private meta: RunMeta,
  ) {
    this.results = open(join(dir, 'results.jsonl'), 'a', FILE_MODE);
  }

  static async create(home: string, meta: Omit<RunMeta, 'id' | 'startedAt'>): Promise<RunJournal> {
    const root = homePaths(home).runs;
    await mkdir(root, { recursive: true, mode: DIR_MODE });
    // A runs folder made before the journal was private (or by hand): make it so if it is ours.
    await chmod(root, DIR_MODE).catch(() => undefined);
    await pruneRuns(root, KEEP_RUNS - 1);
    const now = new Date();
    const id = await reserveRunId(root, now);
    const dir = join(root, id);
    await mkdir(join(dir, 'out'), { mode: DIR_MODE });
    const j = new RunJournal(dir, { id, startedAt: now.toISOString(), ...meta });
    await j.writeMeta();
    return j;
  }

  get id(): string {
    return this.meta.id;
  }

  /** Where record() keeps a job's stream, byte for byte (when it is not empty). */
  outputFile(label: string, stream: 'stdout' | 'stderr'): string {
    return join(this.dir, 'out', `${hostFileName(label)}.${stream}`);
  }

  async record(r: JobResult): Promise<void> {
    const line: ResultLine = { host: r.label, outcome: r.outcome, durationMs: r.durationMs };
    const base = hostFileName(r.label);
    if (r.stdout) {
      line.stdoutFile = `out/${base}.stdout`; // outputFile() names the same
      await writeFileAtomic(join(this.dir, line.stdoutFile), outputBytes(r, 'stdout'), FILE_MODE);
    }
    if (r.stderr) {
      line.stderrFile = `out/${base}.stderr`;
      await writeFileAtomic(join(this.dir, line.stderrFile), outputBytes(r, 'stderr'), FILE_MODE);
    }
    if (r.extra) line.extra = r.extra;
    const text = JSON.stringify({ ...line, outcome: outcomeJson(r.outcome) }) + '\n';
    const write = this.appending.then(async () => (await this.results).write(text));
    this.appending = write.catch(() => undefined);
    await write;
  }

  async finish(end: { wallMs: number; counts: Partial<Record<string, number>>; exitStatus: number }): Promise<void> {
    this.meta = { ...this.meta, endedAt: new Date().toISOString(), ...end };
    await this.appending;
    await (await this.results).close();
    await this.writeMeta();
  }

  private writeMeta(): Promise<void> {
    return writeFileAtomic(join(this.dir, 'run.json'), JSON.stringify(this.meta, null, 2) + '\n', FILE_MODE);
  }
}

/**
 * `YYYYMMDD-HHMMSS-NNNN`: ids sort as the runs started, several in one second included (a
 * random suffix did not, and `last` picked the wrong run). The sequence is reserved by
 * mkdir, which only one process can win, so concurrent runs get distinct, ordered ids.
 */
async function reserveRunId(root: string, now: Date): Promise<string> {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  let id = nextRunId(await readdir(root), stamp);
  for (let tries = 0; ; tries++) {
    try {
      await mkdir(join(root, id), { mode: DIR_MODE });
      return id;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 1000) throw err;
      id = nextRunId([id], stamp);
    }
  }
}

/** The first id of second `stamp` after every id in `existing`. */
export function nextRunId(existing: readonly string[], stamp: string): string {
  let last = 0;
  for (const id of existing) {
    const m = /^(\d{8}-\d{6})-(\d{4,})$/.exec(id);
    if (m && m[1] === stamp) last = Math.max(last, Number(m[2]));
  }
  return `${stamp}-${String(last + 1).padStart(4, '0')}`;
}

async function pruneRuns(root: string, keep: number): Promise<void> {
  const ids = (await readdir(root)).filter((d) => /^\d{8}-\d{6}-/.test(d)).sort();
  for (const old of ids.slice(0, Math.max(0, ids.length - keep))) await rm(join(root, old), { recursive: true, force: true });
}

/** Recent runs, newest first. */
export async function listRuns(home: string, limit = 20): Promise<RunMeta[]> {
  const root = homePaths(home).runs;
  let ids: string[];
  try {
    ids = (await readdir(root)).filter((d) => /^\d{8}-\d{6}-/.test(d)).sort().reverse();
  } catch {
    return [];
  }
  const metas: RunMeta[] = [];
  for (const id of ids.slice(0, limit)) {
    try {
      metas.push(JSON.parse(await readFile(join(root, id, 'run.json'), 'utf8')) as RunMeta);
    } catch {
      /* a run being created right now */
    }
  }
  return metas;
}

/** A run by id, unique id prefix, or `last`. */
export async function readRun(home: string, ref: string): Promise<{ meta: RunMeta; results: ResultLine[]; dir: string }> {
  const root = homePaths(home).runs;
  let ids: string[] = [];
  try {
    ids = (await readdir(root)).filter((d) => /^\d{8}-\d{6}-/.test(d)).sort();
  } catch {
    /* no runs yet */
  }
  const matches = ref === 'last' ? ids.slice(-1) : ids.filter((id) => id.startsWith(ref));
  if (matches.length === 0) throw new UsageError(`no run '${ref}' in ${root} (lwt history lists them)`);
  if (matches.length > 1) throw new UsageError(`run '${ref}' is ambiguous: ${matches.slice(0, 5).join(', ')}…`);
  const dir = join(root, matches[0]!);
  const meta = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunMeta;
  const results: ResultLine[] = [];
  let text = '';
  try {
    text = await readFile(join(dir, 'results.jsonl'), 'utf8');
  } catch {
    /* no host finished */
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      results.push(JSON.parse(line) as ResultLine);
    } catch {
      /* a torn last line from a crash */
    }
  }
  return { meta, results, dir };
}
