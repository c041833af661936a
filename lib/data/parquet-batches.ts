/**
 * The records Parquet is written from, a batch at a time: the column names first, then one array
 * of values per row. An input whose rows come in batches (an SQLStream's rows) is read a batch
 * at a time, without a promise per row; any other input is read through `rowRecords` as every
 * format reads it, its records gathered into batches.
 */
import { isRowSource, rowRecords, rowValues, type CsvInput, type RowCounter } from './csv';
import { hasBatches, readBatches } from './row-batches';

export async function* recordBatches(input: CsvInput, counter: RowCounter): AsyncGenerator<unknown[][]> {
  if (!isRowSource(input) || input.columns.length === 0 || !hasBatches(input.rows)) {
    yield* readBatches(rowRecords(input, counter, 'Parquet'));
    return;
  }
  const columns = input.columns.map(String);
  counter.columns = columns;
  if (input.columnTypes !== undefined) counter.types = input.columnTypes;
  yield [[...columns]];
  for await (const batch of readBatches(input.rows)) {
    const records: unknown[][] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      counter.rows += 1;
      records[i] = rowValues(batch[i], columns, counter.rows, 'Parquet');
    }
    yield records;
  }
}
