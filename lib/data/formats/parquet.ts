/** Parquet as a format: row groups written through hyparquet-writer, typed by the database when it declares the types. */
import { parquetChunks, PARQUET_CONTENT_TYPE, PARQUET_ROW_GROUP_SIZE } from '../parquet';
import { recordsWriter, type Format } from './format';

export const PARQUET_FORMAT: Format = {
  name: 'parquet',
  label: 'Parquet',
  extension: '.parquet',
  contentType: PARQUET_CONTENT_TYPE,
  acceptsBytes: false,
  takesServerCsv: false,
  writeRows: recordsWriter('Parquet', (records, rowsBefore, counter) => parquetChunks(records, PARQUET_ROW_GROUP_SIZE, rowsBefore, counter)),
};
