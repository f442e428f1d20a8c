/**
 * How text meant for a terminal is made safe and coloured. A host's output reaches the
 * operator's terminal: raw, its escape sequences could move the cursor, retitle the window or
 * hide lines, so on a terminal every control character but tab and newline is shown as a
 * visible `^X` (as `cat -v`). Files, pipes and JSON keep the bytes as they came.
 */
import pc from 'picocolors';

export interface TextStyle {
  /** A host or job label (the live prefix, a -b group header). */
  label(s: string): string;
  /** Something that failed: a stderr marker, a failure line of the summary. */
  failure(s: string): string;
  /** Remote output made safe for this stream. */
  clean(s: string): string;
}

/** C0 controls but tab and newline, DEL, and the C1 controls (U+0080–U+009F, CSI among them). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/g;

/** `^[` for ESC, `^?` for DEL, `\u009b` for a C1 control: visible and inert. */
export function neutraliseControls(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return `^${String.fromCharCode(code + 64)}`;
    if (code === 0x7f) return '^?';
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function textStyle(opts: { color: boolean; neutralise: boolean }): TextStyle {
  const c = pc.createColors(opts.color);
  return {
    label: (s) => (opts.color ? c.cyan(s) : s),
    failure: (s) => (opts.color ? c.red(s) : s),
    clean: opts.neutralise ? neutraliseControls : (s) => s,
  };
}

/** No colour, bytes untouched: files, pipes, tests. */
export const PLAIN: TextStyle = textStyle({ color: false, neutralise: false });

export type ColorWhen = 'auto' | 'always' | 'never';

/**
 * Colour for one stream: `always`, `never`, or with `auto` when it is a terminal (not TERM=dumb)
 * and NO_COLOR is unset or empty (no-color.org: an explicit --color=always still wins).
 */
export function wantsColor(when: ColorWhen, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (when === 'always') return true;
  if (when === 'never') return false;
  return stream.isTTY === true && env.TERM !== 'dumb' && !env.NO_COLOR;
}

/** The styles of stdout and stderr for this process. `raw` keeps control characters on a terminal. */
export function streamStyles(
  when: ColorWhen,
  raw: boolean,
  streams: { stdout: { isTTY?: boolean }; stderr: { isTTY?: boolean } } = process,
  env: NodeJS.ProcessEnv = process.env,
): { out: TextStyle; err: TextStyle } {
  const style = (s: { isTTY?: boolean }): TextStyle => textStyle({ color: wantsColor(when, s, env), neutralise: !raw && s.isTTY === true });
  return { out: style(streams.stdout), err: style(streams.stderr) };
}
