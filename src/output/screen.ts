/**
 * The only writer to the terminal while jobs run. Live lines and the one-line progress
 * display share a terminal; every line write first clears the progress line and then
 * redraws it, so the two never mix. Without a TTY on stderr there is no progress line.
 */
export interface Screen {
  out(text: string): void;
  err(text: string): void;
  /** Replace the progress line (TTY only); empty string clears it. */
  status(text: string): void;
  /** Clear the progress line for good. */
  close(): void;
}

export function terminalScreen(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Screen {
  const tty = stderr.isTTY === true && process.env.TERM !== 'dumb';
  let current = '';
  const clear = (): void => {
    if (tty && current) stderr.write('\r\x1b[K');
  };
  const redraw = (): void => {
    if (tty && current) stderr.write(fit(current, stderr.columns || 80));
  };
  return {
    out(text) {
      clear();
      // The reader of a pipe went away (| head): the run is being cancelled, write nothing more.
      if (!stdout.writableEnded && !stdout.destroyed) stdout.write(text);
      redraw();
    },
    err(text) {
      clear();
      if (!stderr.destroyed) stderr.write(text);
      redraw();
    },
    status(text) {
      if (!tty) return;
      clear();
      current = text;
      redraw();
    },
    close() {
      clear();
      current = '';
    },
  };
}

function fit(text: string, columns: number): string {
  return text.length < columns ? text : `${text.slice(0, Math.max(0, columns - 2))}…`;
}

/** A Screen that collects everything, for tests and for --json runs that print nothing live. */
export function bufferScreen(): Screen & { stdout: string[]; stderr: string[] } {
  const s = {
    stdout: [] as string[],
    stderr: [] as string[],
    out: (t: string) => void s.stdout.push(t),
    err: (t: string) => void s.stderr.push(t),
    status: () => undefined,
    close: () => undefined,
  };
  return s;
}
