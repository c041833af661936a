/**
 * A Parquet export of a MySQL/MariaDB query (SQLStream → ToCSV / ToS3, format 'parquet') typed by
 * the columns the server declares, not by the first row group's values: a DECIMAL stays a
 * DECIMAL of its precision and scale when its first rows are whole numbers, a column NULL in
 * the whole first row group keeps its type and takes the values after it, tinyint(1) is a
 * BOOLEAN, binary strings are bytes. Read back with DuckDB.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bigraysRun, register, SQLExecute, SQLStream, ToCSV } from '../../lib';
import { duckDbRows } from '../support/duckdb';
import { useMysql } from '../support/mariadb';

/** More rows than a row group (100,000) holds: the first group's `late` values are all NULL. */
const ROWS = 100_010;

const TABLE = `
  create table typed (
    id int primary key, tiny tinyint, flag tinyint(1), small smallint unsigned, medium mediumint, i int, iu int unsigned,
    big bigint, bigu bigint unsigned, yr year, f float, d double, dec0 decimal(10,0), amount decimal(12,2),
    wide decimal(50,10), day date, at datetime(6), ts timestamp(3) null, label varchar(20), bin varbinary(8), body text,
    e enum('a','b'), late int, plain decimal(9,3)
  );
  insert into typed
    select seq, seq % 100 - 50, seq % 2, seq % 60000, seq * 7 - 500000, seq * 1000, seq * 40000, seq * 10000000000 - 5, seq * 90000000000000,
      1901 + seq % 254, seq / 8, seq / 3, seq * 5, case when seq <= 100000 then seq else seq + 0.25 end,
      seq * 1000000000000.5, date '2020-01-01' + interval (seq % 3000) day, timestamp '2026-01-01 00:00:00' + interval seq second,
      timestamp '2026-01-01 00:00:00' + interval seq second, concat('name ', seq), unhex(lpad(hex(seq), 8, '0')), repeat('x', seq % 5),
      if(seq % 2 = 0, 'a', 'b'), if(seq > 100000, seq, null), if(seq % 7 = 0, null, seq / 1000)
    from (select cast(seq as signed) as seq from seq_1_to_${ROWS}) s`;

describe('MySQL to Parquet, typed by the server\'s column types', function () {
  this.timeout(180_000);
  useMysql();
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-mysql-parquet-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should give each column the Parquet type of its declared type, whatever its first rows hold, and every value', async () => {
    const file = path.join(dir, 'typed.parquet');
    @register class Setup extends SQLExecute { statement = `drop table if exists typed; ${TABLE}`; }
    @register class Rows extends SQLStream { query = 'select * from typed order by id'; }
    @register class Save extends ToCSV { input = Rows.output; filename = file; format = 'parquet' as const; }
    await bigraysRun();
    expect(Setup && Save).to.be.a('function');

    const types = Object.fromEntries((await duckDbRows(`describe select * from read_parquet('${file}')`)).map(([name, type]) => [name, type]));
    expect(types).to.deep.equal({
      id: 'INTEGER', tiny: 'SMALLINT', flag: 'BOOLEAN', small: 'INTEGER', medium: 'INTEGER', i: 'INTEGER', iu: 'BIGINT',
      big: 'BIGINT', bigu: 'BIGINT', yr: 'SMALLINT', f: 'FLOAT', d: 'DOUBLE', dec0: 'DECIMAL(10,0)', amount: 'DECIMAL(12,2)',
      // Beyond Parquet's 38 digits: the server's text of it.
      wide: 'VARCHAR', day: 'DATE', at: 'TIMESTAMP', ts: 'TIMESTAMP WITH TIME ZONE', label: 'VARCHAR', bin: 'BLOB', body: 'VARCHAR',
      e: 'VARCHAR', late: 'INTEGER', plain: 'DECIMAL(9,3)',
    });
    const [read] = await duckDbRows(`
      select count(*), count(late), min(late), max(late), sum(amount)::varchar, sum(dec0)::varchar, count(*) filter (where flag),
        min("day")::varchar, max("at")::varchar, max(ts)::varchar, min(bin)::varchar, max(wide), min(yr), max(bigu)::varchar,
        sum(plain)::varchar, count(plain)
      from read_parquet('${file}')`);
    expect(read).to.deep.equal([
      BigInt(ROWS), 10n, 100_001, 100_010, `${ROWS * (ROWS + 1) / 2 + 2}.50` /* the last ten rows + 0.25 each */, String(5 * ROWS * (ROWS + 1) / 2), BigInt(ROWS / 2),
      // 100,010 seconds after midnight: a day, 3:46:50. The widest decimal is text: its largest is by text.
      '2020-01-01', '2026-01-02 03:46:50', '2026-01-02 03:46:50+00', '\\x00\\x00\\x00\\x01', '99999000000049999.5000000000',
      1901, '9000900000000000000', sumPlain(), BigInt(ROWS - Math.floor(ROWS / 7)),
    ]);
  });

  it('should read values the query computes as wide integers, and geometry as JSON, as their values were read before', async () => {
    const file = path.join(dir, 'computed.parquet');
    // The server declares ord('😀') a signed INT, though it is 4036991104.
    @register class Rows extends SQLStream {
      query = "select ord('😀') as code, 1 + 1 as two, cast(5 as unsigned) + 3 as mixed, st_geomfromtext('POINT(1 2)') as spot, cast(null as decimal(5,2)) as nothing";
    }
    @register class Save extends ToCSV { input = Rows.output; filename = file; format = 'parquet' as const; }
    await bigraysRun();
    expect(Save).to.be.a('function');
    expect(await duckDbRows(`select code, two, mixed, spot::varchar, typeof(nothing) from read_parquet('${file}')`))
      .to.deep.equal([[4036991104n, 2n, 8n, '{"x":1,"y":2}', 'DECIMAL(5,2)']]);
  });

  it('should infer the types from the values, as before, for a result with a column of a type it does not map (TIME)', async () => {
    const file = path.join(dir, 'times.parquet');
    @register class Rows extends SQLStream { query = "select 1 as n, cast('838:59:59' as time) as span, cast('2.50' as decimal(5,2)) as amount"; }
    @register class Save extends ToCSV { input = Rows.output; filename = file; format = 'parquet' as const; }
    await bigraysRun();
    expect(Save).to.be.a('function');
    expect(await duckDbRows(`select n, span, amount::varchar from read_parquet('${file}')`)).to.deep.equal([[1n, '838:59:59', '2.50']]);
  });
});

/** The sum of `seq / 1000` over the rows where `seq % 7 != 0`, as text with three decimals. */
function sumPlain(): string {
  let thousandths = 0n;
  for (let seq = 1; seq <= ROWS; seq++) if (seq % 7 !== 0) thousandths += BigInt(seq);
  const text = thousandths.toString().padStart(4, '0');
  return `${text.slice(0, -3)}.${text.slice(-3)}`;
}
