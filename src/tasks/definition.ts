/**
 * Task definitions: `<home>/tasks/<name>/task.yaml` (or `task.yml`, `task.json`), or the
 * ancestor's `desc` file (`exec : ./run.sh`, `kill : ./kill.sh`, `d_fetch : output`). A bad
 * definition is a UsageError naming the file and the key; it never reaches a host.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { yaml } from '../packages.js';
import { UsageError } from '../errors.js';
import { parseDuration } from './duration.js';

export type Respawn = 'never' | 'on-failure' | 'always';

export interface TaskDefinition {
  name: string;
  /** The task's folder on this machine: inputs are read from it. */
  dir: string;
  /** The file the definition came from (named in errors). */
  file: string;
  command: string;
  env: Record<string, string>;
  /** Files and folders of the task folder uploaded into the remote work folder. */
  inputs: string[];
  /** Paths relative to the work folder fetched back into results/<id>/. */
  outputs: string[];
  timeoutMs?: number;
  retries: number;
  /** Host selection (names, ranges); empty: any host of hosts/ok. */
  hosts: string[];
  constraints: { minDiskKb?: number; minMemKb?: number; maxLoadPerCpu?: number };
  stop?: { command: string; graceMs: number };
  respawn: Respawn;
  /** Keep the remote work folder after the results came back. */
  keep: boolean;
  /** Resource limits of the task's processes (cgroups, else rlimits, else the start is refused). */
  limits?: TaskLimits;
}

export interface TaskLimits {
  memoryBytes?: number;
  /** Fraction of one core: 0.5 is half a core, 2 is two cores. */
  cpu?: number;
  pids?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEYS = new Set(['command', 'env', 'inputs', 'outputs', 'timeout', 'retries', 'hosts', 'constraints', 'stop', 'respawn', 'keep', 'limits']);

export function checkTaskName(name: string): void {
  if (!NAME.test(name)) throw new UsageError(`task name '${name}': letters, digits, '.', '_' and '-' only, starting with a letter or digit`);
}

/** Read and validate the definition of task `name` in `<home>/tasks/<name>/`. */
export async function loadDefinition(tasksDir: string, name: string): Promise<TaskDefinition> {
  checkTaskName(name);
  const dir = join(tasksDir, name);
  for (const file of ['task.yaml', 'task.yml', 'task.json']) {
    const path = join(dir, file);
    const text = await readIfThere(path);
    if (text === undefined) continue;
    let data: unknown;
    try {
      data = file.endsWith('.json') ? JSON.parse(text) : yaml().load(text);
    } catch (err) {
      throw new UsageError(`${path}: ${(err as Error).message.split('\n')[0]}`);
    }
    return validate(data, name, dir, path);
  }
  const desc = join(dir, 'desc');
  const text = await readIfThere(desc);
  if (text !== undefined) return fromDesc(text, name, dir, desc);
  if (!(await stat(dir).catch(() => undefined))) throw new UsageError(`no task '${name}': ${dir} does not exist`);
  throw new UsageError(`task '${name}': ${dir} has no task.yaml, task.json or desc`);
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`${path}: cannot read (${code ?? String(err)})`);
  }
}

