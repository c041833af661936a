/**
 * The bytes of a Parquet file from row groups of `ColumnBuilder`s: `PAR1`, then per row group
 * one column chunk per column, each a single data page (v2: definition levels RLE/bit-packed
 * with bit width 1, then the values PLAIN-encoded and snappy-compressed) with its page header,
 * then the footer (the schema, the row groups' column chunk metadata with their null counts
 * and, where the type's order is certain, their smallest and largest values: ./parquet-statistics)
 * and `PAR1`.
 *
 * hyparquet-writer (pure JavaScript, loaded on first use) gives what is cheap and exact to reuse:
 * its thrift writer for page headers and the footer, and its RLE/bit-packing of the definition
 * levels of a column with NULLs. The pages are compressed by `SnappyCompressor` (./snappy.ts).
 */
import type { ColumnBuilder } from './parquet-builder';
import { chunkMinMax } from './parquet-statistics';
import { SnappyCompressor } from './snappy';

type Schema = Array<Record<string, unknown>>;

interface Writer {
  offset: number;
  getBytes(): Uint8Array;
}

/** The parts of hyparquet-writer the file is written with. */
export interface ParquetParts {
  ByteWriter: new (size?: number) => Writer;
  writeRleBitPackedHybrid(writer: Writer, values: Uint8Array, bitWidth: number): number;
  writePageHeader(writer: Writer, header: Record<string, unknown>): void;
  writeMetadata(writer: Writer, metadata: Record<string, unknown>, statisticsTruncateLength?: number): void;
}

/** hyparquet-writer's parts, imported on first use (an export without Parquet never loads them). */
export async function parquetParts(): Promise<ParquetParts> {
  const [bytes, encoding, page, metadata] = await Promise.all([
    import('hyparquet-writer/src/bytewriter.js'),
    import('hyparquet-writer/src/encoding.js'),
    import('hyparquet-writer/src/datapage.js'),
    import('hyparquet-writer/src/metadata.js'),
  ]);
  return {
    ByteWriter: bytes.ByteWriter as never,
    writeRleBitPackedHybrid: encoding.writeRleBitPackedHybrid as never,
    writePageHeader: page.writePageHeader as never,
    writeMetadata: metadata.writeMetadata as never,
  };
}

const MAGIC = Buffer.from('PAR1', 'latin1');
/** Text and bytea bounds longer than this are written as a prefix (rounded up for a maximum), as Parquet's own writer does. */
const STATISTICS_LENGTH = 64;

export class ParquetFile {
  private offset = 0;
  private rows = 0;
  private readonly rowGroups: Array<Record<string, unknown>> = [];
  private readonly snappy = new SnappyCompressor();

  constructor(
    private readonly parts: ParquetParts,
    /** The schema: the root, then one element per column. */
    private readonly schema: Schema,
  ) {}

  /** The file's first bytes. */
  start(): Buffer[] {
    return [this.take(MAGIC)];
  }

  /** The bytes of one row group of `columns` (every builder holding the same rows). */
  rowGroup(columns: readonly ColumnBuilder[]): Buffer[] {
    const start = this.offset;
    const rows = columns[0]?.rows ?? 0;
    const out: Buffer[] = [];
    const chunks = columns.map((column, j) => this.columnChunk(column, this.schema[j + 1], out));
    let uncompressed = 0n;
    for (const chunk of chunks) uncompressed += (chunk.meta_data as { total_uncompressed_size: bigint }).total_uncompressed_size;
    this.rowGroups.push({
      columns: chunks,
      total_byte_size: uncompressed,
      num_rows: BigInt(rows),
      file_offset: BigInt(start),
      total_compressed_size: BigInt(this.offset - start),
    });
    this.rows += rows;
    return out;
  }

  /** The footer: the file's metadata, its length and `PAR1`. */
  footer(schema: Schema): Buffer[] {
    const writer = new this.parts.ByteWriter(64 * 1024);
    this.parts.writeMetadata(writer, {
      version: 2,
      created_by: 'bigrays',
      schema,
      num_rows: BigInt(this.rows),
      row_groups: this.rowGroups,
    }, STATISTICS_LENGTH);
    return [this.take(toBuffer(writer.getBytes())), this.take(MAGIC)];
  }

  /**
   * Writes `column` as one data page to `out`, its header, levels and compressed values in one
   * buffer of their exact size (the compressor's buffer is reused for the next page); its column
   * chunk metadata.
   */
  private columnChunk(column: ColumnBuilder, element: Record<string, unknown>, out: Buffer[]): Record<string, unknown> {
    const start = this.offset;
    const levels = this.definitionLevels(column);
    const values = column.plain();
    const compressed = this.snappy.compress(values);
    const header = new this.parts.ByteWriter(64);
    this.parts.writePageHeader(header, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levels.byteLength + values.byteLength,
      compressed_page_size: levels.byteLength + compressed.byteLength,
      data_page_header_v2: {
        num_values: column.rows,
        num_nulls: column.nulls,
        num_rows: column.rows,
        encoding: 'PLAIN',
        definition_levels_byte_length: levels.byteLength,
        repetition_levels_byte_length: 0,
        is_compressed: true,
      },
    });
    const headerBytes = header.getBytes();
    out.push(this.take(Buffer.concat([headerBytes, levels, compressed])));
    return {
      file_offset: BigInt(start),
      meta_data: {
        type: element.type,
        encodings: ['PLAIN', 'RLE'],
        path_in_schema: [element.name],
        codec: 'SNAPPY',
        num_values: BigInt(column.rows),
        total_uncompressed_size: BigInt(headerBytes.byteLength + levels.byteLength + values.byteLength),
        total_compressed_size: BigInt(this.offset - start),
        data_page_offset: BigInt(start),
        statistics: { null_count: BigInt(column.nulls), ...chunkMinMax(column, element) },
      },
    };
  }

  /**
   * The definition levels of `column`'s rows, RLE/bit-packed with bit width 1: a column with no
   * NULL, or only NULLs, is one run, written as such without looking at each row.
   */
  private definitionLevels(column: ColumnBuilder): Uint8Array {
    if (column.rows > 0 && (column.nulls === 0 || column.nulls === column.rows)) {
      return oneRun(column.rows, column.nulls === 0 ? 1 : 0);
    }
    const levels = new this.parts.ByteWriter(Math.max(1024, column.rows >>> 2));
    this.parts.writeRleBitPackedHybrid(levels, column.definitionLevels(), 1);
    return levels.getBytes();
  }

  /** `bytes`, counted in the file's offset. */
  private take(bytes: Buffer): Buffer {
    this.offset += bytes.byteLength;
    return bytes;
  }
}

/** An RLE run of `count` times `level` (bit width 1): the count shifted left once as a varint, then the level in a byte. */
function oneRun(count: number, level: number): Uint8Array {
  const run = new Uint8Array(8);
  let length = 0;
  for (let header = count * 2; ; header = Math.floor(header / 128)) {
    if (header < 0x80) {
      run[length++] = header;
      break;
    }
    run[length++] = (header & 0x7f) | 0x80;
  }
  run[length++] = level;
  return run.subarray(0, length);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
