/**
 * Listeners the CLI attaches to a run besides the Reporter: the run journal, `-o DIR` files
 * and log lines. Each collects its pending writes so the verb can wait for them before it
 * reports and exits.
 */
import { describeOutcomeOf } from '../core/outcome.js';
import { logger } from '../log.js';
import { OutdirWriter } from '../output/outdir.js';
import type { RunEvents } from '../runner/events.js';
import type { RunJournal } from '../runs/journal.js';

export interface Pending {
  /** Resolves when every write this listener started has finished (failures are logged). */
  flushed(): Promise<void>;
}

function collector(what: string, verb: string): { add(p: Promise<unknown>): void; flushed(): Promise<void> } {
  const writes: Promise<unknown>[] = [];
  return {
    add: (p) => writes.push(p.catch((e: unknown) => logger(verb).error(`${what}: ${String(e)}`))),
    flushed: async () => {
      await Promise.all(writes);
    },
  };
}

/** Each settled job into the journal (results.jsonl and per-host output files). */
export function journalListener(events: RunEvents, journal: RunJournal | undefined, verb: string): Pending {
  const c = collector('journal', verb);
  if (journal) events.on((e) => e.type === 'job-settled' && c.add(journal.record(e.result)));
  return c;
}

/** `-o DIR`: DIR/<host>.out and .err, written as the output comes, landing when the host settles. */
export function outdirListener(events: RunEvents, dir: string | undefined, verb: string): Pending {
  const c = collector('-o', verb);
  if (dir) {
    const writer = new OutdirWriter(dir);
    events.on(
      (e) => {
        if (e.type === 'output') writer.chunk(e.label, e.stream, e.chunk);
        else if (e.type === 'job-started' && e.attempt > 1) c.add(writer.restart(e.label));
        else if (e.type === 'job-settled') c.add(writer.settle(e.result.label));
      },
      { output: true },
    );
  }
  return c;
}

/** Why hosts failed and what is retried, at info level (shown with -v, kept in the log file). */
export function logListener(events: RunEvents, verb: string): void {
  const log = logger(verb);
  events.on((e) => {
    if (e.type === 'job-retrying') log.info(`${e.label}: ${describeOutcomeOf(e.label, e.outcome)}; retrying in ${Math.round(e.delayMs)} ms`);
    else if (e.type === 'job-settled') {
      const o = e.result.outcome;
      if (o.kind === 'unreachable' || o.kind === 'lost' || o.kind === 'failed' || o.kind === 'local-error' || o.kind === 'internal') {
        log.info(`${e.result.label}: ${describeOutcomeOf(e.result.label, o)}`);
      }
    }
  });
}
