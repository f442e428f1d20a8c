/**
 * What an operator coming from pdsh, pssh and clush tries first: their flags, pipes, signals
 * and a terminal, against a real OpenSSH fleet on loopback.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { LWT_BIN, processesMatching, runLwt, runProgram, uniqueSeconds, type LwtRun } from './helpers.js';

let fleet: Fleet;
let home: string;
let work: string;

before(async () => {
  fleet = await startFleet({ good: 4, port: 2231, firstAddress: '127.0.9.1' });
  home = await mkdtemp(join(tmpdir(), 'lwt-home-'));
  work = await mkdtemp(join(tmpdir(), 'lwt-work-'));
  await runLwt(['init', home]);
});

after(async () => {
  await fleet?.stop();
  for (const d of [home, work]) if (d) await rm(d, { recursive: true, force: true });
});

const lwt = (verb: string, args: string[], opts: Parameters<typeof runLwt>[1] = {}): Promise<LwtRun> =>
  runLwt(['--home', home, verb, '-F', fleet.sshConfig, ...args], { cwd: work, ...opts });
const good = (n = 4): string => fleet.addresses('good').slice(0, n).join(',');

test("pssh's -h FILE is an error pointing to -H; -h alone shows help", async () => {
  const r = await lwt('exec-all', ['-h', 'hosts.txt', 'uptime']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /-h hosts\.txt: a host file is -H FILE in lwt/);
  assert.equal(r.stdout, '');
  const h = await lwt('put-all', ['-h']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^Usage: lwt put-all/);
});

test("-o -oStrictHostKeyChecking=no is refused naming -O, and makes no folder", async () => {
  const r = await lwt('exec-all', ['-w', good(1), '-o', '-oStrictHostKeyChecking=no', 'true']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /an ssh option is -O/);
  assert.equal(existsSync(join(work, '-oStrictHostKeyChecking=no')), false);
});

test('--exclude means nothing alone: hosts are -x/--exclude-hosts everywhere, paths --exclude-path', async () => {
  for (const verb of ['exec-all', 'put-all', 'get-all', 'monitor']) {
    const args = verb === 'exec-all' ? ['-w', good(2), '--exclude', fleet.addresses('good')[0]!, 'true'] : verb === 'monitor' ? ['-w', good(2), '--exclude', 'x'] : ['--exclude', 'x', 'a', 'b'];
    const r = await lwt(verb, args);
    assert.equal(r.status, 2, `${verb}: ${r.stderr}`);
    assert.match(r.stderr, /-x\/--exclude-hosts/, verb);
    if (verb === 'put-all' || verb === 'get-all') assert.match(r.stderr, /--exclude-path/);
  }
  const ok = await lwt('exec-all', ['-w', good(2), '--exclude-hosts', fleet.addresses('good')[0]!, '--json', 'true']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim().split('\n').length, 2, 'one host line and the summary');
});

test('--connect-timeout 0 is refused with a message, nothing runs', async () => {
  const r = await lwt('exec-all', ['-w', good(1), '--connect-timeout', '0', 'true']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /connect deadline must be > 0/);
});

test('-w ^FILE and -w @GROUP reach the hosts they name', async () => {
  const { writeFile, mkdir } = await import('node:fs/promises');
  const [a, b, c] = fleet.addresses('good');
  await writeFile(join(work, 'list'), `${a}\n${b}\n`);
  await mkdir(join(home, 'hosts', 'racks'), { recursive: true });
  await writeFile(join(home, 'hosts', 'racks', 'r1'), `${c}\n`);
  await writeFile(join(work, 'inv.ini'), `[web]\n${a}\n[db]\n${c}\n`);
  const hostsOf = (r: LwtRun): string[] => r.stdout.trim().split('\n').slice(0, -1).map((l) => JSON.parse(l).host).sort();
  const r1 = await lwt('exec-all', ['-w', '^list', '-H', 'racks/r1', '--json', 'true']);
  assert.equal(r1.status, 0, r1.stderr);
  assert.deepEqual(hostsOf(r1), [a, b, c].sort());
  const r2 = await lwt('exec-all', ['-H', './inv.ini', '-w', '@db', '--json', 'true']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.deepEqual(hostsOf(r2), [c]);
});

/** Run a shell pipeline with bash; `$LWT` is lwt with the home and fleet config. Prints PIPESTATUS last. */
async function pipeline(script: string): Promise<{ stdout: string; stderr: string; statuses: number[] }> {
  const r = await runProgram('bash', ['-c', `${script}; echo "status \${PIPESTATUS[*]}"`], {
    input: null,
    cwd: work,
    // timeout: a run that never notices the closed pipe fails the test instead of hanging it.
    env: { LWT: `timeout 60 ${process.execPath} ${LWT_BIN} --home ${home}`, F: fleet.sshConfig },
    timeoutMs: 120_000,
  });
  const m = /status ([\d ]+)\n$/.exec(r.stdout);
  return { stdout: m ? r.stdout.slice(0, m.index) : r.stdout, stderr: r.stderr, statuses: m ? m[1]!.trim().split(' ').map(Number) : [] };
}

