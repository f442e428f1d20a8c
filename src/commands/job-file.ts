import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

export interface JobLine {
  /** Line number in the source, for messages. */
  line: number;
  command: string;
}

/** One shell command per line; blank lines and lines starting with # are skipped. */
export function parseJobLines(text: string): JobLine[] {
  const jobs: JobLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const command = raw.replace(/\r$/, '').trim();
    if (command === '' || command.startsWith('#')) return;
    jobs.push({ line: i + 1, command });
  });
  return jobs;
}

/** Read a job file, or stdin for '-' or no file. An unreadable file is a one-line UsageError. */
export async function readJobSource(file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') {
    if (process.stdin.isTTY) throw new UsageError('no job file given and stdin is a terminal: give FILE or pipe commands in');
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a folder' : String(code ?? err);
    throw new UsageError(`cannot read job file ${file}: ${why}`);
  }
}
