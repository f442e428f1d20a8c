/**
 * One SSH connection per host, shared by every piece of work on that host: a second job on
 * the same host opens a channel on the connection it already has instead of a new handshake
 * (the task scheduler checks all of a host's tasks, dispatch runs a host's slots as channels).
 * A connection serves at most `maxSessions` leases at once (OpenSSH's MaxSessions, 10 by
 * default); more wait for a lease to end. Without `keepIdle` a connection closes when its last
 * lease ends, so a one-shot run holds no more connections than it has hosts running.
 */
import type { Client } from '../ssh/vendor.js';
import type { Outcome } from '../core/outcome.js';
import { formatHostSpec, type HostSpec } from '../hosts/host-spec.js';
import type { SshContext } from '../ssh/connect.js';

export interface Lease {
  client: Client;
  /** End the lease; `broken` (after a kill or a lost session) closes the connection at once. */
  release(opts?: { broken?: boolean }): void;
}

export type Acquired = ({ ok: true } & Lease) | { ok: false; outcome: Extract<Outcome, { kind: 'unreachable' }> };

type Connected = { ok: true; client: Client } | Extract<Acquired, { ok: false }>;

interface Entry {
  connecting: Promise<Connected>;
  client?: Client;
  users: number;
  waiting: Array<() => void>;
  closed: boolean;
}

export interface ConnectionsOptions {
  /** Keep a connection open after its last lease (for verbs that come back to the host). */
  keepIdle?: boolean;
  /** Leases at once per connection. @default 10 */
  maxSessions?: number;
}

export class Connections {
  private readonly byHost = new Map<string, Entry>();
  private readonly maxSessions: number;

  constructor(
    readonly ssh: SshContext,
    private readonly opts: ConnectionsOptions = {},
  ) {
    this.maxSessions = Math.max(1, opts.maxSessions ?? 10);
  }

  /** How many hosts have a connection (open or opening). */
  get size(): number {
    return this.byHost.size;
  }

  /** A lease on the host's connection, connecting first when there is none. Never throws. */
  async acquire(spec: HostSpec, signal?: AbortSignal): Promise<Acquired> {
    const key = formatHostSpec(spec);
    let entry = this.byHost.get(key);
    if (!entry || entry.closed) {
      const e: Entry = { users: 0, waiting: [], closed: false } as unknown as Entry;
      e.connecting = this.ssh.connect(spec, signal).then((r): Connected => {
        if (!r.ok) {
          e.closed = true;
          if (this.byHost.get(key) === e) this.byHost.delete(key);
          return r;
        }
        e.client = r.client;
        // A connection that dies (keepalive, reset) is forgotten: the next lease reconnects.
        r.client.once('close', () => this.forget(key, e));
        return { ok: true, client: r.client };
      });
      this.byHost.set(key, e);
      entry = e;
    }
    const e = entry;
    const got = await e.connecting;
    if (!got.ok) return got;
    while (e.users >= this.maxSessions && !e.closed) await new Promise<void>((resolve) => e.waiting.push(resolve));
    if (e.closed) return this.acquire(spec, signal);
    e.users++;
    let released = false;
    return {
      ok: true,
      client: got.client,
      release: ({ broken } = {}) => {
        if (released) return;
        released = true;
        e.users--;
        if (broken) {
          this.forget(key, e);
          got.client.destroy();
        } else if (e.users === 0 && !this.opts.keepIdle) {
          this.forget(key, e);
          got.client.end();
        }
        e.waiting.shift()?.();
      },
    };
  }

  private forget(key: string, e: Entry): void {
    e.closed = true;
    if (this.byHost.get(key) === e) this.byHost.delete(key);
    for (const w of e.waiting.splice(0)) w();
  }

  /** Close every connection (idle or not) and the shared jump-host connections. */
  async close(): Promise<void> {
    const entries = [...this.byHost.values()];
    this.byHost.clear();
    for (const e of entries) {
      e.closed = true;
      for (const w of e.waiting.splice(0)) w();
      e.client?.end();
    }
    await this.ssh.close();
  }
}
