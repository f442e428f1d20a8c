import { EXIT } from '../core/outcome.js';

/** The exit status table, shown by every verb's --help and in the README. */
export const EXIT_STATUS_HELP = `Exit status (the worst one wins):
  ${EXIT.ok}    every job/host exited 0
  ${EXIT.failed}    some command exited non-zero
  ${EXIT.usage}    usage error: bad flag, unreadable file, bad config (nothing ran)
  ${EXIT.killed}    some job was killed by a signal, timed out, or closed without an exit status
  ${EXIT.unreachable}    some host was unreachable, or a job could not be started
  ${EXIT.sigint}  interrupted by SIGINT (Ctrl-C): running jobs were killed, the summary printed
  ${EXIT.sigterm}  interrupted by SIGTERM`;
