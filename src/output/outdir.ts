import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { hostFileName } from '../hosts/file-name.js';
import type { JobResult } from '../runner/results.js';

/** `-o DIR` (like pssh -o/-e): DIR/<host>.out and DIR/<host>.err, each written atomically. */
export class OutdirWriter {
  private ready: Promise<unknown>;

  constructor(private readonly dir: string) {
    this.ready = mkdir(dir, { recursive: true });
  }

  async write(r: JobResult): Promise<void> {
    await this.ready;
    const base = join(this.dir, hostFileName(r.label));
    await Promise.all([writeFileAtomic(`${base}.out`, r.stdout), writeFileAtomic(`${base}.err`, r.stderr)]);
  }
}
