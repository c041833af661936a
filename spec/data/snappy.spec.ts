/**
 * The snappy compressor of Parquet pages: every block decompresses to exactly its input, by
 * hyparquet's decoder and by DuckDB's (a Parquet file of the blocks read back), whatever the
 * input: every size up to 300, sizes around the 64 KiB fragments, 20 MB, random bytes, zeros,
 * short patterns, repeats from near and far, and the PLAIN bytes of the bench table's columns,
 * which compress as small as hyparquet-writer's compressor makes them.
 *
 * The random inputs come from a seed, in each failure's message; SNAPPY_SEED=<seed> repeats it.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { columnPages } from '../../bench/snappy';
import { ColumnBuilder } from '../../lib/data/parquet-builder';
import { ParquetFile, parquetParts } from '../../lib/data/parquet-file';
import { maxCompressedLength, SnappyCompressor } from '../../lib/data/snappy';
import { random } from '../support/seeded-random';

const SEED = Number(process.env.SNAPPY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MB20 = 20 * 1024 * 1024;

type Kind = 'random' | 'zeros' | 'pattern' | 'repeats';

/**
 * `size` bytes of a kind: random bytes (incompressible), zeros, a short pattern over and over,
 * or repeats: random runs, each followed by a copy of earlier bytes from up to 100 000 back (so
 * across fragments too), some of them long.
 */
function bytesOf(kind: Kind, size: number, seed: number): Buffer {
  const next = random(seed);
  const bytes = Buffer.alloc(size);
  if (kind === 'random') for (let i = 0; i < size; i++) bytes[i] = next(256);
  if (kind === 'pattern') {
    const pattern = Array.from({ length: 1 + next(7) }, () => next(256));
    for (let i = 0; i < size; i++) bytes[i] = pattern[i % pattern.length];
  }
  for (let i = 0; kind === 'repeats' && i < size; ) {
    for (let end = Math.min(size, i + next(40)); i < end; i++) bytes[i] = next(256);
    if (i === 0) continue;
    const length = next(8) === 0 ? next(2000) : 4 + next(60);
    const offset = 1 + next(Math.min(i, 100_000));
    for (let end = Math.min(size, i + length); i < end; i++) bytes[i] = bytes[i - offset];
  }
  return bytes;
}

/** The uncompressed length a block starts with. */
function declaredLength(block: Uint8Array): number {
  let value = 0;
  for (let i = 0, shift = 1; ; i++, shift *= 128) {
    value += (block[i] & 0x7f) * shift;
    if (block[i] < 0x80) return value;
  }
}

describe(`snappy compressor (seed ${SEED}; SNAPPY_SEED=${SEED} repeats it)`, function () {
  this.timeout(120_000);
  const compressor = new SnappyCompressor();
  let uncompress: (input: Uint8Array, output: Uint8Array) => void;

  before(async () => {
    ({ snappyUncompress: uncompress } = await import('hyparquet'));
  });

  /** Compresses `input`, decompresses it with hyparquet and expects the same bytes; the block's size. */
  function roundTrip(input: Uint8Array, what: string): number {
    const block = compressor.compress(input);
    const why = `${what} (seed ${SEED})`;
    expect(declaredLength(block), why).to.equal(input.byteLength);
    expect(block.byteLength, why).to.be.at.most(maxCompressedLength(input.byteLength));
    const output = new Uint8Array(input.byteLength).fill(0xa5);
    uncompress(block, output);
    expect(Buffer.compare(output, input), why).to.equal(0);
    return block.byteLength;
  }

  const KINDS: Kind[] = ['random', 'zeros', 'pattern', 'repeats'];

  it('should give back every input of every size from 0 to 300 bytes', () => {
    for (const kind of KINDS) {
      for (let size = 0; size <= 300; size++) roundTrip(bytesOf(kind, size, SEED + size), `${size} bytes of ${kind}`);
    }
  });

  it('should give back inputs around the 64 KiB fragments, repeats reaching across them', () => {
    for (const kind of KINDS) {
      for (const size of [65535, 65536, 65537, 65536 + 15, 131071, 131072, 131073, 3 * 65536 + 14]) {
        roundTrip(bytesOf(kind, size, SEED + size), `${size} bytes of ${kind}`);
      }
    }
  });

  it('should give back 20 MB of each kind, leaving random bytes their size and shrinking zeros and patterns twentyfold', () => {
    for (const kind of KINDS) {
      const size = roundTrip(bytesOf(kind, MB20, SEED), `20 MB of ${kind}`);
      if (kind === 'random') expect(size).to.be.at.most(MB20 + 3 * (MB20 / 65536) + 8);
      if (kind === 'zeros' || kind === 'pattern') expect(size).to.be.below(MB20 / 20);
    }
  });

  it('should give back the PLAIN bytes of the bench table\'s columns as small as hyparquet-writer compresses them (within 3%)', async () => {
    const { snappyCompress } = await import('hyparquet-writer/src/snappy.js');
    for (const first of [1, 1 + random(SEED)(5_000_000)]) {
      for (const [name, page] of Object.entries(columnPages(100_000, first))) {
        const size = roundTrip(page, `column ${name} from row ${first}`);
        expect(size, `column ${name} from row ${first}`).to.be.at.most(snappyCompress(page).byteLength * 1.03);
      }
    }
  });

  describe('read back by DuckDB', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'bigrays-snappy-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** `values` as one BYTE_ARRAY column, one page (one snappy block), in a Parquet file DuckDB reads. */
    async function duckDbDigests(values: Buffer[]): Promise<string[]> {
      const column = new ColumnBuilder('BYTE_ARRAY');
      for (const value of values) column.appendBytes(value);
      const schema = [{ name: 'root', num_children: 1 }, { name: 'v', repetition_type: 'OPTIONAL', type: 'BYTE_ARRAY' }];
      const file = new ParquetFile(await parquetParts(), schema);
      const name = path.join(dir, 'blocks.parquet');
      writeFileSync(name, Buffer.concat([...file.start(), ...file.rowGroup([column]), ...file.footer(schema)]));
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        const read = await connection.runAndReadAll(`select md5(v) from read_parquet('${name}')`);
        return read.getRows().map(([digest]) => String(digest));
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    }

    it('should give back pages of values of every kind and size, 20 MB ones too', async () => {
      const values = [
        ...(['random', 'repeats'] as const).map((kind) => bytesOf(kind, MB20, SEED + 1)),
        ...KINDS.flatMap((kind) => [0, 1, 17, 65531, 65532, 65533, 131068].map((size) => bytesOf(kind, size, SEED + size))),
      ];
      const digests = await duckDbDigests(values);
      expect(digests, `seed ${SEED}`).to.deep.equal(values.map((value) => createHash('md5').update(value).digest('hex')));
    });
  });
});
