/**
 * One host's SFTP session as promises, with a bound on requests in flight and on bytes in
 * flight. Requests are pipelined: many are sent before the first answer comes back, which is
 * what makes SFTP fast over latency; the bounds keep memory flat when hundreds of hosts run.
 *
 * ssh2 keeps a request whose channel has already closed waiting for an answer forever
 * (its send path drops the packet silently), so every call here checks the session first
 * and fails at once once it is gone.
 */
import { acceptBufferSftpPaths, coalesceSftpPackets, type Client, type InputAttributes, type SFTPWrapper, type Stats } from '../ssh/vendor.js';
import { Semaphore } from './semaphore.js';
import { bytePath } from './byte-names.js';

/** A path as SFTP carries it: its exact bytes when the name is not UTF-8 (see byte-names.ts). */
const wire = (path: string): string => bytePath(path) as string;

/** SSH_FX status codes that matter to us (RFC draft-ietf-secsh-filexfer-02). */
export const FX = { EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, OP_UNSUPPORTED: 8 } as const;

export class SftpError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly code: number | undefined,
    detail: string,
    /** The session or connection is gone: nothing more can be done on this host. */
    readonly lost = false,
  ) {
    super(`${op} ${path}: ${detail}`);
    this.name = 'SftpError';
  }
}

const CODE_TEXT: Record<number, string> = {
  1: 'end of file',
  2: 'no such file or folder',
  3: 'permission denied',
  4: 'failure (the server gives no reason: disk full, quota, not a folder, …)',
  5: 'bad message',
  6: 'no connection',
  7: 'connection lost',
  8: 'operation not supported by the server',
};

export interface SftpLimits {
  /** Requests in flight. @default 64 */
  requests?: number;
  /** Bytes of WRITE/READ payload in flight. @default 4 MiB */
  bytes?: number;
}

export class SftpSession {
  private gone: string | undefined;
  private readonly requests: Semaphore;
  readonly bytes: Semaphore;
  /** Largest READ/WRITE payload the server takes in one request (limits@openssh.com, else 32 KiB - overhead). */
  readonly maxChunk: number;
  readonly hasPosixRename: boolean;
  readonly hasLsetstat: boolean;
  /** Open handles the server allows at once (limits@openssh.com), Infinity when it does not say. */
  readonly maxHandles: number;

  private constructor(
    readonly raw: SFTPWrapper,
    limits: SftpLimits,
  ) {
    const internals = raw as unknown as { _maxWriteLen?: number; _maxReadLen?: number; _extensions?: Record<string, string>; maxOpenHandles?: number };
    const ext = internals._extensions ?? {};
    this.maxChunk = Math.max(1024, Math.min(internals._maxWriteLen ?? 30 * 1024, internals._maxReadLen ?? 30 * 1024, 256 * 1024));
    this.hasPosixRename = ext['posix-rename@openssh.com'] === '1';
    this.hasLsetstat = ext['lsetstat@openssh.com'] === '1';
    this.maxHandles = internals.maxOpenHandles ?? Infinity;
    this.requests = new Semaphore(limits.requests ?? 64);
    this.bytes = new Semaphore(limits.bytes ?? 4 * 1024 * 1024);
    const mark = (why: string) => (): void => {
      this.gone ??= why;
    };
    raw.on('end', mark('the SFTP session ended'));
    raw.on('close', mark('the SFTP session closed'));
    raw.on('error', (err: Error) => {
      this.gone ??= `SFTP error: ${err.message}`;
    });
  }

  /** Start the sftp subsystem on an open connection. */
  static open(client: Client, limits: SftpLimits = {}): Promise<SftpSession> {
    acceptBufferSftpPaths();
    return new Promise((resolve, reject) => {
      try {
        client.sftp((err, sftp) => {
          if (err) return reject(new SftpError('start', 'sftp subsystem', undefined, err.message));
          coalesceSftpPackets(sftp, client);
          resolve(new SftpSession(sftp, limits));
        });
      } catch (err) {
        reject(new SftpError('start', 'sftp subsystem', undefined, (err as Error).message));
      }
    });
  }