function validate(data: unknown, name: string, dir: string, file: string): TaskDefinition {
  const bad = (key: string, why: string): UsageError => new UsageError(`${file}: ${key}: ${why}`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(`${file}: expected a mapping of keys (command, inputs, …)`);
  const o = data as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw bad(k, `unknown key (known: ${[...KEYS].join(', ')})`);
  if (typeof o.command !== 'string' || o.command.trim() === '') throw bad('command', 'required, a shell command');
  const strings = (key: string): string[] => {
    const v = o[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) throw bad(key, 'a list of non-empty strings');
    return v as string[];
  };
  const relPaths = (key: string): string[] => {
    const list = strings(key);
    for (const p of list) if (p.startsWith('/') || p.split('/').includes('..')) throw bad(key, `'${p}' must be relative, without '..'`);
    return list;
  };
  const env: Record<string, string> = {};
  if (o.env !== undefined) {
    if (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env)) throw bad('env', 'a mapping NAME: value');
    for (const [k, v] of Object.entries(o.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw bad(`env.${k}`, 'not a valid variable name');
      if (typeof v !== 'string' && typeof v !== 'number') throw bad(`env.${k}`, 'a string or number');
      env[k] = String(v);
    }
  }
  let timeoutMs: number | undefined;
  if (o.timeout !== undefined) {
    timeoutMs = parseDuration(o.timeout);
    if (timeoutMs === undefined) throw bad('timeout', `'${String(o.timeout)}' is not a duration (seconds, or 90s, 5m, 2h)`);
  }
  const retries = o.retries ?? 0;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) throw bad('retries', 'a whole number ≥ 0');
  const respawn = o.respawn ?? 'never';
  if (respawn !== 'never' && respawn !== 'on-failure' && respawn !== 'always') throw bad('respawn', 'never, on-failure or always');
  let stop: TaskDefinition['stop'];
  if (o.stop !== undefined) {
    const s = typeof o.stop === 'string' ? { command: o.stop } : (o.stop as Record<string, unknown>);
    if (typeof s !== 'object' || s === null || typeof s.command !== 'string') throw bad('stop', 'a command, or { command, grace }');
    const graceMs = s.grace === undefined ? 10_000 : parseDuration(s.grace);
    if (graceMs === undefined) throw bad('stop.grace', 'a duration');
    stop = { command: s.command, graceMs };
  }
  const constraints: TaskDefinition['constraints'] = {};
  if (o.constraints !== undefined) {
    const c = o.constraints as Record<string, unknown>;
    if (typeof c !== 'object' || c === null) throw bad('constraints', 'a mapping (minDisk, minMemory, maxLoad)');
    for (const k of Object.keys(c)) if (!['minDisk', 'minMemory', 'maxLoad'].includes(k)) throw bad(`constraints.${k}`, 'unknown (minDisk, minMemory, maxLoad)');
    const size = (k: string): number | undefined => {
      if (c[k] === undefined) return undefined;
      const kb = parseSizeKb(c[k]);
      if (kb === undefined) throw bad(`constraints.${k}`, `'${String(c[k])}' is not a size (e.g. 2G, 512M)`);
      return kb;
    };
    const minDiskKb = size('minDisk');
    const minMemKb = size('minMemory');
    if (minDiskKb !== undefined) constraints.minDiskKb = minDiskKb;
    if (minMemKb !== undefined) constraints.minMemKb = minMemKb;
    if (c.maxLoad !== undefined) {
      if (typeof c.maxLoad !== 'number' || c.maxLoad <= 0) throw bad('constraints.maxLoad', 'a load per CPU > 0');
      constraints.maxLoadPerCpu = c.maxLoad;
    }
  }
  if (o.keep !== undefined && typeof o.keep !== 'boolean') throw bad('keep', 'true or false');
  let limits: TaskLimits | undefined;
  if (o.limits !== undefined) {
    const l = o.limits as Record<string, unknown>;
    if (typeof l !== 'object' || l === null || Array.isArray(l)) throw bad('limits', 'a mapping (memory, cpu, pids)');
    limits = {};
    for (const k of Object.keys(l)) if (!['memory', 'cpu', 'pids'].includes(k)) throw bad(`limits.${k}`, 'unknown (memory, cpu, pids)');
    if (l.memory !== undefined) {
      const kb = parseSizeKb(l.memory);
      if (kb === undefined || kb < 1024) throw bad('limits.memory', `'${String(l.memory)}' is not a size of at least 1M (e.g. 512M, 2G)`);
      limits.memoryBytes = Math.round(kb * 1024);
    }
    if (l.cpu !== undefined) {
      if (typeof l.cpu !== 'number' || !(l.cpu > 0) || l.cpu > 1024) throw bad('limits.cpu', 'a fraction of cores > 0 (0.5, 2)');
      limits.cpu = l.cpu;
    }
    if (l.pids !== undefined) {
      if (typeof l.pids !== 'number' || !Number.isInteger(l.pids) || l.pids < 1) throw bad('limits.pids', 'a whole number ≥ 1');
      limits.pids = l.pids;
    }
  }
  const hosts = typeof o.hosts === 'string' ? [o.hosts] : strings('hosts');
  return {
    name,
    dir,
    file,
    command: o.command,
    env,
    inputs: relPaths('inputs'),
    outputs: relPaths('outputs'),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    retries,
    hosts,
    constraints,
    ...(stop ? { stop } : {}),
    respawn,
    keep: o.keep === true,
    ...(limits ? { limits } : {}),
  };
}

function parseSizeKb(v: unknown): number | undefined {
  if (typeof v === 'number') return v > 0 ? v / 1024 : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(v);
  if (!m) return undefined;
  const mult = { '': 1 / 1024, k: 1, m: 1024, g: 1024 ** 2, t: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(m[1]) * mult;
}

/**
 * The ancestor's format: `key : value` lines. `exec` is the command, `kill` the stop command,
 * `d_fetch` an output to fetch (repeatable); every other file of the folder is an input.
 */
async function fromDesc(text: string, name: string, dir: string, file: string): Promise<TaskDefinition> {
  let command: string | undefined;
  let stop: string | undefined;
  const outputs: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Za-z_]+)\s*:\s*(.*)$/.exec(line);
    if (!m) throw new UsageError(`${file}:${i + 1}: expected 'key : value'`);
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'exec') command = value;
    else if (key === 'kill') stop = value;
    else if (key === 'd_fetch') outputs.push(value);
    else throw new UsageError(`${file}:${i + 1}: unknown key '${key}' (exec, kill, d_fetch)`);
  });
  if (!command) throw new UsageError(`${file}: no 'exec : COMMAND' line`);
  const inputs = (await readdir(dir)).filter((f) => f !== 'desc' && f !== 'results' && !f.startsWith('.'));
  return {
    name,
    dir,
    file,
    command,
    env: {},
    inputs,
    outputs,
    retries: 0,
    hosts: [],
    constraints: {},
    ...(stop ? { stop: { command: stop, graceMs: 10_000 } } : {}),
    respawn: 'never',
    keep: false,
  };
}
