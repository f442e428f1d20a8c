/**
 * A fleet of real OpenSSH servers on loopback addresses, for integration tests and
 * for people trying lwt by hand. Linux only: 127.0.0.0/8 is all local there, so
 * 127.0.1.1, 127.0.1.2, ... need no interface setup.
 *
 * Host kinds, each a failure mode lwt must report correctly:
 * - good:        sshd that lets our client key in
 * - refused:     nothing listens -> ECONNREFUSED
 * - blackhole:   accepts TCP, never sends the SSH banner -> client times out
 * - changed-key: sshd serving a host key other than the one in known_hosts
 * - refused-key: sshd whose authorized_keys does not hold our client key
 *
 * Everything lives in one directory: keys, configs, pid files, logs. Processes are
 * started detached so a fleet outlives the CLI that started it; stopFleetDir() finds
 * them again from that directory alone.
 *
 * By default every host sees this machine's filesystem, so every host writes the same
 * paths, which hides transfer bugs. With `privateRoot` each sshd host gets its own: one
 * sshd per address, started inside its own mount namespace (unshare --mount, propagation
 * private) with a fresh tmpfs mounted at `privateRoot`. Needs root. Nothing is mounted in
 * the caller's namespace; the tmpfs disappears with the host's last process.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addressRange,
  defaultSshdOptions,
  MAX_LISTEN_PER_SSHD,
  mergeOptions,
  renderKnownHosts,
  renderSshConfig,
  renderSshdConfig,
} from './config.js';
import { listeningSockets, mapLimit, probe, waitUp } from './probe.js';
import { shellQuote as shQuote } from '../../src/core/shell-quote.js';
import { killFleetProcesses, listProcesses } from './procs.js';

export type FleetHostKind = 'good' | 'refused' | 'blackhole' | 'changed-key' | 'refused-key';
export interface FleetHost {
  address: string;
  port: number;
  kind: FleetHostKind;
}
export interface FleetOptions {
  /** Number of good hosts. */
  good: number;
  /** Nothing listening on address:port -> ECONNREFUSED. */
  refused?: number;
  /** TCP connect succeeds but no SSH banner ever comes. */
  blackhole?: number;
  /** sshd whose host key differs from the one in known_hosts. */
  changedKey?: number;
  /** sshd that refuses our client key (auth fails). */
  refusedKey?: number;
  /** Where to put everything; default a fresh mkdtemp under os.tmpdir(), removed by stop(). */
  dir?: string;
  /** Default 2222, same port on every address. */
  port?: number;
  /** Default '127.0.1.1'; successive hosts are 127.0.1.2, ... wrapping into 127.0.2.x after .254. */
  firstAddress?: string;
  /** Extra sshd_config lines, overriding the defaults in config.ts; '' removes a default. */
  sshdOptions?: Record<string, string>;
  /**
   * An absolute path (e.g. '/srv/lwt-host') that is a separate, empty tmpfs on every host:
   * one sshd per address, each in its own mount namespace. Default: none (shared filesystem).
   */
  privateRoot?: string;
  /**
   * With privateRoot: the login user's home folder is a scratch tmpfs on every host as well,
   * so tests of relative remote paths (and of attacks on them) never touch this machine's home.
   */
  privateHome?: boolean;
}
export interface Fleet {
  dir: string;
  sshConfig: string;
  knownHosts: string;
  clientKey: string;
  user: string;
  port: number;
  hosts: FleetHost[];
  addresses(kind?: FleetHostKind): string[];
  /** `privateRoot` as given, when the hosts have one. */
  privateRoot?: string;
  /**
   * Where this process sees a host's private root: /proc/<its sshd>/root<privateRoot>, the
   * path through that host's mount namespace. Only with `privateRoot`.
   */
  hostRoot(address: string): Promise<string>;
  /** The pid of the sshd listening for `address` (SIGSTOP it to make the host stop answering). */
  listenerPid(address: string): Promise<number>;
  /**
   * Signal every process of a host's established sessions (all descendants of its sshd
   * listener, which stays up): SIGKILL drops the connections, SIGSTOP freezes them
   * mid-transfer. Returns how many processes were signalled.
   */
  signalSessions(address: string, signal?: NodeJS.Signals): Promise<number>;
  /** The pids of a host's established sessions (descendants of its listener), from /proc. */
  sessionPids(address: string): Promise<number[]>;
  /**
   * Kill every process the fleet started (listeners, per-connection children,
   * the blackhole helper) and wait until they are gone. Removes pid files only,
   * keeping logs, unless the directory was a temp dir made by startFleet: then rm -rf.
   */
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const START_TIMEOUT_MS = 10_000;
/** Probes in flight while waiting for readiness; each costs the sshd a fork+exec. */
const PROBE_CONCURRENCY = 64;
const LOG_TAIL_LINES = 15;

/** Files a fleet writes into its directory; removed before a restart so nothing stale survives. */
const GENERATED = new RegExp(
  '^(sshd-\\d+\\.(conf|pid|log)|blackhole\\.(pid|pid\\.tmp|log)|(host|host_changed|client)_ed25519(\\.pub)?' +
    '|authorized_keys(_refused)?|known_hosts|ssh_config|hosts|hosts-all|fleet\\.json)$',
);

interface Daemon {
  name: string;
  kind: FleetHostKind;
  addresses: string[];
  pidFile: string;
  log: string;
  child?: ChildProcess;
  exited?: string;
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const counts: Array<[FleetHostKind, number]> = [
    ['good', opts.good],
    ['refused', opts.refused ?? 0],
    ['blackhole', opts.blackhole ?? 0],
    ['changed-key', opts.changedKey ?? 0],
    ['refused-key', opts.refusedKey ?? 0],
  ];
  for (const [kind, n] of counts) {
    if (!Number.isInteger(n) || n < 0) throw new Error(`fleet: count for ${kind} must be a non-negative integer, got ${n}`);
  }
  const port = opts.port ?? 2222;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`fleet: bad port ${port}`);
  const total = counts.reduce((s, [, n]) => s + n, 0);
  if (total === 0) throw new Error('fleet: no hosts requested');

