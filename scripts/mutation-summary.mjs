// Mutation score per folder and per file from Stryker's JSON report, and per file the kinds of
// mutant no test detects, for reports/mutation-summary.txt (each mutant and its place are in
// reports/mutation/mutation.html).
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

// Several reports (runs of one folder each, oldest first) are read as one: a file's last report counts.
const paths = process.argv.length > 2 ? process.argv.slice(2) : ['reports/mutation/mutation.json'];
const reports = paths.map((p) => ({ path: p, files: JSON.parse(readFileSync(p, 'utf8')).files }));
const report = { files: Object.assign({}, ...reports.map((r) => r.files)) };
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

const tally = () => ({ detected: 0, undetected: 0, survivors: new Map() });
const files = new Map();
const folders = new Map();
const total = tally();
for (const [file, { mutants }] of Object.entries(report.files).sort()) {
  const t = tally();
  for (const m of mutants) {
    if (DETECTED.has(m.status)) t.detected++;
    else if (UNDETECTED.has(m.status)) {
      t.undetected++;
      const kind = `${m.mutatorName}${m.status === 'NoCoverage' ? ' (not reached)' : ''}`;
      t.survivors.set(kind, (t.survivors.get(kind) ?? 0) + 1);
    }
  }
  files.set(file, t);
  const folder = dirname(file);
  const f = folders.get(folder) ?? tally();
  f.detected += t.detected;
  f.undetected += t.undetected;
  folders.set(folder, f);
  total.detected += t.detected;
  total.undetected += t.undetected;
}
const pct = (t) => (t.detected + t.undetected === 0 ? 'n/a' : `${((100 * t.detected) / (t.detected + t.undetected)).toFixed(1)} %`);
const row = (name, t) => `${pct(t).padStart(8)}  ${String(t.detected).padStart(5)} / ${String(t.detected + t.undetected).padEnd(5)} ${name}`;
// Which run each file's numbers come from (the report's name says when and at which commit).
const runs = reports
  .map((r) => ({ name: basename(r.path), folders: [...new Set(Object.keys(r.files).filter((f) => report.files[f] === r.files[f]).map((f) => dirname(f)))] }))
  .filter((r) => r.folders.length > 0)
  .map((r) => `  ${r.name}: ${r.folders.sort().join(' ')}`);
const out = [...(runs.length > 1 ? ['Runs:', ...runs, ''] : []), 'Mutation score (killed or timed out / all but ignored), per folder then per file:', row('all', total), ''];
for (const [name, t] of folders) out.push(row(`${name}/`, t));
out.push('');
for (const [name, t] of files) out.push(row(name, t));
out.push('', 'Mutants no test detects, per file and kind:');
for (const [name, t] of files) {
  if (t.survivors.size === 0) continue;
  out.push(`${name}: ${[...t.survivors].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
}
console.log(out.join('\n'));
