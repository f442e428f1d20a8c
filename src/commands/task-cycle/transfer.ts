/**
 * The transfers of the task scheduler, with put-all's and get-all's machinery on the cycle's
 * connection: a task's inputs go once per host into `~/.lwt-tasks/.inputs/<name>/` (only what
 * changed: instances of one task share them), and an ended task's `out/` (stdout, stderr,
 * outputs) comes back into `<home>/tasks/<name>/results/<id>/`.
 */
import { join } from 'node:path';
import type { Outcome } from '../../core/outcome.js';
import { describeOutcome } from '../../core/outcome.js';
import type { HostJob } from '../../runner/host-runner.js';
import { execRemote } from '../../ssh/remote-exec.js';
import type { TaskDefinition } from '../../tasks/definition.js';
import { gatherScript, INPUTS_DIR, statusOutcome, TASKS_DIR } from '../../tasks/remote-scripts.js';
import type { TaskInstance } from '../../tasks/state.js';
import { compileExcludes } from '../../transfer/exclude.js';
import { LocalHasher, walkLocal, type LocalTree } from '../../transfer/local-tree.js';
import { ContentCache } from '../../transfer/push.js';
import type { SyncOptions } from '../../transfer/sync.js';
import { getHost } from '../get-all.js';
import { putHost } from '../put-all.js';

const SYNC: SyncOptions = { changed: true, checksum: false, delete: false, dryRun: false, excluder: compileExcludes([]) };

export interface StepResult {
  outcome: Outcome;
  message: string;
}

/** The task folder's inputs (and the folders on the way to them), as one tree to send. */
export async function inputsTree(def: TaskDefinition): Promise<LocalTree> {
  const tree = await walkLocal(def.dir, { followLinks: false, followRoot: true, strict: true });
  const wanted = (rel: string): boolean =>
    rel === '' || def.inputs.some((i) => rel === i || rel.startsWith(`${i}/`) || i.startsWith(`${rel}/`));
  return { ...tree, entries: tree.entries.filter((e) => wanted(e.rel)) };
}

export async function sendInputs(job: HostJob, def: TaskDefinition): Promise<StepResult> {
  const tree = await inputsTree(def);
  const missing = def.inputs.filter((i) => !tree.entries.some((e) => e.rel === i));
  if (missing.length) return { outcome: { kind: 'local-error', message: `no such input` }, message: `${def.file}: inputs: ${missing.join(', ')} not in ${def.dir}` };
  const r = await putHost(job, { tree, name: def.name, contents: true }, { dest: `${INPUTS_DIR}/${def.name}`, destSlash: true, sync: SYNC }, new ContentCache(), new LocalHasher());
  return { outcome: r.outcome, message: r.outcome.kind === 'exited' && r.outcome.code === 0 ? 'sent' : `${describeOutcome(r.outcome)}${r.stderr ? `: ${r.stderr.trim().split('\n')[0]}` : ''}` };
}

/**
 * Gather the outputs into out/ on the host, then fetch out/ into results/<id>/. The task's
 * own outcome comes from its status file when lwt did not decide it (a kill) itself.
 */
export async function fetchResults(job: HostJob, t: TaskInstance, def: TaskDefinition | undefined, home: string): Promise<StepResult & { taskOutcome: Outcome }> {
  const g = await execRemote(job.client, { command: `${gatherScript(t.id, def?.outputs ?? [])}\ncat ${TASKS_DIR}/${t.id}/status 2>/dev/null; exit 0`, signal: job.signal, outputCapBytes: 64 * 1024, log: job.log });
  const taskOutcome: Outcome = g.stdout.trim() ? statusOutcome(g.stdout.trim()) : { kind: 'lost', message: 'no status on the host' };
  if (g.outcome.kind !== 'exited' || g.outcome.code !== 0) return { outcome: g.outcome, message: describeOutcome(g.outcome), taskOutcome };
  const results = join(home, 'tasks', t.name, 'results');
  const r = await getHost(
    { client: job.client, signal: job.signal, label: t.id, onBytes: job.onBytes },
    { remote: `${TASKS_DIR}/${t.id}/out`, contents: true, name: 'out', localDir: results, followLinks: false, sync: SYNC },
    new LocalHasher(),
  );
  const ok = r.outcome.kind === 'exited' && r.outcome.code === 0;
  return { outcome: r.outcome, message: ok ? 'fetched' : `${describeOutcome(r.outcome)}${r.stderr ? `: ${r.stderr.trim().split('\n')[0]}` : ''}`, taskOutcome };
}
