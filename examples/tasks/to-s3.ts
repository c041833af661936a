/**
 * ToS3 (alias S3Upload): upload rows as CSV (header, no index), a string, bytes or a stream.
 * It streams in parts, refuses to replace an object unless overwriteIfExists, and encrypts
 * server-side (AES256) by default.
 *
 *   bigrays run examples/tasks/to-s3.ts --local
 */
import { bigraysRun, outputOf, register, ToS3 } from 'bigrays';

@register
class UploadOrders extends ToS3 {
  bucket = 'shop-exports';
  key = 'orders/{day}.csv';
  formatKws = { day: '2026-03-01' };
  overwriteIfExists = true;
  input = [
    { order_id: 9007199254740993n, customer: 'Zoë', note: 'gift, "wrapped"', total: 19.99 },
    { order_id: 2n, customer: 'Bo', note: null, total: 5 },
  ];
}

@register
class UploadReadme extends ToS3 {
  bucket = 'shop-exports';
  key = 'orders/README.txt';
  overwriteIfExists = true;
  input = 'One CSV file per day, with a header row.\n';
}

void bigraysRun().then(() => console.log(outputOf(UploadOrders)));