test('exec-all | head -1: the closed pipe cancels the run, remote trees are killed, exit 141', async () => {
  const n = uniqueSeconds();
  const r = await pipeline(`$LWT exec-all -F $F -w ${good()} 'echo first; sleep 0.5; echo second; sleep ${n}' | head -1`);
  assert.equal(r.statuses[0], 141, r.stderr);
  assert.match(r.stdout, /^127\.0\.9\.\d: first\n$/);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at .*\.js/);
  assert.match(r.stderr, /4 cancelled/);
  assert.deepEqual(await processesMatching(new RegExp(`^sleep ${n}$`)), []);
  const id = /run (\S+): lwt log/.exec(r.stderr)?.[1];
  const meta = JSON.parse(await readFile(join(home, '.lwt', 'runs', id!, 'run.json'), 'utf8'));
  assert.equal(meta.exitStatus, 141, 'the journal was closed with the cancel');
});

test('--json | head -c 100: cancelled at the first line that cannot be written, exit 141', async () => {
  // Hosts run one at a time: the first two end at once (a line longer than head reads, then
  // one written into the closed pipe), the others would sleep. JSON is written as hosts end, so
  // the closed pipe is seen at the second line.
  const n = uniqueSeconds();
  const marker = `/tmp/lwt-ops-json-${n}`;
  const cmd = `c=$(cat ${marker} 2>/dev/null || echo 0); echo $((c+1)) > ${marker}; [ $c -ge 2 ] && sleep ${n}; printf '%0200d\\n' 0`;
  const r = await pipeline(`$LWT exec-all -F $F -w ${good()} -p 1 --json '${cmd}' | head -c 100 >/dev/null`);
  await rm(marker, { force: true });
  assert.equal(r.statuses[0], 141, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/);
  assert.deepEqual(await processesMatching(new RegExp(`^sleep ${n}$`)), []);
});

test('help, hosts expand and log into a closed pipe end quietly with 0', async () => {
  const runs = await runLwt(['--home', home, 'exec-all', '-F', fleet.sshConfig, '-w', good(2), 'seq 1 20000']);
  assert.equal(runs.status, 0, runs.stderr);
  for (const cmd of ['$LWT exec-all --help | true', "$LWT hosts expand 'n[1-300000]' | head -1", '$LWT log last | head -1', '$LWT --help | head -3']) {
    const r = await pipeline(cmd);
    assert.equal(r.statuses[0], 0, `${cmd}: ${r.stderr}`);
    assert.equal(r.stderr, '', cmd);
  }
});

