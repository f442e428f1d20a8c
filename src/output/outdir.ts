import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamName } from '../core/capped-output.js';
import { tempPathFor, writeFileAtomic } from '../atomic-file.js';
import { hostFileName } from '../hosts/file-name.js';

/**
 * One stream of one host: a temporary file in DIR that takes the bytes in the order they came,
 * renamed over the final name when the host settles. Until then readers see the last run's file
 * (or none), never a torn one.
 */
class Spool {
  private readonly tmp: string;
  private chain: Promise<FileHandle>;

  /** `folder` resolves once DIR exists. */
  constructor(readonly path: string, folder: Promise<unknown>) {
    this.tmp = tempPathFor(path);
    // Output of remote commands often holds secrets: files 0600 (the umask can only narrow it).
    this.chain = folder.then(() => open(this.tmp, 'wx', 0o600));
    this.chain.catch(() => undefined);
  }

  /** Queued behind the writes before it, so the file holds the chunks in their order. */
  write(chunk: Buffer): void {
    this.chain = this.chain.then(async (fh) => {
      await fh.write(chunk);
      return fh;
    });
    // A failed write (full disk) is reported by commit(), not as an unhandled rejection now.
    this.chain.catch(() => undefined);
  }

  async commit(): Promise<void> {
    const fh = await this.chain.catch(async (err: unknown) => {
      await this.discard();
      throw err;
    });
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(this.tmp, this.path).catch(async (err: unknown) => {
      await unlink(this.tmp).catch(() => undefined);
      throw err;
    });
  }

  /** An attempt that will be retried: its output is not the host's. */
  async discard(): Promise<void> {
    const fh = await this.chain.catch(() => undefined);
    await fh?.close().catch(() => undefined);
    await unlink(this.tmp).catch(() => undefined);
  }
}

/**
 * `-o DIR` (like pssh -o/-e): DIR/<host>.out and DIR/<host>.err, written while the output comes,
 * so they hold all of it, byte for byte, whatever --output-cap keeps in memory (for -b, --json and
 * the journal). Each file lands whole when its host settles (a temporary file renamed), and
 * every settled host gets both files, empty when it said nothing.
 */
export class OutdirWriter {
  private readonly ready: Promise<unknown>;
  private readonly open = new Map<string, Partial<Record<StreamName, Spool>>>();

  constructor(private readonly dir: string) {
    // Output often holds secrets: folders we create are 0700.
    this.ready = mkdir(dir, { recursive: true, mode: 0o700 });
    // Seen by whoever awaits it (settle); not an unhandled rejection before that.
    this.ready.catch(() => undefined);
  }

  private base(label: string): string {
    return join(this.dir, hostFileName(label));
  }

  chunk(label: string, stream: StreamName, chunk: Buffer): void {
    let spools = this.open.get(label);
    if (!spools) this.open.set(label, (spools = {}));
    let spool = spools[stream];
    if (!spool) {
      const path = `${this.base(label)}.${stream === 'stdout' ? 'out' : 'err'}`;
      spool = spools[stream] = new Spool(path, this.ready);
    }
    spool.write(chunk);
  }

  /** A new attempt of a host starts: drop what the last one wrote. */
  restart(label: string): Promise<void> {
    const spools = this.open.get(label);
    this.open.delete(label);
    return Promise.all(Object.values(spools ?? {}).map((s) => s.discard())).then(() => undefined);
  }

  /** The host settled: its two files land. */
  async settle(label: string): Promise<void> {
    const spools = this.open.get(label) ?? {};
    this.open.delete(label);
    const base = this.base(label);
    await this.ready;
    await Promise.all([
      spools.stdout ? spools.stdout.commit() : writeFileAtomic(`${base}.out`, '', 0o600),
      spools.stderr ? spools.stderr.commit() : writeFileAtomic(`${base}.err`, '', 0o600),
    ]);
  }
}
