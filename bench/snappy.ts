/**
 * `npx tsx bench/snappy.ts [--rows N] [--repeat N]`: snappy compression of the PLAIN bytes of
 * real columns, a Parquet page each (the bench table's columns as the Parquet export encodes
 * them, and doubles), by bigrays' compressor and by hyparquet-writer's: MB/s of each (from the
 * fastest of the runs, the figure a busy machine disturbs least) and the compressed sizes. Not
 * part of `npm test`.
 */
import { ColumnBuilder } from '../lib/data/parquet-builder';
import { SnappyCompressor } from '../lib/data/snappy';

/** The PLAIN bytes of one row group (`rows` rows, from row `first`) of each column, by name. */
export function columnPages(rows: number, first = 1): Record<string, Buffer> {
  const id = new ColumnBuilder('INT64');
  const n = new ColumnBuilder('INT32');
  const memo = new ColumnBuilder('BYTE_ARRAY');
  const amount = new ColumnBuilder('INT64');
  const at = new ColumnBuilder('INT64');
  const ratio = new ColumnBuilder('DOUBLE');
  const flag = new ColumnBuilder('BOOLEAN');
  const base = Date.UTC(2026, 0, 1) * 1000;
  for (let g = first; g < first + rows; g++) {
    id.appendInt64(g * 1000003);
    n.appendInt32(g % 100000);
    if (g % 10 === 0) memo.appendNull();
    else memo.appendText(g % 10 === 1 ? '' : `memo, "quoted" ${g}`);
    amount.appendInt64((g % 1000000) * 101);
    at.appendInt64(base + g * 1_000_001);
    ratio.appendDouble(g * 1.01);
    flag.appendBoolean(g % 3 === 0);
  }
  const pages = { id, n, memo, amount, at, ratio, flag };
  return Object.fromEntries(Object.entries(pages).map(([name, column]) => [name, Buffer.from(column.plain())]));
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

/** The fewest seconds of `repeat` runs of `run` over every page. */
function seconds(pages: Buffer[], repeat: number, run: (page: Buffer) => unknown): number {
  const times: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const start = process.hrtime.bigint();
    for (const page of pages) run(page);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return Math.min(...times);
}

async function main(): Promise<void> {
  const rows = option('--rows', 100_000);
  const repeat = option('--repeat', 9);
  const { snappyCompress } = await import('hyparquet-writer/src/snappy.js');
  const ours = new SnappyCompressor();
  const pages = columnPages(rows);
  console.log(`PLAIN pages of ${rows} rows; fastest of ${repeat}`);
  console.log('| column | bytes | ours bytes | hyparquet-writer bytes | size × | ours MB/s | hyparquet-writer MB/s | speed × |');
  console.log('|---|---|---|---|---|---|---|---|');
  const all = Object.entries(pages);
  for (const [name, page] of [...all, ['all', Buffer.concat(all.map(([, p]) => p))] as const]) {
    const list = name === 'all' ? all.map(([, p]) => p) : [page];
    const mb = list.reduce((sum, p) => sum + p.byteLength, 0) / 1e6;
    const ourBytes = list.reduce((sum, p) => sum + ours.compress(p).byteLength, 0);
    const theirBytes = list.reduce((sum, p) => sum + snappyCompress(p).byteLength, 0);
    const ourSpeed = mb / seconds(list, repeat, (p) => ours.compress(p));
    const theirSpeed = mb / seconds(list, repeat, (p) => snappyCompress(p));
    console.log(
      `| ${name} | ${Math.round(mb * 1e6)} | ${ourBytes} | ${theirBytes} | ${(ourBytes / theirBytes).toFixed(3)} | ${ourSpeed.toFixed(0)} | ${theirSpeed.toFixed(0)} | ${(ourSpeed / theirSpeed).toFixed(2)} |`,
    );
  }
}

if (require.main === module) void main();