  const all = addressRange(opts.firstAddress ?? '127.0.1.1', total);
  const hosts: FleetHost[] = [];
  for (const [kind, n] of counts) {
    for (let i = 0; i < n; i++) hosts.push({ address: all[hosts.length]!, port, kind });
  }

  // Refuse to start over something already listening: sshd keeps going when only
  // some of its ListenAddress lines fail to bind, and our readiness probe would then
  // happily talk to the other process.
  const busy = (await mapLimit(hosts, PROBE_CONCURRENCY, (h) => probe(h.address, port, 500, false)))
    .map((r, i) => [hosts[i]!.address, r] as const)
    .filter(([, r]) => r !== 'refused');
  if (busy.length > 0) {
    const list = busy.slice(0, 5).map(([a, r]) => `${a}:${port} (${r})`).join(', ');
    throw new Error(
      `fleet: ${busy.length} address(es) already in use, e.g. ${list}; is another fleet running on port ${port}?`,
    );
  }

  const ownsDir = opts.dir === undefined;
  const dir = ownsDir ? await mkdtemp(join(tmpdir(), 'lwt-fleet-')) : resolve(opts.dir!);
  try {
    return await startIn(dir, ownsDir, hosts, port, opts.sshdOptions, opts.privateRoot, opts.privateHome === true);
  } catch (err) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(
  dir: string,
  ownsDir: boolean,
  hosts: FleetHost[],
  port: number,
  sshdOptions: Record<string, string> | undefined,
  privateRoot: string | undefined,
  privateHome: boolean,
): Promise<Fleet> {
  if (privateHome && privateRoot === undefined) throw new Error('fleet: privateHome needs privateRoot');
  if (privateRoot !== undefined) {
    if (!privateRoot.startsWith('/') || /(^|\/)\.\.?(\/|$)/.test(privateRoot) || privateRoot === '/') {
      throw new Error(`fleet: privateRoot must be an absolute path below /, got ${JSON.stringify(privateRoot)}`);
    }
    if (process.getuid?.() !== 0) throw new Error('fleet: privateRoot needs root (mount namespaces and tmpfs)');
    // The mount point, in our own namespace: an empty folder, never mounted on here.
    await mkdir(privateRoot, { recursive: true });
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of await readdir(dir)) {
    if (GENERATED.test(name)) await rm(join(dir, name), { force: true });
  }
  // Debian's sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true }).catch(() => undefined);

  const p = (name: string): string => join(dir, name);
  await Promise.all(['host', 'host_changed', 'client'].map((k) => keygen(p(`${k}_ed25519`), `lwt-fleet-${k}`)));
  const hostPub = await readFile(p('host_ed25519.pub'), 'utf8');
  const clientPub = await readFile(p('client_ed25519.pub'), 'utf8');
  const user = userInfo().username;
  const addrs = (kind?: FleetHostKind): string[] =>
    hosts.filter((h) => kind === undefined || h.kind === kind).map((h) => h.address);

  await Promise.all([
    writeFile(p('authorized_keys'), clientPub, { mode: 0o600 }),
    writeFile(p('authorized_keys_refused'), '', { mode: 0o600 }),
    // Every host gets the good key: changed-key hosts then fail verification
    // instead of being "unknown", which is the case the tests are after.
    writeFile(p('known_hosts'), renderKnownHosts(addrs(), port, hostPub)),
    writeFile(
      p('ssh_config'),
      renderSshConfig({ addresses: addrs(), port, user, clientKey: p('client_ed25519'), knownHosts: p('known_hosts') }),
    ),
    writeFile(p('hosts'), addrs('good').map((a) => `${a}\n`).join('')),
    writeFile(p('hosts-all'), addrs().map((a) => `${a}\n`).join('')),
  ]);

  // One sshd per kind and per 16 addresses; one per address with private roots.
  const perSshd = privateRoot !== undefined ? 1 : MAX_LISTEN_PER_SSHD;
  const daemons: Daemon[] = [];
  for (const kind of ['good', 'changed-key', 'refused-key'] as const) {
    const list = addrs(kind);
    for (let i = 0; i < list.length; i += perSshd) {
      const name = `sshd-${daemons.length}`;
      daemons.push({
        name,
        kind,
        addresses: list.slice(i, i + perSshd),
        pidFile: p(`${name}.pid`),
        log: p(`${name}.log`),
      });
    }
  }
  const perKind: Partial<Record<FleetHostKind, Record<string, string>>> = {
    'changed-key': { HostKey: p('host_changed_ed25519') },
    'refused-key': { AuthorizedKeysFile: p('authorized_keys_refused') },
  };
  const blackholes = addrs('blackhole');
  if (blackholes.length > 0) {
    // One helper process serves every blackhole address; it needs no per-16 split.
    daemons.push({
      name: 'blackhole',
      kind: 'blackhole',
      addresses: blackholes,
      pidFile: p('blackhole.pid'),
      log: p('blackhole.log'),
    });
  }

  // For people and for `status`: which address is which kind, and who serves it.
  const layout = daemons.map(({ name, kind, addresses, pidFile, log }) => ({ name, kind, addresses, pidFile, log }));
  await writeFile(p('fleet.json'), JSON.stringify({ dir, port, user, ownsDir, privateRoot, hosts, daemons: layout }, null, 2) + '\n');

  try {
    for (const d of daemons) {
      if (d.kind === 'blackhole') {
        const script = fileURLToPath(new URL('./blackhole.js', import.meta.url));
        await launch(d, process.execPath, [script, d.pidFile, String(port), ...d.addresses]);
        continue;
      }
      const conf = p(`${d.name}.conf`);
      const options = mergeOptions(defaultSshdOptions(dir), sshdOptions, perKind[d.kind]);
      await writeFile(conf, renderSshdConfig({ options, pidFile: d.pidFile, addresses: d.addresses, port }));
      // -D keeps sshd in the foreground so we know its pid and see it exit on a config
      // error; detached + unref lets it outlive us (the CLI's `up` exits right away).
      // The absolute path matters: sshd re-executes itself for every connection.
      if (privateRoot === undefined) {
        await launch(d, SSHD, ['-D', '-f', conf, '-E', d.log]);
      } else {
        // unshare execs sh, sh mounts and execs sshd: the child's pid is sshd's. The sh
        // command line already names the config, so a kill during start-up finds it too.
        await launch(d, 'unshare', [
          '--mount',
          '--propagation',
          'private',
          '/bin/sh',
          '-c',
          privateHome
            ? `mount -t tmpfs -o mode=0755 lwt-host "$0" && mount -t tmpfs -o mode=0700 lwt-home ${shQuote(userInfo().homedir)} && exec "$@"`
            : 'mount -t tmpfs -o mode=0755 lwt-host "$0" && exec "$@"',
          privateRoot,
          SSHD,
          '-D',
          '-f',
          conf,
          '-E',
          d.log,
        ]);
      }
    }
    await waitReady(port, daemons);
  } catch (err) {
    const pids = daemons.flatMap((d) => (d.child?.pid ? [d.child.pid] : []));
    await killFleetProcesses(dir, pids).catch(() => undefined);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const listenerPid = async (address: string): Promise<number> => {
    const d = daemons.find((x) => x.addresses.includes(address) && x.kind !== 'blackhole');
    if (!d) throw new Error(`fleet: no sshd serves ${address}`);
    const pid = Number.parseInt(await readFile(d.pidFile, 'utf8'), 10);
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`fleet: bad pid file ${d.pidFile}`);
    return pid;
  };
  return {
    dir,
    sshConfig: p('ssh_config'),
    knownHosts: p('known_hosts'),
    clientKey: p('client_ed25519'),
    user,
    port,
    hosts,
    addresses: addrs,
    ...(privateRoot !== undefined ? { privateRoot } : {}),
    hostRoot: async (address) => {
      if (privateRoot === undefined) throw new Error('fleet: hostRoot needs a fleet started with privateRoot');
      return `/proc/${await listenerPid(address)}/root${privateRoot}`;
    },
    listenerPid,
    sessionPids: async (address) => descendants(await listenerPid(address)),
    signalSessions: async (address, signal = 'SIGKILL') => {
      const pids = await descendants(await listenerPid(address));
      for (const p of pids) {
        try {
          process.kill(p, signal);
        } catch {
          /* gone already */
        }
      }
      return pids.length;
    },
    stop: () =>
      (stopping ??= (async () => {
        await stopFleetDir(dir);
        if (ownsDir) await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/**
 * Descendants of `pid`, read from /proc/<pid>/task/<tid>/children (cheap even with thousands
 * of processes on the machine); falls back to a full process table scan without that file.
 */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
    let kids: number[];
    try {
      const tids = await readdir(`/proc/${p}/task`);
      kids = (await Promise.all(tids.map((t) => readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => ''))))
        .join(' ')
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      if (p !== pid) continue;
      const all = await listProcesses();
      const below = new Set([pid]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const proc of all) {
          if (proc.state === 'Z' || !below.has(proc.ppid) || below.has(proc.pid)) continue;
          below.add(proc.pid);
          grew = true;
        }
      }
      below.delete(pid);
      return [...below];
    }
    for (const k of kids) {
      out.push(k);
      queue.push(k);
    }
  }
  return out;
}

function keygen(path: string, comment: string): Promise<void> {
  return new Promise((res, rej) => {
    execFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], (err, _out, stderr) =>
      err ? rej(new Error(`fleet: ssh-keygen failed for ${path}: ${stderr.trim() || err.message}`)) : res(),
    );
  });
}

