/** Parquet as a format: row groups written from typed columns, typed by the database when it declares the types. */
import { Readable } from 'node:stream';
import type { RowCounter } from '../csv';
import { parquetChunks, PARQUET_CONTENT_TYPE, PARQUET_ROW_GROUP_SIZE } from '../parquet';
import { recordBatches } from '../parquet-batches';
import type { Format } from './format';

export const PARQUET_FORMAT: Format = {
  name: 'parquet',
  label: 'Parquet',
  extension: '.parquet',
  contentType: PARQUET_CONTENT_TYPE,
  acceptsBytes: false,
  takesServerCsv: false,
  writeRows: (input, rowsBefore) => {
    const counter: RowCounter = { columns: [], rows: 0 };
    const chunks = parquetChunks(recordBatches(input, counter), PARQUET_ROW_GROUP_SIZE, rowsBefore, counter);
    return { body: Readable.from(chunks, { objectMode: false }), rows: () => counter.rows };
  },
};
