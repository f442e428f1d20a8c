/**
 * A program that uses lwt as a library: uptime on every host given, one line per host,
 * exit status as the lwt command would have it.
 *   node dist/examples/uptime.js SSH_CONFIG 'web[01-04]' [more hosts…]
 */
import { describeOutcome, execAll, isSuccess } from 'lwt';

const [sshConfigFile, ...hosts] = process.argv.slice(2);
if (!sshConfigFile || hosts.length === 0) {
  console.error('usage: uptime SSH_CONFIG HOSTS...');
  process.exit(2);
}
const summary = await execAll({ hosts, command: 'uptime', sshConfigFile, concurrency: 16, timeoutMs: 10_000 });
for (const r of summary.results) {
  const text = isSuccess(r.outcome) ? r.stdout.trim() : describeOutcome(r.outcome);
  console.log(`${r.host}: ${text}`);
}
console.log(`${summary.results.length} hosts in ${summary.wallMs} ms, exit status ${summary.exitStatus}`);
process.exitCode = summary.exitStatus;
