/**
 * The task store: one JSON file per instance (`.lwt/tasks/<id>.json`, replaced atomically at
 * every change) and an append-only history of transitions (`.lwt/tasks/history.jsonl`, one
 * whole line per write). No single database file: a crash at any instant leaves every
 * instance in its last written state, which the next cycle completes.
 */
import { appendFile, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { homePaths } from '../home.js';
import { UsageError } from '../errors.js';
import type { TaskInstance, Transition } from './state.js';

export class TaskStore {
  readonly dir: string;
  private readonly history: string;

  constructor(home: string) {
    this.dir = join(homePaths(home).state, 'tasks');
    this.history = join(this.dir, 'history.jsonl');
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** A new instance; fails if the id exists (ids are made unique by their caller). */
  async create(t: TaskInstance, line: Omit<Transition, 'from'> & { from: 'none' }): Promise<boolean> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let fh;
    try {
      fh = await open(this.file(t.id), 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await fh.writeFile(JSON.stringify(t, null, 1) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await appendFile(this.history, JSON.stringify(line) + '\n', { mode: 0o600 });
    return true;
  }

  /** Save a changed instance, then its transition (if any) to the history. */
  async save(t: TaskInstance, line?: Transition): Promise<void> {
    await writeFileAtomic(this.file(t.id), JSON.stringify(t, null, 1) + '\n', 0o600);
    if (line) await appendFile(this.history, JSON.stringify(line) + '\n', { mode: 0o600 });
  }

  async get(id: string): Promise<TaskInstance> {
    const all = await this.list();
    const exact = all.find((t) => t.id === id);
    if (exact) return exact;
    const hits = all.filter((t) => t.id.startsWith(id));
    if (hits.length === 1) return hits[0]!;
    if (hits.length === 0) throw new UsageError(`no task instance '${id}' (lwt task list shows them)`);
    throw new UsageError(`task id '${id}' is ambiguous: ${hits.slice(0, 5).map((t) => t.id).join(', ')}…`);
  }

  /** Every instance, oldest id first (ids sort by creation). */
  async list(): Promise<TaskInstance[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch {
      return [];
    }
    const out: TaskInstance[] = [];
    for (const n of names.sort()) {
      try {
        out.push(JSON.parse(await readFile(join(this.dir, n), 'utf8')) as TaskInstance);
      } catch {
        /* removed meanwhile */
      }
    }
    return out;
  }

  async remove(id: string): Promise<void> {
    await unlink(this.file(id));
  }

  /** The transitions of one instance (or all), in order. */
  async transitions(id?: string): Promise<Transition[]> {
    let text = '';
    try {
      text = await readFile(this.history, 'utf8');
    } catch {
      return [];
    }
    const out: Transition[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const t = JSON.parse(line) as Transition;
        if (id === undefined || t.id === id) out.push(t);
      } catch {
        /* a torn last line after a crash */
      }
    }
    return out;
  }
}
