import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { hostFileName } from '../hosts/file-name.js';
import { outputBytes, type JobResult } from '../runner/results.js';

/** `-o DIR` (like pssh -o/-e): DIR/<host>.out and DIR/<host>.err, each written atomically, byte for byte. */
export class OutdirWriter {
  private ready: Promise<unknown>;

  constructor(private readonly dir: string) {
    // Output of remote commands often holds secrets: folders we create 0700, files 0600.
    this.ready = mkdir(dir, { recursive: true, mode: 0o700 });
  }

  async write(r: JobResult): Promise<void> {
    await this.ready;
    const base = join(this.dir, hostFileName(r.label));
    await Promise.all([writeFileAtomic(`${base}.out`, outputBytes(r, 'stdout'), 0o600), writeFileAtomic(`${base}.err`, outputBytes(r, 'stderr'), 0o600)]);
  }
}