/** Spawn detached with stdout/stderr appended to the daemon's log; remember how it exits. */
async function launch(d: Daemon, cmd: string, args: string[]): Promise<void> {
  const log = await open(d.log, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
    d.child = child;
    child.on('error', (err) => (d.exited = `failed to start: ${err.message}`));
    child.on('exit', (code, sig) => (d.exited = sig ? `killed by ${sig}` : `exited with status ${code}`));
    child.unref();
  } finally {
    await log.close();
  }
}

async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const lines = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
  return lines.join('\n') || '(empty)';
}

/**
 * Resolve once every daemon has written its pid file, answers on its first address
 * (an SSH banner for sshd, a TCP accept for the blackhole), and every one of its
 * addresses is in LISTEN state; otherwise throw with the logs of the daemons that
 * did not make it. sshd binds all its ListenAddresses before it writes the pid file
 * and accepts, so one banner per sshd proves keys and config load, and the socket
 * table proves the other addresses without making sshd fork a child for each probe.
 */
async function waitReady(port: number, daemons: Daemon[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const dead = (): boolean => daemons.some((d) => d.exited !== undefined);
  const failed = new Map<Daemon, string[]>();
  const fail = (d: Daemon, why: string): void => void failed.set(d, [...(failed.get(d) ?? []), why]);
  const exists = (f: string): Promise<boolean> => readFile(f).then(() => true, () => false);
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  await Promise.all(
    daemons.map(async (d) => {
      while (d.exited === undefined && !(await exists(d.pidFile))) {
        if (Date.now() >= deadline) return fail(d, `no pid file ${d.pidFile}`);
        await sleep(25);
      }
      if (d.exited !== undefined) return;
      const want = d.kind === 'blackhole' ? 'connected' : 'banner';
      const r = await waitUp(d.addresses[0]!, port, want, deadline, dead);
      if (r !== want) fail(d, `${d.addresses[0]}:${port} ${r}`);
    }),
  );

  for (;;) {
    const listening = await listeningSockets();
    const missing = daemons.flatMap((d) =>
      d.addresses.filter((a) => !listening.has(`${a}:${port}`)).map((a) => [d, a] as const),
    );
    if (missing.length === 0 || failed.size > 0 || dead() || Date.now() >= deadline) {
      for (const [d, a] of missing) if (d.exited === undefined) fail(d, `${a}:${port} not listening`);
      break;
    }
    await sleep(50);
  }

  for (const d of daemons) {
    if (d.exited !== undefined) fail(d, `${d.kind === 'blackhole' ? 'helper' : 'sshd'} ${d.exited}`);
    // A partial bind failure does not stop sshd; it only logs it.
    const log = await readFile(d.log, 'utf8').catch(() => '');
    if (/Bind to port|Cannot bind/.test(log)) fail(d, 'bind failure in log');
  }

  if (failed.size > 0) {
    const parts = await Promise.all(
      [...failed].map(async ([d, why]) =>
        `${d.name} (${d.kind}, ${d.addresses[0]}..${d.addresses.at(-1)}): ${why.slice(0, 3).join('; ')}` +
        `${why.length > 3 ? `; +${why.length - 3} more` : ''}\n--- tail of ${d.log}\n${await tail(d.log)}`,
      ),
    );
    const when = Date.now() >= deadline ? ` within ${START_TIMEOUT_MS / 1000} s` : '';
    throw new Error(`fleet: ${failed.size} of ${daemons.length} daemon(s) did not come up${when}:\n${parts.join('\n')}`);
  }
}

/**
 * Stop the fleet whose files are in `dir` (for the CLI's `down`, or a fleet whose
 * starter is gone). Uses the pid files and a /proc scan for processes started with
 * this directory's configs, including per-connection sshd children. Removes the pid
 * files; keeps everything else. A missing or empty directory is not an error.
 */
export async function stopFleetDir(dir: string): Promise<void> {
  dir = resolve(dir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const pidFiles = names.filter((n) => /^(sshd-\d+|blackhole)\.pid$/.test(n)).map((n) => join(dir, n));
  const pids = (await Promise.all(pidFiles.map((f) => readFile(f, 'utf8').catch(() => ''))))
    .map((s) => Number.parseInt(s.trim(), 10))
    .filter((n) => Number.isInteger(n) && n > 1);
  await killFleetProcesses(dir, pids);
  await Promise.all(pidFiles.map((f) => rm(f, { force: true })));
}
