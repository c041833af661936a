/**
 * SQLQuery's output is held as columns and made a danfojs DataFrame only when the job's code
 * uses it as one: whatever a job does with it works as with any DataFrame, and its CSV is the
 * same bytes as the CSV of the DataFrame made from the whole result at once.
 */
import { expect } from 'chai';
import * as dfd from 'danfojs-node';
import { bigraysRun, BigraysConfig, outputOf, SQLExecute, SQLQuery, SQLTask, Task, toCsv, type DataFrame } from '../../lib';
import { wideTableSql } from '../../bench/wide-table';
import { toDataFrame } from '../../lib/data/frame';
import { DIALECTS } from '../sql/dialects';

const ENGINES = DIALECTS.filter((d) => d.name === 'postgres' || d.name === 'sqlite');

/** An SQLQuery's output with danfojs' own type, as a job that uses danfojs' API gives it (bigrays' own type needs no danfojs). */
const danfo = (frame: DataFrame): dfd.DataFrame => frame as unknown as dfd.DataFrame;

/** The rows every engine can make: integers, floats (-0 where the engine keeps it), text with quotes and line breaks, NULLs, an empty string. */
const setup = (negativeZero: string): string => [
  'create table readings (id integer, name varchar(40), score double precision, note text)',
  "insert into readings values (1, 'Ada', 2.5, 'a, \"quoted\"\nline')",
  `insert into readings values (2, 'Grace', ${negativeZero}, '')`,
  'insert into readings values (3, null, null, null)',
  "insert into readings values (4, 'Hedy', 1e300, 'plain')",
].join('; ');

for (const engine of ENGINES) {
  describe(`SQLQuery's DataFrame on ${engine.name}`, function () {
    this.timeout(60_000);
    let dsn: string | undefined;
    // SQLite stores a whole REAL as an integer: its -0 reads back as 0.
    const zero = engine.name === 'postgres' ? "'-0'::float8" : '-1.5';
    const zeroValue = engine.name === 'postgres' ? -0 : -1.5;
    const zeroText = engine.name === 'postgres' ? '-0' : '-1.5';
    before(async () => {
      dsn = await engine.freshDsn();
      BigraysConfig.DB_DSN = dsn;
      class Setup extends SQLExecute { statement = setup(zero); }
      await bigraysRun(Setup);
    });
    beforeEach(() => {
      BigraysConfig.DB_DSN = dsn;
    });

    const read = async (): Promise<dfd.DataFrame> => {
      class Read extends SQLQuery { query = 'select id, name, score, note from readings order by id'; }
      await bigraysRun(Read);
      return danfo(outputOf(Read));
    };

    it('should answer shape, columns and values, and every danfo call, as the DataFrame of the rows', async () => {
      const frame = await read();
      expect(frame.shape).to.deep.equal([4, 4]);
      expect(frame.columns).to.deep.equal(['id', 'name', 'score', 'note']);
      expect(frame).to.be.instanceOf(dfd.DataFrame);
      expect(frame.constructor).to.equal(dfd.DataFrame);
      expect(frame.head).to.equal(frame.head);
      const rows = [[1, 'Ada', 2.5, 'a, "quoted"\nline'], [2, 'Grace', zeroValue, ''], [3, null, null, null], [4, 'Hedy', 1e300, 'plain']];
      expect(frame.values).to.deep.equal(rows);
      expect(Object.is((frame.values as unknown[][])[1][2], zeroValue)).to.equal(true);
      expect(frame['id'].values).to.deep.equal([1, 2, 3, 4]);
      expect(frame.column('name').values).to.deep.equal(['Ada', 'Grace', null, 'Hedy']);
      expect(frame.head(2).values).to.deep.equal(rows.slice(0, 2));
      expect(frame.query(frame['id'].gt(2)).shape).to.deep.equal([2, 4]);
      expect(frame['id'].sum()).to.equal(10);
      expect(frame.toString()).to.contain('Grace');
      expect(dfd.toCSV(frame)).to.equal(dfd.toCSV(new dfd.DataFrame(rows, { columns: ['id', 'name', 'score', 'note'] })));
    });

    it("should write the job's changes to a DataFrame it used, and the rows as read to one it did not", async () => {
      const untouched = await read();
      expect(await toCsv(untouched)).to.equal(`id,name,score,note\n1,Ada,2.5,"a, ""quoted""\nline"\n2,Grace,${zeroText},""\n3,,,\n4,Hedy,1e+300,plain\n`);
      const changed = await read();
      changed.addColumn('twice', (changed['id'].values as number[]).map((n) => n * 2), { inplace: true });
      expect(changed.shape).to.deep.equal([4, 5]);
      expect((await toCsv(changed)).split('\n').slice(0, 2)).to.deep.equal(['id,name,score,note,twice', '1,Ada,2.5,"a, ""quoted""']);
    });

    it('should keep the columns of an empty result, and number duplicate column names as before', async () => {
      class Empty extends SQLQuery { query = 'select id, name as id from readings where id < 0'; }
      await bigraysRun(Empty);
      const frame = outputOf(Empty);
      expect(frame.shape).to.deep.equal([0, 2]);
      expect(frame.columns).to.deep.equal(['id', 'id_1']);
      expect(await toCsv(frame)).to.equal('id,id_1\n');
    });
  });
}

