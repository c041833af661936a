/**
 * Deadlines and retries: a flaky source that is tried again, a task that passes its signal on,
 * and a load that stops at its deadline rather than hang. Run it, then press Ctrl-C during
 * the slow step to see the run stop cleanly (exit 130):
 *
 *   bigrays run examples/deadlines.ts --local
 *   bigrays run examples/deadlines.ts --local --set slow_ms=20000     (Ctrl-C within 20 s)
 */
import { outputOf, register, SQLWrite, Task, updateFormatKws } from 'bigrays';

let calls = 0;

/** Refuses the first connection, as a service that is restarting does; retried after 200 ms. */
@register
class FetchRates extends Task<Array<{ currency: string; rate: number }>> {
  retries = 3;
  retryDelayMs = 200;
  run() {
    calls += 1;
    if (calls === 1) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:443'), { code: 'ECONNREFUSED' });
    return [{ currency: 'EUR', rate: 1.08 }, { currency: 'GBP', rate: 1.27 }];
  }
}

/** Waits `slow_ms`, but stops at once when its signal aborts (a deadline, Ctrl-C). */
@register
class Settle extends Task<number> {
  timeoutMs = 60_000;
  run() {
    const ms = Number(this.render('{slow_ms}'));
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => resolve(ms), ms);
      this.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(this.signal.reason);
      });
    });
  }
}

@register
class LoadRates extends SQLWrite {
  tablename = 'rates';
  ifExists = 'replace' as const;
  timeoutMs = 30_000;
  input = FetchRates.output;
}

@register
class Report extends Task<void> {
  run() {
    console.log(`loaded ${outputOf(FetchRates).length} rates after ${calls} attempts`);
  }
}

updateFormatKws({ slow_ms: 100 });
