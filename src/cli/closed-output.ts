/**
 * A closed stdout (`lwt … | head -1`): the reader is gone, so writing more is pointless and
 * an unhandled EPIPE would crash lwt mid-run, leaving the remote commands running. lwt stops
 * writing and treats it as SIGPIPE would end a shell tool: a running verb cancels its run
 * (remote trees killed, journal closed) and exits 141; help, `hosts expand` and `log` simply
 * end (0), since what they print is already complete for the reader that stopped reading.
 * A closed stderr is ignored the same way (nothing to report to).
 */
let stdoutClosed = false;
const listeners = new Set<() => void>();
let installed = false;

function isPipeError(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';
}

/** Install once: EPIPE on stdout or stderr becomes "closed", never a crash. */
export function watchClosedOutput(): void {
  if (installed) return;
  installed = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (!isPipeError(err)) throw err;
    if (stdoutClosed) return;
    stdoutClosed = true;
    for (const l of [...listeners]) l();
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (!isPipeError(err)) throw err;
  });
}

export function isStdoutClosed(): boolean {
  return stdoutClosed;
}

/** Call `fn` once stdout's reader is gone (at once when it already is). Returns the unsubscribe. */
export function onStdoutClosed(fn: () => void): () => void {
  if (stdoutClosed) {
    fn();
    return () => undefined;
  }
  listeners.add(fn);
  return () => listeners.delete(fn);
}
