/** JSON lines as a format: one JSON object per row. */
import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { jsonlChunks, JSONL_CONTENT_TYPE } from '../jsonl';
import { CsvJsonl } from '../jsonl-csv';
import type { ServerCsv } from '../sql-rows';
import { recordsWriter, type Format } from './format';

/**
 * The JSON lines of the server's CSV, converted as it arrives. Text not valid UTF-8 (a database
 * in another encoding) gets U+FFFD for each bad sequence, as the rows read one by one do.
 */
async function* serverCsvChunks(copy: ServerCsv, writer: CsvJsonl): AsyncGenerator<Buffer> {
  for await (const chunk of copy.stream as AsyncIterable<Buffer>) yield* writer.push(chunk).map(utf8);
  yield* writer.end().map(utf8);
}

function utf8(chunk: Buffer): Buffer {
  return isUtf8(chunk) ? chunk : Buffer.from(chunk.toString('utf8'), 'utf8');
}

export const JSONL_FORMAT: Format = {
  name: 'jsonl',
  label: 'JSON lines',
  extension: '.jsonl',
  contentType: JSONL_CONTENT_TYPE,
  acceptsBytes: false,
  takesServerCsv: false,
  writeRows: recordsWriter('JSON lines', jsonlChunks),
  writeServerCsv(copy, rowsBefore) {
    const writer = new CsvJsonl(copy.columns, rowsBefore);
    return { body: Readable.from(serverCsvChunks(copy, writer), { objectMode: false }), rows: () => writer.rows };
  },
};
