/**
 * A nightly job that runs unattended: it takes the orders that are new since its last
 * successful run, merges them into a reporting table, exports the day's report once, and tells
 * the team what failed, if anything did. Runs of the job never overlap (the run lock).
 *
 *   bigrays run examples/nightly.ts --local                  (run it again: only the new orders)
 *   bigrays run examples/nightly.ts --local --set fail=yes   (exits 1, after the alert; the
 *                                                             next run takes the same orders again)
 *   bigrays state show nightly --local                       (where the last run stopped)
 */
import { BigraysConfig, bigraysRun, register, SNSPublishEmail, SQLExecute, SQLStream, SQLWrite, Task, ToS3, updateFormatKws } from 'bigrays';

BigraysConfig.LOCK = true; // as `bigrays run --lock`: a second run started meanwhile exits 75

/** The application's side, for the demo: the source table gets two more orders each run. */
@register
class AppCreatesOrders extends SQLExecute {
  statement = 'create table if not exists orders (id integer primary key, customer text not null, amount numeric not null, placed_on text not null)';
}

@register
class AppPlacesOrders extends SQLExecute {
  statement = "insert into orders (customer, amount, placed_on) values ('ada', 12.5, '{day}'), ('grace', 40, '{day}')";
}

/** Only the orders above the largest id a successful run has seen (all of them the first time). */
@register
class NewOrders extends SQLStream {
  query = 'select id, customer, amount, placed_on from orders';
  incremental = { column: 'id' };
}

/** Updated where the id is there already, inserted otherwise: a rerun never duplicates a row. */
@register
class MergeOrders extends SQLWrite {
  tablename = 'orders_report';
  input = NewOrders.output;
  ifExists = 'merge' as const;
  mergeKeys = ['id'];
  addColumns = true;
}

/** A check of the job's own: `--set fail=yes` shows what a failure does. */
@register
class CheckTotals extends Task<void> {
  run() {
    if (this.render('{fail}') === 'yes') throw new Error('the totals of orders_report do not match the source');
  }
}

@register
class ReportOrders extends SQLStream {
  query = 'select customer, count(*) as orders, sum(amount) as amount from orders_report group by customer order by customer';
}

/** Once per day: a rerun of the same day leaves the object as it is. */
@register
class ExportReport extends ToS3 {
  input = ReportOrders.output;
  bucket = 'nightly-reports';
  key = 'orders/{day}.csv';
  ifExists = 'skip' as const;
}

/** Runs after a failure too; with no subject or message set it says which task failed, and why. */
@register
class TellTheTeam extends SNSPublishEmail {
  runWithExceptions = true;
  topic = 'arn:aws:sns:us-east-1:123456789012:data-team';
}

updateFormatKws({ day: new Date().toISOString().slice(0, 10), fail: 'no' });
void bigraysRun();
