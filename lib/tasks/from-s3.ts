/**
 * `FromS3`: an object's bytes, or (`format = 'csv'`) its parsed rows, streamed.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../lazy';
import type { Readable } from 'node:stream';
import type { CsvRows } from '../data/csv-rows';
import type { Format, RowsReader } from '../data/formats/format';
import { formatNamed, readableFormats } from '../data/formats/table';
import { TEXT_ENCODINGS, type TextEncoding } from '../data/text-encoding';
import { TaskError } from '../errors';
import { attributeName, taskMessage } from '../messages';
import type { Resource } from '../resources/resource';
import { checkAttributes, shown, textAttribute } from './attributes';
import { awsErrorCode, describeAwsError } from '../resources/aws-errors';
import { s3Uri } from '../resources/s3';
import { bucketProblems, keyProblems, S3Task } from './s3-task';

/** What `FromS3` outputs: the bytes (default) or the parsed CSV rows. */
export type FromS3Format = 'bytes' | 'csv';

/** The object's bytes as they are: FromS3's own mode, besides the formats that read back as rows. */
const BYTES = 'bytes';

/** FromS3's formats: `'bytes'`, then each format of the table that reads back as rows. */
function fromS3Formats(): string[] {
  return [BYTES, ...readableFormats().map((format) => format.name)];
}

/** `'a' or 'b'`, `'a', 'b' or 'c'`. */
function eitherOf(names: readonly string[]): string {
  const quoted = names.map((name) => `'${name}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** The format whose rows are read, with its reader; undefined for `'bytes'` (checked before the run). */
function rowsFormat(name: string): (Format & { readRows: RowsReader }) | undefined {
  const format = name === BYTES ? undefined : formatNamed(name);
  return format?.readRows ? { ...format, readRows: format.readRows } : undefined;
}

export type { CsvRows, TextEncoding };

/**
 * Reads `s3://bucket/key`; the output is its bytes as a Buffer, or with `format = 'csv'` its
 * rows, parsed as they arrive (`CsvRows`: the header row as `columns`, values as strings, an
 * empty unquoted field as NULL and `""` as the empty string, a `.gz` key or gzip
 * Content-Encoding decompressed on the fly) for a later `SQLWrite` or `ToS3` to read once. The
 * CSV is text in `encoding`: bytes not valid in it fail the task that reads the rows, naming the
 * object, row, column and byte offset, and nothing is written. A missing object or bucket is a
 * TaskError naming the bucket and the key.
 *
 * @example
 * class Fetch extends FromS3<CsvRows> { bucket = 'exports'; key = 'events/{day}.csv.gz'; format = 'csv' as const; }
 * class Load extends SQLWrite { tablename = 'events'; input = Fetch.output; ifExists = 'append' as const; }
 */
export abstract class FromS3<O extends Buffer | CsvRows = Buffer> extends S3Task<O> {
  static override requiredAttributes: readonly string[] = ['bucket', 'key'];

  /** The bucket; `{keyword}` placeholders are filled. */
  abstract bucket: string;

  /** The object key; `{keyword}` placeholders are filled. */
  abstract key: string;

  /**
   * `'bytes'`: the object as a Buffer; `'csv'`: its rows, streamed (see the class comment).
   * @default 'bytes'
   */
  format: FromS3Format = 'bytes';

  /**
   * With `format = 'csv'`, the encoding of the object's text: `'utf8'`, `'latin1'` (ISO-8859-1)
   * or `'utf16le'`. A byte order mark at the start says otherwise (UTF-8 or UTF-16LE) and is
   * dropped. Bytes that are not valid in it are an error, never replaced. (Bytes stay bytes with
   * `format = 'bytes'`.)
   * @default 'utf8'
   */
  encoding: TextEncoding = 'utf8';

  /** Checked before the run (and again when it starts): the format, the encoding, the bucket name, the key's length once filled. */
  override attributeProblems(): string[] {
    const problems = [...bucketProblems(this), ...keyProblems(this, 'key', true)];
    const formats = fromS3Formats();
    if (!formats.includes(this.format)) problems.push(`format must be ${eitherOf(formats)}, got ${shown(this.format)}`);
    if (!TEXT_ENCODINGS.includes(this.encoding)) {
      problems.push(`encoding must be one of ${TEXT_ENCODINGS.map((e) => `'${e}'`).join(', ')}, got ${shown(this.encoding)}`);
    } else if (this.encoding !== 'utf8' && this.format === 'bytes') {
      problems.push(`encoding is '${this.encoding}', but format is 'bytes' (the object's bytes as they are): set format = 'csv' to read its text`);
    }
    return problems;
  }

  async run(): Promise<O> {
    const bucket = textAttribute(this, 'bucket');
    const key = textAttribute(this, 'key');
    checkAttributes(this);
    const uri = s3Uri(bucket, key);
    const format = rowsFormat(this.format);
    if (format) return (await this.readRows(format, bucket, key, uri)) as O;
    let bytes: Uint8Array;
    try {
      const response = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }), { abortSignal: this.signal });
      bytes = response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      throw new TaskError(taskMessage(this, this.problem(error, bucket, key, uri)), { cause: error, taskName: this.taskName });
    }
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.recordMetrics({ bytes: buffer.length });
    this.log('read %d bytes from %s', buffer.length, uri);
    return buffer as O;
  }

  /**
   * The object's rows, read as they are consumed. The object is read on an S3 client of its
   * own, closed once the rows are read, fail, or are released: the task's shared client may be
   * closed before a later task reads them.
   */
  private async readRows(format: Format & { readRows: RowsReader }, bucket: string, key: string, uri: string): Promise<CsvRows> {
    const resource = this.requiredResource as Resource<S3Client>;
    const client = await resource.open(this.resolvedConfig);
    const closeClient = (): void => void Promise.resolve(resource.close(client)).catch(() => undefined);
    let body: Readable;
    let gzip: boolean;
    let length: number | undefined;
    try {
      const response = await client.send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }), { abortSignal: this.signal });
      body = response.Body as Readable;
      length = response.ContentLength;
      gzip = /\.gz$/i.test(key) || /gzip/i.test(response.ContentEncoding ?? '');
    } catch (error) {
      closeClient();
      throw new TaskError(taskMessage(this, this.problem(error, bucket, key, uri)), { cause: error, taskName: this.taskName });
    }
    try {
      const rows = await format.readRows(body, {
        gzip,
        done: closeClient,
        encoding: this.encoding,
        source: gzip ? `${uri} (gunzipped)` : uri,
        attribute: attributeName(this, 'encoding'),
      });
      if (length !== undefined) this.recordMetrics({ bytes: length });
      this.log('reading the rows of %s (%d columns%s)', uri, rows.columns.length, gzip ? ', gzip' : '');
      return rows;
    } catch (error) {
      closeClient();
      throw new TaskError(taskMessage(this, `reading ${uri} as ${format.label} failed: ${(error as Error)?.message ?? String(error)}`), {
        cause: error,
        taskName: this.taskName,
      });
    }
  }

  private problem(error: unknown, bucket: string, key: string, uri: string): string {
    switch (awsErrorCode(error)) {
      case 'NoSuchKey':
        return `${uri} does not exist: bucket \`${bucket}\` has no object with key \`${key}\``;
      case 'NoSuchBucket':
        return `bucket \`${bucket}\` does not exist (reading key \`${key}\`)`;
      case 'AccessDenied':
        return `reading ${uri} was denied (${describeAwsError(error)}); S3 also answers so for a missing key when the credentials may not list bucket \`${bucket}\``;
      default:
        return `reading ${uri} failed: ${describeAwsError(error)}`;
    }
  }
}
