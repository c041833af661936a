/**
 * A top-level run a signal stopped: once it settled, its summary is printed and the signal ends
 * the process as it would have without bigrays; a runtime's driver, which was sent the report,
 * ends the process its own way.
 */
import type { BigraysError } from '../errors';
import type { Runtime } from '../runtime';
import { scrubIn } from '../secrets';
import { endInterrupted } from '../signals';
import { summary } from '../summary';

/** When `error` says a signal stopped the run: prints its summary and lets the signal end the process. */
export async function settleInterrupted(error: unknown, runtime: Runtime): Promise<void> {
  const signal = (error as BigraysError)?.signal;
  if (signal === undefined) return;
  if (runtime.driver?.interrupted) return runtime.driver.interrupted(signal);
  await endInterrupted(runtime.signals, signal, () => {
    if (runtime.driver) return; // the driver was sent the report: the summary is its to show
    const report = (error as BigraysError).report;
    const elapsed = report?.tasks.reduce((sum, t) => sum + t.durationMs, 0) ?? 0;
    process.stderr.write(`\n${report ? `${summary(report, elapsed)}\n\n` : ''}${scrubIn(runtime, (error as Error).message)}\n`);
  });
}
