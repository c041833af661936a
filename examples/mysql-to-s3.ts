/**
 * MySQL / MariaDB → S3: stream a query to S3 as CSV, every value exact (bigint beyond 2^53,
 * decimal(38,12) digits, datetime(6) microseconds, NULL vs '', 4-byte UTF-8), then read the
 * object back.
 *
 *   npm install mysql2
 *   BIGRAYS_DB_DSN=mysql://user:password@host:3306/db \
 *   BIGRAYS_AWS_ACCESS_KEY_ID=… BIGRAYS_AWS_SECRET_ACCESS_KEY=… BIGRAYS_AWS_REGION=… \
 *     bigrays run examples/mysql-to-s3.ts --set bucket=my-bucket
 *
 * With --local, S3 is the emulator (BIGRAYS_DB_DSN still names your MySQL or MariaDB).
 */
import { bigraysRun, FromS3, outputOf, register, SQLExecute, SQLStream, ToS3, updateFormatKws } from 'bigrays';

/** Sample rows, so the example runs against an empty database. */
@register
class SeedOrders extends SQLExecute {
  statement = `
    create table if not exists orders (
      id bigint primary key, total decimal(38,12), placed_at datetime(6), note varchar(100) character set utf8mb4
    );
    insert ignore into orders values
      (9007199254740993, 12345678901234567890.123456789012, '2026-03-01 09:30:00.123456', 'first, "quoted" 🚀'),
      (2, 0.000000000001, '2026-03-01 23:59:59.999999', ''),
      (3, 42, '2026-03-02 00:00:00', null)`;
}

/** A server-side stream: rows are read as the upload takes them, so memory stays flat. */
@register
class Orders extends SQLStream {
  query = 'select id, total, placed_at, note from orders where placed_at >= :since order by id';
  params = { since: '2026-03-01' };
}

@register
class ExportOrders extends ToS3 {
  input = Orders.output;
  bucket = '{bucket}';
  key = 'exports/orders_{day}.csv';
  overwriteIfExists = true;
}

@register
class CheckExport extends FromS3 {
  bucket = '{bucket}';
  key = 'exports/orders_{day}.csv';
}

updateFormatKws({ bucket: 'bigrays-exports', day: '2026-03-01' });

void bigraysRun().then(() => process.stdout.write(outputOf(CheckExport).toString('utf8')));
