// The floor lwt is measured against: connect, exec `true`, close, with p-limit; no host-key
// check, no output handling, no journal. Usage: node bench/bare-ssh2-loop.mjs HOSTS_FILE KEY PORT FANOUT
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import pLimit from 'p-limit';

const [hostsFile, keyFile, port, fanout] = process.argv.slice(2);
const hosts = readFileSync(hostsFile, 'utf8').split('\n').filter(Boolean);
const privateKey = readFileSync(keyFile);
const limit = pLimit(Number(fanout ?? 128));
let ok = 0;
const t0 = Date.now();
await Promise.all(
  hosts.map((host) =>
    limit(
      () =>
        new Promise((resolve) => {
          const c = new ssh2.Client();
          c.on('ready', () =>
            c.exec('true', (err, stream) => {
              if (err) return c.end(), resolve();
              stream.on('close', (code) => {
                if (code === 0) ok++;
                c.end();
                resolve();
              });
              stream.resume();
              stream.stderr.resume();
            }),
          )
            .on('error', () => resolve())
            .connect({ host, port: Number(port ?? 22), username: 'root', privateKey, readyTimeout: 10000 });
        }),
    ),
  ),
);
const cpu = process.cpuUsage();
console.log(`${ok}/${hosts.length} ok in ${((Date.now() - t0) / 1000).toFixed(2)} s, client CPU ${((cpu.user + cpu.system) / 1000 / hosts.length).toFixed(2)} ms/host`);
