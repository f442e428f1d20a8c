import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The built launcher, as operators run it. */
export const LWT_BIN = fileURLToPath(new URL('../../../bin/lwt', import.meta.url));

export interface LwtRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

export interface RunOptions {
  /** Written to stdin, then EOF; `null` gives no stdin at all (/dev/null). @default '' */
  input?: string | null;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with the child's pid once it runs (Ctrl-C tests signal it). */
  onSpawn?: (pid: number) => void;
  /** SIGKILL after this long, so a hang fails the test instead of stalling it. @default 60000 */
  timeoutMs?: number;
}

/** Run a program and collect its output and how it ended. */
export function runProgram(file: string, args: string[], opts: RunOptions = {}): Promise<LwtRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [opts.input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin?.end(opts.input ?? '');
    const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, stdout, stderr, wallMs: Date.now() - started });
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  });
}

/** Run bin/lwt with args, as operators run it. */
export function runLwt(args: string[], opts: RunOptions = {}): Promise<LwtRun> {
  return runProgram(process.execPath, [LWT_BIN, ...args], opts);
}

/** Command lines of every live (non-zombie) process whose command line matches. */
export async function processesMatching(re: RegExp): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmd = (await readFile(`/proc/${name}/cmdline`, 'latin1')).split('\0').join(' ').trim();
      if (re.test(cmd)) found.push(`${name}: ${cmd}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/** A number unlikely to collide with other runs, for `sleep N` markers in the process table. */
export function uniqueSeconds(): number {
  return 5000 + Math.floor(Math.random() * 4000);
}
