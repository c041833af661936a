/** Parquet as a format: row groups written from typed columns, typed by the database when it declares the types. */
import { Readable } from 'node:stream';
import type { RowCounter } from '../csv';
import { parquetChunks, PARQUET_CONTENT_TYPE, PARQUET_ROW_GROUP_SIZE } from '../parquet';
import { recordBatches } from '../parquet-batches';
import { CsvParquet } from '../parquet-csv';
import { parquetParts } from '../parquet-file';
import type { ServerCsv } from '../sql-rows';
import type { Format } from './format';

/** The Parquet bytes of the server's CSV, written as it arrives. */
async function* serverCsvChunks(copy: ServerCsv, rowsBefore: number, counter: { writer?: CsvParquet }): AsyncGenerator<Buffer> {
  const writer = new CsvParquet(await parquetParts(), copy.columns, rowsBefore);
  counter.writer = writer;
  for await (const chunk of copy.stream as AsyncIterable<Buffer>) yield* writer.push(chunk);
  yield* writer.end();
}

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
  writeServerCsv(copy, rowsBefore) {
    const written: { writer?: CsvParquet } = {};
    return { body: Readable.from(serverCsvChunks(copy, rowsBefore, written), { objectMode: false }), rows: () => written.writer?.rows ?? 0 };
  },
};
