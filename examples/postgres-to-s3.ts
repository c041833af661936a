/**
 * PostgreSQL → S3: export a query to S3 as CSV, every value exact (bigint beyond 2^53,
 * numeric digits, microsecond UTC timestamps, NULL vs ''), then read the object back.
 *
 *   BIGRAYS_DB_DSN=postgres://user:password@host:5432/db \
 *   BIGRAYS_AWS_ACCESS_KEY_ID=… BIGRAYS_AWS_SECRET_ACCESS_KEY=… BIGRAYS_AWS_REGION=… \
 *     bigrays run examples/postgres-to-s3.ts --set bucket=my-bucket
 *
 * With --local, S3 is the in-process emulator (BIGRAYS_DB_DSN still names your PostgreSQL).
 */
import { bigraysRun, FromS3, outputOf, register, SQLExecute, SQLQuery, ToS3, updateFormatKws } from 'bigrays';

/** Sample rows, so the example runs against an empty database. */
@register
class SeedPayments extends SQLExecute {
  statement = `
    create table if not exists payments (id bigint primary key, amount numeric(38,12), paid_at timestamptz, memo text);
    insert into payments values
      (9007199254740993, 12345678901234567890.123456789012, '2026-03-01 09:30:00.123456+01', 'first, "quoted"'),
      (2, 0.000000000001, '2026-03-01 23:59:59.999999+00', ''),
      (3, 42, '2026-03-02 00:00:00+00', null)
    on conflict (id) do nothing`;
}

@register
class PullPayments extends SQLQuery {
  query = 'select id, amount, paid_at, memo from payments where paid_at >= :since order by id';
  params = { since: '2026-03-01T00:00:00Z' };
}

@register
class ExportPayments extends ToS3 {
  input = PullPayments.output;
  bucket = '{bucket}';
  key = 'exports/payments_{day}.csv';
  overwriteIfExists = true;
}

@register
class CheckExport extends FromS3 {
  bucket = '{bucket}';
  key = 'exports/payments_{day}.csv';
}

updateFormatKws({ bucket: 'bigrays-exports', day: '2026-03-01' });

void bigraysRun().then(() => process.stdout.write(outputOf(CheckExport).toString('utf8')));
