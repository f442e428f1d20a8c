/** Longest operator text echoed back in an error; a pasted megabyte must not become the message. */
const MAX_QUOTED = 120;

/**
 * Quote operator text for a one-line error message: control characters are escaped
 * (a stray newline or escape sequence must not break or repaint the terminal line)
 * and long text is cut short.
 */
export function quoteForMessage(text: string): string {
  const cut = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}...` : text;
  const escaped = cut.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `'${escaped}'`;
}