test('SIGHUP cancels like Ctrl-C, with log files open: remote trees killed, exit 129', async () => {
  const n = uniqueSeconds();
  let runningAtSignal: string[] = [];
  const r = await runLwt(['--home', home, '-v', 'exec-all', '-F', fleet.sshConfig, '-w', good(), `sleep ${n}`], {
    timeoutMs: 60_000,
    onSpawn: (pid) => {
      void (async () => {
        for (let i = 0; i < 200 && (runningAtSignal = await processesMatching(new RegExp(`^sleep ${n}$`))).length < 4; i++) await sleep(50);
        process.kill(pid, 'SIGHUP');
      })();
    },
  });
  // Otherwise "nothing left" below would hold trivially.
  assert.equal(runningAtSignal.length, 4, `running when SIGHUP was sent: ${runningAtSignal.join('; ')}`);
  assert.equal(r.status, 129, r.stderr);
  assert.match(r.stderr, /4 cancelled/);
  assert.deepEqual(await processesMatching(new RegExp(`^sleep ${n}$`)), []);
});

test('--stdin - sends lwt\'s piped stdin to every host; without it the commands get an empty stdin', async () => {
  const withStdin = await lwt('exec-all', ['-w', good(), '--json', '--stdin', '-', 'cat'], { input: 'hello\nworld\n' });
  assert.equal(withStdin.status, 0, withStdin.stderr);
  const lines = withStdin.stdout.trim().split('\n').slice(0, -1).map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  for (const l of lines) assert.equal(l.stdout, 'hello\nworld\n', l.host);
  const without = await lwt('exec-all', ['-w', good(), '--json', 'cat'], { input: 'hello\n' });
  assert.equal(without.status, 0, without.stderr);
  for (const l of without.stdout.trim().split('\n').slice(0, -1).map((x) => JSON.parse(x))) assert.equal(l.stdout, '', l.host);
});

test('every help page fits 80 columns when stdout is not a terminal; get-all --help names its own fields', async () => {
  for (const verb of ['', 'exec-all', 'put-all', 'put-all-diff', 'get-all', 'monitor', 'hosts', 'run', 'history', 'log', 'init']) {
    const r = await runLwt([...(verb ? [verb] : []), '--help']);
    assert.equal(r.status, 0, verb);
    const long = r.stdout.split('\n').filter((l) => l.length > 80);
    assert.deepEqual(long, [], `lwt ${verb} --help`);
  }
  const get = (await runLwt(['get-all', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.match(get, /--json one JSON object per host as it finishes \(with filesReceived, bytesReceived, filesDeleted\)/);
  assert.doesNotMatch(get, /filesSent|send only/);
  assert.match(get, /ask is read as yes \(lwt never prompts\)/);
  assert.doesNotMatch(get, /some command exited non-zero/, 'no command runs in a transfer');
});

test('failure reasons are printed by default, each once with its hosts folded; -v never says a host twice', async () => {
  const got = await lwt('get-all', ['-w', good(), '/nonexistent', join(work, 'got')]);
  assert.equal(got.status, 1, got.stderr);
  assert.match(got.stderr, /^ {2}failed: 127\.0\.9\.\[1-4\]: \/nonexistent: no such file or folder on the host$/m);
  const refused = '127.0.9.200';
  const v = await lwt('exec-all', ['-v', '--retries', '1', '-w', `${good(1)},${refused}`, 'true']);
  assert.equal(v.status, 4, v.stderr);
  for (const line of v.stderr.split('\n')) assert.ok(line.split(refused).length <= 2, `host named twice: ${line}`);
  assert.match(v.stderr, /unreachable \(refused\): 127\.0\.9\.200: connection refused/);
});

test('a failed write names the destination, never the temporary file', async () => {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(work, 'f.txt'), 'x\n');
  const r = await lwt('put-all', ['-w', good(1), join(work, 'f.txt'), '/sys/']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /\/sys\/f\.txt/);
  assert.doesNotMatch(r.stderr, /lwt-tmp/);
});

test('put-all --dry-run groups hosts with the same plan, like -b', async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(join(work, 'tree'), { recursive: true });
  for (const f of ['a', 'b', 'c']) await writeFile(join(work, 'tree', f), f);
  const r = await lwt('put-all', ['-w', good(), '--dry-run', `${join(work, 'tree')}/`, `/tmp/lwt-ops-dry-${process.pid}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^127\.0\.9\.\[1-4\] \(4\)$/m);
  assert.equal(r.stdout.split('\n').filter((l) => /^send .*\/a\b/.test(l)).length, 1, r.stdout);
});