describe("SQLQuery's DataFrame of the wide table", function () {
  this.timeout(120_000);
  const postgres = ENGINES.find((e) => e.name === 'postgres');

  it('should be written as the same CSV bytes as the DataFrame made from the whole result at once', async () => {
    const dsn = await postgres?.freshDsn();
    BigraysConfig.DB_DSN = dsn;
    class Make extends SQLExecute { statement = wideTableSql(3000, 'wide'); }
    class Held extends SQLQuery { query = 'select * from wide order by id'; }
    // The whole result read as rows, then made a DataFrame at once.
    class Whole extends SQLTask<DataFrame> {
      async run(): Promise<DataFrame> {
        return toDataFrame(await this.session.query('select * from wide order by id'));
      }
    }
    await bigraysRun(Make, Held, Whole);
    const held = await toCsv(outputOf(Held));
    const whole = await toCsv(outputOf(Whole));
    expect(held.split('\n')).to.have.length(3002);
    expect(held).to.contain(',NaN,').and.contain('-infinity').and.contain(' BC');
    expect(held === whole, 'the CSV of the held columns differs from the whole DataFrame').to.equal(true);
    // Made into a DataFrame (a column read), it writes the same bytes again.
    expect(danfo(outputOf(Held))['id'].values).to.have.length(3000);
    expect((await toCsv(outputOf(Held))) === whole).to.equal(true);
  });

  it('should be written as the same CSV bytes, and made the same DataFrame, when its text is spilled to a temporary file', async () => {
    BigraysConfig.DB_DSN = await postgres?.freshDsn();
    class Make extends SQLExecute { statement = wideTableSql(3000, 'wide'); }
    class Held extends SQLQuery { query = 'select * from wide order by id'; }
    await bigraysRun(Make, Held);
    const whole = await toCsv(outputOf(Held));
    const heldValues = outputOf(Held).values as unknown[][];
    // A thousandth of the text kept in memory: the rest is written and read back.
    BigraysConfig.QUERY_TEXT_MB = 0.005;
    try {
      await bigraysRun(Held);
    } finally {
      delete BigraysConfig.QUERY_TEXT_MB;
    }
    expect((await toCsv(outputOf(Held))) === whole, 'the CSV of the spilled result differs').to.equal(true);
    expect(outputOf(Held).values).to.deep.equal(heldValues);
  });

  it('should refuse a QUERY_TEXT_MB that is not a number before the run, naming the task and the env var', async () => {
    BigraysConfig.DB_DSN = await postgres?.freshDsn();
    let ran = false;
    class First extends Task { run(): void { ran = true; } }
    class Bounded extends SQLQuery { query = 'select 1 as one'; }
    BigraysConfig.QUERY_TEXT_MB = 'lots';
    let failure: Error | undefined;
    try {
      await bigraysRun(First, Bounded);
    } catch (error) {
      failure = error as Error;
    } finally {
      delete BigraysConfig.QUERY_TEXT_MB;
    }
    expect(failure?.message).to.contain('Bounded').and.contain('BIGRAYS_QUERY_TEXT_MB').and.contain('lots');
    expect(ran, 'a task ran before the bad setting was found').to.equal(false);
  });
});
