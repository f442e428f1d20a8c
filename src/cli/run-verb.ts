/**
 * How every verb that runs jobs ends the same way: the operator's interrupts trapped, the
 * listeners attached (reporter, log, journal, -o files), the run, its writes flushed, the
 * exit status mapped once, the summary printed and the journal closed.
 */
import { logger } from '../log.js';
import type { Reporter } from '../output/reporter.js';
import { RunEvents } from '../runner/events.js';
import { outcomeCounts, type RunSummary } from '../runner/results.js';
import type { RunJournal } from '../runs/journal.js';
import { runStatus } from './exit-status.js';
import { journalListener, logListener, outdirListener } from './listeners.js';
import { trapInterrupts } from './signals.js';

export interface VerbRun<D> {
  verb: string;
  reporter: Reporter;
  journal?: RunJournal;
  outdir?: string;
  /** Start the run with these events and this cancel signal. */
  run(events: RunEvents, signal: AbortSignal): Promise<RunSummary<D>>;
  /** Lines printed before the summary (what a transfer moved). */
  summaryPrefix?(summary: RunSummary<D>): string;
}

export async function runVerb<D>(v: VerbRun<D>): Promise<{ summary: RunSummary<D>; status: number }> {
  const interrupt = trapInterrupts((n) =>
    logger(v.verb).warn(n === 2 ? 'still killing remote jobs; interrupt once more to exit at once' : 'exiting'),
  );
  try {
    const events = new RunEvents();
    v.reporter.attach(events);
    logListener(events, v.verb);
    const pending = [journalListener(events, v.journal, v.verb), outdirListener(events, v.outdir, v.verb)];
    const summary = await v.run(events, interrupt.signal);
    await Promise.all(pending.map((p) => p.flushed()));
    const status = runStatus(summary);
    v.reporter.finish(summary, status, v.summaryPrefix?.(summary) ?? '', v.journal?.id);
    await v.journal?.finish({ wallMs: summary.wallMs, counts: outcomeCounts(summary.results), exitStatus: status });
    return { summary, status };
  } finally {
    interrupt.dispose();
  }
}
