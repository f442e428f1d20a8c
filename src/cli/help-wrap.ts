/**
 * Every help page at one width: the terminal's, or 80 when stdout is not a terminal. commander
 * wraps its option table to that width; the text pages add after it (output, exit status,
 * examples) is wrapped here the same way, a long line continuing under its own indentation.
 */
export function helpWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? Math.max(40, stream.columns) : 80;
}

/** Wrap lines longer than `width` at spaces; continuation lines keep the line's indentation. */
export function wrapHelp(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= width) return line;
      const indent = /^\s*(?:[-*] )?/.exec(line)![0].replace(/[-*]/, ' ');
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
    })
    .join('\n');
}
