/**
 * A failure e-mail with runWithExceptions: the last task runs whether the load succeeded or
 * not, and tells the team which. Try the failure with `--set fail=yes`:
 *
 *   bigrays run examples/failure-email.ts --local
 *   bigrays run examples/failure-email.ts --local --set fail=yes   (exits 1, after the e-mail)
 */
import { bigraysRun, outputOf, register, SNSPublishEmail, SQLWrite, Task, updateFormatKws } from 'bigrays';

@register
class FetchSales extends Task<Array<{ region: string; amount: number }>> {
  run() {
    if (this.render('{fail}') === 'yes') throw new Error('the sales API answered 503 Service Unavailable');
    return [{ region: 'north', amount: 120.5 }, { region: 'south', amount: 210 }];
  }
}

@register
class LoadSales extends SQLWrite {
  tablename = 'sales_{day}';
  ifExists = 'replace' as const;
  input = FetchSales.output;
}

@register
class NotifyTeam extends SNSPublishEmail {
  runWithExceptions = true; // runs even after a failure above
  topic = 'arn:aws:sns:us-east-1:123456789012:data-team';
  subject = 'Sales load for {day}';
  input = '';

  override async run() {
    let loaded: number | undefined;
    try {
      loaded = outputOf(LoadSales);
    } catch {
      // LoadSales failed or was skipped: its output does not exist
    }
    this.subject = `${this.subject}: ${loaded === undefined ? 'FAILED' : 'ok'}`;
    this.input = loaded === undefined
      ? 'The sales load failed; see the job log. Yesterday\'s tables are unchanged.'
      : `${loaded} rows loaded.`;
    return super.run();
  }
}

updateFormatKws({ day: '2026-03-01', fail: 'no' });
void bigraysRun().then(
  () => console.log('sales loaded, team told'),
  () => console.log('the load failed; the team was told'),
);
