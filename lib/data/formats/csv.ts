/** CSV as a format: the one CSV writer, and the CSV reader for FromS3. */
import { csvStream, CSV_CONTENT_TYPE } from '../csv';
import { csvRows } from '../csv-rows';
import type { Format } from './format';

export const CSV_FORMAT: Format = {
  name: 'csv',
  label: 'CSV',
  extension: '.csv',
  contentType: CSV_CONTENT_TYPE,
  acceptsBytes: true,
  takesServerCsv: true,
  writeRows(input, rowsBefore) {
    const stream = csvStream(input, rowsBefore);
    return { body: stream, rows: () => stream.rowCount };
  },
  readRows: csvRows,
};
