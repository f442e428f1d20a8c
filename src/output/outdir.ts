import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { hostFileName } from '../runs/journal.js';
import type { JobRecord } from './job-record.js';

/** `-o DIR` (like pssh -o/-e): DIR/<host>.out and DIR/<host>.err, each written atomically. */
export class OutdirWriter {
  private ready: Promise<unknown>;

  constructor(private readonly dir: string) {
    this.ready = mkdir(dir, { recursive: true });
  }

  async write(r: JobRecord): Promise<void> {
    await this.ready;
    const base = join(this.dir, hostFileName(r.label));
    await Promise.all([writeFileAtomic(`${base}.out`, r.stdout), writeFileAtomic(`${base}.err`, r.stderr)]);
  }
}
