/**
 * Every help page at one width: the terminal's, or 80 when stdout is not a terminal. commander
 * wraps its option table to that width; the text pages add after it (output, exit status,
 * examples) is wrapped here the same way, a long line continuing under its own indentation.
 */
export function helpWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? Math.max(40, stream.columns) : 80;
}

/** Wrap one line at spaces; continuation lines start under the line's text column. */
function wrapLine(line: string, width: number): string {
  if (line.length <= width) return line;
  // Continue under the text: after a list mark, or after a table's first column (`  1    text`).
  const indent = ' '.repeat(/^\s*(?:[-*] |\S+ {2,})?/.exec(line)![0].length);
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= indent.length) cut = rest.indexOf(' ', width);
    if (cut < 0) break;
    out.push(rest.slice(0, cut).trimEnd());
    rest = indent + rest.slice(cut + 1).trimStart();
  }
  out.push(rest);
  return out.join('\n');
}

/**
 * Wrap help text to `width`. Prose (consecutive unindented lines) that does not fit is
 * reflowed as one paragraph, so hand-wrapped text never leaves one-word lines; indented
 * lines (tables, examples) wrap one by one.
 */
export function wrapHelp(text: string, width: number): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    if (line === '' || /^\s/.test(line)) {
      out.push(wrapLine(line, width));
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j] !== '' && !/^\s/.test(lines[j]!)) j++;
    const para = lines.slice(i, j);
    out.push(para.some((l) => l.length > width) ? wrapLine(para.join(' '), width) : para.join('\n'));
    i = j;
  }
  return out.join('\n');
}
