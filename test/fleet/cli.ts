/**
 * Run a test fleet by hand:
 *   npm run fleet -- up 50 [--refused N] [--blackhole N] [--changed-key N] [--refused-key N] [--port P] [--dir DIR]
 *                          [--first-address A] [--private-root PATH]   (each host its own tmpfs at PATH: one sshd per host, root only)
 *   npm run fleet -- down [--dir DIR]
 *   npm run fleet -- status [--dir DIR]
 * The fleet lives in $LWT_FLEET_DIR or /tmp/lwt-fleet, and keeps running after this exits.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startFleet, stopFleetDir, type FleetHost, type FleetHostKind } from './fleet.js';
import { findFleetProcesses } from './procs.js';

const USAGE =
  'usage: fleet up N [--refused N] [--blackhole N] [--changed-key N] [--refused-key N] [--port P] [--dir DIR] [--first-address A] [--private-root PATH]' +
  ' | down [--dir DIR] | status [--dir DIR]';

class Usage extends Error {}

/** Flags each command takes; all take one value. */
const FLAGS: Record<string, string[]> = {
  up: ['--refused', '--blackhole', '--changed-key', '--refused-key', '--port', '--dir', '--first-address', '--private-root'],
  down: ['--dir'],
  status: ['--dir'],
};

function parse(argv: string[]): { cmd: string; positional: string[]; flags: Map<string, string> } {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) throw new Usage('missing command');
  if (!(cmd in FLAGS)) throw new Usage(`unknown command: ${cmd}`);
  const allowed = FLAGS[cmd]!;
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!allowed.includes(name)) throw new Usage(`unknown option for ${cmd}: ${name}`);
    const value = eq < 0 ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Usage(`${name} needs a value`);
    flags.set(name, value);
  }
  const maxPositional = cmd === 'up' ? 1 : 0;
  if (positional.length > maxPositional) throw new Usage(`unexpected argument: ${positional[maxPositional]}`);
  return { cmd, positional, flags };
}

function count(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Usage(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

async function up(positional: string[], flags: Map<string, string>, dir: string): Promise<void> {
  if (positional[0] === undefined) throw new Usage('up needs the number of good hosts');
  const good = count('N', positional[0], 0);
  const port = count('--port', flags.get('--port'), 2222);
  if (port < 1 || port > 65535) throw new Usage(`--port out of range: ${port}`);
  await stopFleetDir(dir);
  const t0 = Date.now();
  const fleet = await startFleet({
    dir,
    port,
    good,
    refused: count('--refused', flags.get('--refused'), 0),
    blackhole: count('--blackhole', flags.get('--blackhole'), 0),
    changedKey: count('--changed-key', flags.get('--changed-key'), 0),
    refusedKey: count('--refused-key', flags.get('--refused-key'), 0),
    ...(flags.has('--first-address') ? { firstAddress: flags.get('--first-address')! } : {}),
    ...(flags.has('--private-root') ? { privateRoot: flags.get('--private-root')! } : {}),
  });
  const ms = Date.now() - t0;
  const kinds: FleetHostKind[] = ['good', 'refused', 'blackhole', 'changed-key', 'refused-key'];
  const summary = kinds.map((k) => `${fleet.addresses(k).length} ${k}`).join(', ');
  const first = fleet.addresses('good')[0] ?? fleet.hosts[0]!.address;
  const range = `${fleet.hosts[0]!.address}..${fleet.hosts.at(-1)!.address}`;
  process.stdout.write(
    [
      `fleet up in ${(ms / 1000).toFixed(2)} s: ${summary} on ${range} port ${port}`,
      `  ssh config:   ${fleet.sshConfig}`,
      `  known_hosts:  ${fleet.knownHosts}`,
      `  good hosts:   ${join(dir, 'hosts')}`,
      `  all hosts:    ${join(dir, 'hosts-all')}   (kinds in ${join(dir, 'fleet.json')})`,
      `  logs:         ${join(dir, 'sshd-*.log')}`,
      ...(fleet.privateRoot ? [`  private root: ${fleet.privateRoot} is a separate tmpfs on every host (one sshd per host)`] : []),
      `  try:          ssh -F ${fleet.sshConfig} ${first} true`,
      `  stop:         npm run fleet -- down${flags.has('--dir') ? ` --dir ${dir}` : ''}`,
      '',
    ].join('\n'),
  );
}

async function status(dir: string): Promise<void> {
  const procs = await findFleetProcesses(dir);
  // Pre-auth per-connection children match too; count only the listeners.
  const sshd = procs.filter((p) => p.cmdline.includes('[listener]')).length;
  const blackhole = procs.find((p) => p.cmdline.includes('blackhole.js'));
  const meta = await readFile(join(dir, 'fleet.json'), 'utf8').then(
    (t) => JSON.parse(t) as { port: number; hosts: FleetHost[] },
    () => undefined,
  );
  if (procs.length === 0) {
    process.stdout.write(`no fleet running in ${dir}\n`);
    return;
  }
  const hosts = meta?.hosts ?? [];
  const byKind = new Map<string, number>();
  for (const h of hosts) byKind.set(h.kind, (byKind.get(h.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ') || 'hosts unknown (no fleet.json)';
  process.stdout.write(
    `fleet running in ${dir}: ${sshd} sshd listener(s)` +
      `${blackhole ? `, blackhole helper (pid ${blackhole.pid})` : ''}` +
      `; ${kinds}${meta ? ` on port ${meta.port}` : ''}\n`,
  );
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    if (!(err instanceof Usage)) throw err;
    process.stderr.write(`fleet: ${err.message} (${USAGE})\n`);
    return 2;
  }
  const { cmd, positional, flags } = parsed;
  const dir = resolve(flags.get('--dir') ?? process.env['LWT_FLEET_DIR'] ?? '/tmp/lwt-fleet');
  try {
    if (cmd === 'up') await up(positional, flags, dir);
    else if (cmd === 'down') {
      await stopFleetDir(dir);
      process.stdout.write(`fleet in ${dir} stopped\n`);
    } else await status(dir);
    return 0;
  } catch (err) {
    if (err instanceof Usage) {
      process.stderr.write(`fleet: ${err.message} (${USAGE})\n`);
      return 2;
    }
    process.stderr.write(`fleet: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
