/**
 * PostgreSQL → S3: stream a query to S3 as CSV, every value exact (bigint beyond 2^53,
 * numeric digits, microsecond UTC timestamps, NULL vs ''), then read the object back.
 *
 *   BIGRAYS_DB_DSN=postgres://user:password@host:5432/db \
 *   BIGRAYS_AWS_ACCESS_KEY_ID=… BIGRAYS_AWS_SECRET_ACCESS_KEY=… BIGRAYS_AWS_REGION=… \
 *     bigrays run examples/postgres-to-s3.ts --set bucket=my-bucket
 *
 * With --local, S3 is the emulator (BIGRAYS_DB_DSN still names your PostgreSQL).
 */
import { bigraysRun, FromS3, outputOf, register, SQLExecute, SQLTask, toS3, updateFormatKws, type ToS3Output } from 'bigrays';

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

/**
 * The export streams: a cursor reads 5000 rows at a time into a multipart upload, so memory
 * stays flat however big the table. (For small results, SQLQuery + ToS3 does the same.)
 */
@register
class ExportPayments extends SQLTask<ToS3Output> {
  bucket = '{bucket}';
  key = 'exports/payments_{day}.csv';
  async run() {
    const rows = await this.stream('select id, amount, paid_at, memo from payments where paid_at >= :since order by id', {
      since: '2026-03-01T00:00:00Z',
    });
    return toS3({ input: rows, bucket: this.bucket, key: this.key, overwriteIfExists: true });
  }
}

@register
class CheckExport extends FromS3 {
  bucket = '{bucket}';
  key = 'exports/payments_{day}.csv';
}

updateFormatKws({ bucket: 'bigrays-exports', day: '2026-03-01' });

void bigraysRun().then(() => process.stdout.write(outputOf(CheckExport).toString('utf8')));
