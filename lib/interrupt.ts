/**
 * SIGINT/SIGTERM while a run is in progress: the run's tasks see their `signal` abort, the
 * run settles (later tasks skipped, resources closed), and then the process ends by the
 * signal it got, as it would have without bigrays. Handlers are installed only while a run
 * is in progress; between runs a signal does what it does to any node process.
 */
import { logger } from './log';

const log = logger('run');

export type StopSignal = 'SIGINT' | 'SIGTERM';

const SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

export class RunInterrupt {
  private readonly controller = new AbortController();
  private listening = false;
  /** The signal that interrupted the run, if one did. */
  received?: StopSignal;

  private readonly onSignal = (signal: StopSignal): void => {
    if (this.received !== undefined) {
      // A second signal: no more waiting.
      this.stop();
      process.kill(process.pid, signal);
      return;
    }
    log('%s: stopping the run', signal);
    this.received = signal;
    this.controller.abort(new Error(`the run was interrupted by ${signal}`));
  };

  /** Aborts when the run is interrupted. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(): void {
    if (this.listening) return;
    this.listening = true;
    for (const signal of SIGNALS) process.on(signal, this.onSignal);
  }

  stop(): void {
    if (!this.listening) return;
    this.listening = false;
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
  }

  /** Once the run settled (and its report went out): ends the process by the signal it got, if any. */
  reraise(): void {
    this.stop();
    if (this.received !== undefined) process.kill(process.pid, this.received);
  }
}
