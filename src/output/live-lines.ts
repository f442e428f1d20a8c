import type { StreamName } from '../core/local-process.js';
import type { Screen } from './screen.js';
import { PLAIN, type TextStyle } from './text-style.js';

/** Longest partial line held back waiting for its newline; beyond it the piece is printed. */
const MAX_PENDING = 64 * 1024;

/**
 * Prefix every line of live output with its job's label, `LABEL: line` for stdout and
 * `LABEL:err: line` (on stderr) for stderr. Output arrives in arbitrary chunks; only
 * whole lines are written, so two jobs never interleave within one line.
 */
export class LivePrefixer {
  private pending = new Map<string, string>();

  constructor(
    private readonly screen: Screen,
    private readonly styles: { out: TextStyle; err: TextStyle } = { out: PLAIN, err: PLAIN },
  ) {}

  push(label: string, stream: StreamName, chunk: Buffer | string): void {
    const key = `${stream}\0${label}`;
    let text = (this.pending.get(key) ?? '') + chunk.toString();
    let nl = text.lastIndexOf('\n');
    if (nl < 0 && text.length > MAX_PENDING) {
      text += '\n';
      nl = text.length - 1;
    }
    if (nl < 0) {
      this.pending.set(key, text);
      return;
    }
    this.pending.set(key, text.slice(nl + 1));
    this.write(label, stream, text.slice(0, nl).split('\n'));
  }

  /** A job ended: print what is left without its newline. */
  flush(label: string): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const key = `${stream}\0${label}`;
      const rest = this.pending.get(key);
      this.pending.delete(key);
      if (rest) this.write(label, stream, [rest]);
    }
  }

  private write(label: string, stream: StreamName, lines: string[]): void {
    const style = stream === 'stdout' ? this.styles.out : this.styles.err;
    const prefix = stream === 'stdout' ? `${style.label(label)}: ` : `${style.label(label)}${style.failure(':err')}: `;
    const text = lines.map((l) => prefix + style.clean(l.replace(/\r$/, ''))).join('\n') + '\n';
    if (stream === 'stdout') this.screen.out(text);
    else this.screen.err(text);
  }
}
