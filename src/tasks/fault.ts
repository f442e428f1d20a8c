/**
 * Fault injection for the crash tests: with LWT_FAULT=<point>, lwt kills itself with SIGKILL
 * at that point of a task-update cycle, the way a power cut or an OOM kill would. The tests
 * then prove that the next cycle completes the work and runs no task twice. Off unless set.
 */
export type FaultPoint = 'after-upload' | 'after-start' | 'during-fetch';

export function faultPoint(point: FaultPoint): void {
  if (process.env.LWT_FAULT === point) process.kill(process.pid, 'SIGKILL');
}
