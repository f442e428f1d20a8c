/**
 * lwt as a library. `import { execAll } from 'lwt'`: the verbs as functions that return data,
 * the per-host runner underneath them, host lists and ranges, and the outcome types that
 * --json prints.
 */
export { execAll, putAll, getAll, monitorCycle } from './api/library.js';
export type {
  RunOptions,
  ExecAllOptions,
  TransferOptions,
  MonitorCycleOptions,
  RunResult,
  HostResult,
  CycleReport,
  Hysteresis,
  Thresholds,
} from './api/library.js';
export { createSshContext, type SshOptions } from './ssh/setup.js';

// The runner, for verbs of one's own: hosts in, work per host, a RunSummary back.
export { runHosts, type HostJob, type HostRunOptions } from './runner/host-runner.js';
export { runJobs, type JobWork, type JobRunOptions } from './runner/job-runner.js';
export { Connections, type Lease, type ConnectionsOptions } from './runner/connections.js';
export { RunEvents, type RunEvent, type RunListener } from './runner/events.js';
export type { JobResult, RunSummary } from './runner/results.js';
export { execRemote, type RemoteExecOptions } from './ssh/remote-exec.js';
export { SshContext } from './ssh/connect.js';

// Outcomes and exit statuses.
export { describeOutcome, isSuccess, outcomeJson, type Outcome, type OutcomeKind, type UnreachableReason } from './core/outcome.js';
export { EXIT, runStatus, worstStatus, outcomeStatus } from './cli/exit-status.js';

// Host lists and ranges.
export { parseHostSpec, formatHostSpec, type HostSpec } from './hosts/host-spec.js';
export { parseInlineHosts, parseHostList, readHostListFile } from './hosts/host-list.js';
export { expandRanges } from './hosts/ranges.js';
export { foldHosts, foldHostGroups } from './hosts/fold.js';
export { selectHosts, type HostSelection, type SelectOptions } from './hosts/select.js';
export { LwtError, UsageError } from './errors.js';
