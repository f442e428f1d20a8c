/**
 * Input lines as jobs, read only as fast as they are taken: the stream's async iterator pulls
 * a chunk when the consumer asks for the next line, so an endless or 10-million-line stdin
 * costs one chunk of memory, and a slow consumer (busy slots, a blocked stdout) slows intake.
 */
export interface InputLine {
  /** 1-based position in the input: the joblog's Seq, --resume's key. */
  seq: number;
  /** The line as text (UTF-8) for commands, without its newline. */
  text: string;
  /** The line's exact bytes, reported back as they came. */
  bytes: Buffer;
}

export interface LineSourceOptions {
  /** Lines to pass over (already done in a resumed run); they are still counted. */
  skip?: (seq: number) => boolean;
  /** Awaited before each line is handed out: back-pressure from stdout or a reorder window. */
  gate?: () => Promise<void> | void;
  /** Stop reading (Ctrl-C): an endless or idle stdin must not keep a cancelled run alive. */
  signal?: AbortSignal;
}

export async function* readLines(input: AsyncIterable<Buffer | string>, opts: LineSourceOptions = {}): AsyncGenerator<InputLine> {
  let seq = 0;
  let rest: Buffer = Buffer.alloc(0);
  const emit = async function* (bytes: Buffer): AsyncGenerator<InputLine> {
    seq++;
    if (opts.skip?.(seq)) return;
    await opts.gate?.();
    yield { seq, text: bytes.toString('utf8'), bytes };
  };
  const it = input[Symbol.asyncIterator]();
  const aborted = opts.signal
    ? new Promise<'aborted'>((resolve) => {
        if (opts.signal!.aborted) resolve('aborted');
        opts.signal!.addEventListener('abort', () => resolve('aborted'), { once: true });
      })
    : undefined;
  for (;;) {
    const next = aborted ? await Promise.race([it.next(), aborted]) : await it.next();
    if (next === 'aborted') {
      void it.return?.();
      return;
    }
    if (next.done) break;
    const chunk = next.value;
    let buf = rest.length ? Buffer.concat([rest, Buffer.from(chunk)]) : Buffer.from(chunk);
    let nl: number;
    while ((nl = buf.indexOf(10)) >= 0) {
      // A copy, not a view: a view would pin the whole chunk for as long as the line lives.
      yield* emit(Buffer.from(buf.subarray(0, nl)));
      buf = buf.subarray(nl + 1);
    }
    rest = Buffer.from(buf);
    if (opts.signal?.aborted) {
      void it.return?.();
      return;
    }
  }
  // A last line without its newline is still a line.
  if (rest.length > 0) yield* emit(rest);
}