  get lost(): string | undefined {
    return this.gone;
  }

  close(): void {
    this.gone ??= 'closed by lwt';
    try {
      this.raw.end();
    } catch {
      /* already gone */
    }
  }

  /**
   * One request: take a slot (at once when one is free: this is the hot path, one call per
   * SFTP request), send, map the answer, give the slot back when the answer comes.
   */
  private call<T>(op: string, path: string, send: (cb: (err: (Error & { code?: number }) | undefined | null, value?: T) => void) => void): Promise<T> {
    if (!this.requests.tryAcquire()) {
      return this.requests.acquire().then(() => this.sendNow(op, path, send));
    }
    return this.sendNow(op, path, send);
  }

  private sendNow<T>(op: string, path: string, send: (cb: (err: (Error & { code?: number }) | undefined | null, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let released = false;
      const release = (): void => {
        if (!released) {
          released = true;
          this.requests.release();
        }
      };
      if (this.gone) {
        release();
        reject(new SftpError(op, path, undefined, this.gone, true));
        return;
      }
      try {
        send((err, value) => {
          release();
          if (!err) return resolve(value as T);
          reject(this.errorOf(op, path, err));
        });
      } catch (err) {
        release();
        reject(new SftpError(op, path, undefined, (err as Error).message));
      }
    });
  }

  /** ssh2's error for a request as an SftpError; one without a status code on a dead session means it is lost. */
  private errorOf(op: string, path: string, err: Error & { code?: number }): SftpError {
    const code = typeof err.code === 'number' ? err.code : undefined;
    if (code === undefined && (this.gone || /No response from server/.test(err.message))) {
      this.gone ??= 'connection lost';
      return new SftpError(op, path, undefined, `connection lost (${err.message})`, true);
    }
    const text =
      code !== undefined && (err.message === '' || /^(Failure|Permission denied|No such file)$/i.test(err.message))
        ? (CODE_TEXT[code] ?? err.message)
        : err.message;
    return new SftpError(op, path, code, text);
  }

  /**
   * Many atomic renames (posix-rename@openssh.com), as many in flight as the session allows,
   * without a promise per request: a thousand small files per host made the per-request
   * bookkeeping show in put-all's profile. Resolves with one result per pair: undefined when
   * renamed, else its error. Servers without the extension get rename() one by one.
   */
  renameAll(pairs: ReadonlyArray<readonly [from: string, to: string]>): Promise<Array<SftpError | undefined>> {
    if (!this.hasPosixRename) {
      return Promise.all(pairs.map(([from, to]) => this.rename(from, to).then(() => undefined, (err: unknown) => toSftpError('rename', to, err))));
    }
    const results = new Array<SftpError | undefined>(pairs.length);
    let next = 0;
    let open = pairs.length;
    let waiting = false;
    return new Promise((resolve) => {
      if (open === 0) return resolve(results);
      const settle = (i: number, err: SftpError | undefined): void => {
        results[i] = err;
        if (--open === 0) resolve(results);
        else pump();
      };
      // With a request slot already taken.
      const send = (i: number): void => {
        const [from, to] = pairs[i]!;
        if (this.gone) {
          this.requests.release();
          return settle(i, new SftpError('rename', to, undefined, this.gone, true));
        }
        try {
          this.raw.ext_openssh_rename(wire(from), wire(to), (err) => {
            this.requests.release();
            settle(i, err ? this.errorOf('rename', to, err as Error & { code?: number }) : undefined);
          });
        } catch (err) {
          this.requests.release();
          settle(i, new SftpError('rename', to, undefined, (err as Error).message));
        }
      };
      const pump = (): void => {
        while (next < pairs.length && this.requests.tryAcquire()) send(next++);
        // Every slot taken (by this or other requests of the session): queue for the next one.
        if (next < pairs.length && !waiting) {
          waiting = true;
          void this.requests.acquire().then(() => {
            waiting = false;
            if (next < pairs.length) send(next++);
            else this.requests.release();
            pump();
          });
        }
      };
      pump();
    });
  }

