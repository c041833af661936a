/** JSON lines as a format: one JSON object per row. */
import { jsonlChunks, JSONL_CONTENT_TYPE } from '../jsonl';
import { recordsWriter, type Format } from './format';

export const JSONL_FORMAT: Format = {
  name: 'jsonl',
  label: 'JSON lines',
  extension: '.jsonl',
  contentType: JSONL_CONTENT_TYPE,
  acceptsBytes: false,
  takesServerCsv: false,
  writeRows: recordsWriter('JSON lines', jsonlChunks),
};
