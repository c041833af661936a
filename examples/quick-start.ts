/**
 * The README's Quick start: a day's sales from SQL, streamed to S3 as CSV, and a message to the
 * team. Run it again and again: the report of the day is replaced, not refused.
 *
 *   bigrays run examples/quick-start.ts --local
 */
import { bigraysRun, register, SNSPublish, SQLExecute, SQLStream, ToS3, updateFormatKws } from 'bigrays';

@register class SeedSales extends SQLExecute {
  statement = `drop table if exists sales;
    create table sales (day text, region text, amount numeric);
    insert into sales values ('2026-01-01', 'north', 120.5), ('2026-01-01', 'south', 99.9), ('2026-01-02', 'north', 80)`;
}
@register class DailySales extends SQLStream {
  query = 'select region, sum(amount) as total from sales where day = {day!q} group by region order by region';
}
@register class UploadReport extends ToS3 {
  input = DailySales.output;            // the rows, streamed to S3 as CSV
  bucket = 'reports';
  key = 'sales/{day}.csv';
  ifExists = 'overwrite' as const;      // a second run replaces the day's report
}
@register class TellTheTeam extends SNSPublish {
  input = 'The daily sales report is in S3';
  topic = 'arn:aws:sns:us-east-1:123456789012:reports';
}

updateFormatKws({ day: '2026-01-01' });
void bigraysRun();