  /** `shownAs` names the file in errors: the final name when `path` is a temporary one. */
  open(path: string, flags: 'r' | 'wx', attrs?: InputAttributes, shownAs = path): Promise<Buffer> {
    return this.call('open', shownAs, (cb) => (attrs ? this.raw.open(wire(path), flags, attrs, cb) : this.raw.open(wire(path), flags, cb)));
  }

  closeHandle(handle: Buffer, path: string): Promise<void> {
    return this.call('close', path, (cb) => this.raw.close(handle, cb));
  }

  /** One WRITE; `data.length` must not exceed maxChunk (ssh2 would split it into sequential requests). */
  write(handle: Buffer, data: Buffer, position: number, path: string): Promise<void> {
    return this.call('write', path, (cb) => this.raw.write(handle, data, 0, data.length, position, cb));
  }

  /** One READ of up to `len` bytes at `position`; an empty buffer at end of file. */
  read(handle: Buffer, len: number, position: number, path: string): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(len);
    return this.call<Buffer>('read', path, (cb) =>
      this.raw.read(handle, buf, 0, len, position, (err, bytesRead) => {
        if (err && (err as Error & { code?: number }).code === FX.EOF) return cb(undefined, Buffer.alloc(0));
        cb(err, err ? undefined : buf.subarray(0, bytesRead));
      }),
    );
  }

  fsetstat(handle: Buffer, attrs: InputAttributes, path: string): Promise<void> {
    return this.call('setstat', path, (cb) => this.raw.fsetstat(handle, attrs, cb));
  }

  setstat(path: string, attrs: InputAttributes): Promise<void> {
    return this.call('setstat', path, (cb) => this.raw.setstat(wire(path), attrs, cb));
  }

  /** setstat of a symlink itself (lsetstat@openssh.com); false when the server lacks it. */
  async lsetstat(path: string, attrs: InputAttributes, shownAs = path): Promise<boolean> {
    if (!this.hasLsetstat) return false;
    await this.call('lsetstat', shownAs, (cb) => this.raw.ext_openssh_lsetstat(wire(path), attrs, cb));
    return true;
  }

  lstat(path: string): Promise<Stats> {
    return this.call('lstat', path, (cb) => this.raw.lstat(wire(path), cb));
  }

  mkdir(path: string): Promise<void> {
    return this.call('mkdir', path, (cb) => this.raw.mkdir(wire(path), cb));
  }

  rmdir(path: string): Promise<void> {
    return this.call('rmdir', path, (cb) => this.raw.rmdir(wire(path), cb));
  }

  unlink(path: string): Promise<void> {
    return this.call('remove', path, (cb) => this.raw.unlink(wire(path), cb));
  }

  /** Create `linkPath` pointing to `target`. ssh2 swaps the two fields for OpenSSH servers, whose order is reversed. */
  symlink(target: string, linkPath: string, shownAs = linkPath): Promise<void> {
    return this.call('symlink', shownAs, (cb) => this.raw.symlink(wire(target), wire(linkPath), cb));
  }

  /**
   * Rename over an existing target atomically (posix-rename@openssh.com). Servers without
   * the extension get a plain SFTP rename, which fails when the target exists: then the
   * target is removed first, and for that instant the name is missing.
   */
  async rename(from: string, to: string): Promise<void> {
    if (this.hasPosixRename) {
      await this.call('rename', to, (cb) => this.raw.ext_openssh_rename(wire(from), wire(to), cb));
      return;
    }
    try {
      await this.call('rename', to, (cb) => this.raw.rename(wire(from), wire(to), cb));
    } catch (err) {
      if (!(err instanceof SftpError) || err.lost) throw err;
      await this.unlink(to).catch(() => undefined);
      await this.call('rename', to, (cb) => this.raw.rename(wire(from), wire(to), cb));
    }
  }
}

function toSftpError(op: string, path: string, err: unknown): SftpError {
  return err instanceof SftpError ? err : new SftpError(op, path, undefined, (err as Error).message);
}
