/** SQL Server: the SQL bigrays generates, checked without a server (the integration suite runs with BIGRAYS_TEST_MSSQL_DSN). */
import { expect } from 'chai';
import knexFactory from 'knex';
import { describeQuerySql, fromMssql, mssqlDialect, mssqlInsertSelectSql } from '../../../../lib/resources/sql/mssql/dialect';
import { inferKinds } from '../../../../lib/resources/sql/column-kinds';
import { createTableBuilder, renameTableBuilder } from '../../../../lib/resources/sql/table-ddl';
import { insertChunks } from '../../../../lib/resources/sql/write';

describe('SQL Server dialect', () => {
  const knex = knexFactory({ client: 'mssql' });
  after(() => knex.destroy());

  const table = {
    columns: ['id', 'name', 'amount', 'active', 'day', 'at', 'at_utc', 'payload', 'blob', 'nothing'],
    rows: [
      [9007199254740993n, "O'Brien", 1.5, true, '2026-01-02', '2026-01-02T03:04:05.123456', '2026-01-02T03:04:05Z', { a: 1 }, Buffer.from('hi'), null],
      [2, '', 2, false, '2026-01-03', '2026-01-03T00:00:00', '2026-01-03T00:00:00Z', [1, 2], Buffer.from(''), null],
    ],
  };

  it('should create a table with SQL Server column types inferred from the data', () => {
    expect(inferKinds(table)).to.deep.equal(['integer', 'text', 'float', 'boolean', 'date', 'timestamp', 'timestamptz', 'json', 'binary', 'text']);
    const sql = createTableBuilder(knex, mssqlDialect, 'dbo.sales', table).toSQL().map((q) => q.sql);
    expect(sql).to.deep.equal([
      'CREATE TABLE [dbo].[sales] ([id] BIGINT, [name] NVARCHAR(MAX), [amount] FLOAT, [active] BIT, [day] DATE, ' +
        '[at] DATETIME2(7), [at_utc] DATETIMEOFFSET(7), [payload] NVARCHAR(MAX), [blob] VARBINARY(MAX), [nothing] NVARCHAR(MAX))',
    ]);
  });

  it('should insert with bound parameters, within SQL Server\'s 2100-parameter limit', () => {
    const wide = { columns: ['a', 'b', 'c'], rows: Array.from({ length: 2500 }, (_, i) => [i, `v${i}`, null]) };
    const chunks = insertChunks(mssqlDialect, wide);
    expect(chunks.map((c) => c.length)).to.deep.equal([666, 666, 666, 502]);
    const query = knex('t').insert(chunks[0]).toSQL();
    expect(query.bindings).to.have.length(666 * 3);
    expect(query.sql).to.match(/^insert into \[t\] \(\[a\], \[b\], \[c\]\) values \(\?, \?, \?\)/);
  });

  it('should put at most 1000 rows in one VALUES list, however narrow the rows', () => {
    const narrow = { columns: ['a'], rows: Array.from({ length: 2500 }, (_, i) => [i]) };
    expect(insertChunks(mssqlDialect, narrow).map((c) => c.length)).to.deep.equal([1000, 1000, 500]);
  });

  it('should bind bigints as exact digits and objects as JSON text', () => {
    const [[row]] = insertChunks(mssqlDialect, { columns: ['id', 'payload', 'nothing'], rows: [[9007199254740993n, { a: [1] }, undefined]] });
    expect(row).to.deep.equal({ id: '9007199254740993', payload: '{"a":[1]}', nothing: null });
  });

  it('should read tedious values back exactly', () => {
    expect(fromMssql('9007199254740993', 'BigInt')).to.equal(9007199254740993n);
    expect(fromMssql('42', 'IntN')).to.equal(42);
    const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 123));
    expect(fromMssql(when, 'DateTime2N')).to.equal('2026-01-02T03:04:05.123');
    expect(fromMssql(when, 'DateTimeOffsetN')).to.equal('2026-01-02T03:04:05.123Z');
    expect(fromMssql(when, 'DateN')).to.equal('2026-01-02');
    expect(fromMssql(null, 'NVarChar')).to.equal(null);
  });

  it("should write an SQLStream's rows on the server: describe the query without running it, then INSERT … SELECT by column name", () => {
    const query = "select id, N'O''Brien' as name from dbo.sales where day = @p0";
    expect(describeQuerySql(query, 1)).to.equal(
      "EXEC sp_describe_first_result_set @tsql = N'select id, N''O''''Brien'' as name from dbo.sales where day = @p0', " +
        "@params = N'@p0 nvarchar(max)'",
    );
    expect(describeQuerySql('select 1 as one', 0)).to.equal("EXEC sp_describe_first_result_set @tsql = N'select 1 as one'");
    const target = { schema: 'dbo', name: 'sales]copy', tablename: 'dbo.[sales]]copy]', columns: ['id', 'na]me'] };
    expect(mssqlInsertSelectSql(target, query)).to.equal(`INSERT INTO [dbo].[sales]]copy] ([id], [na]]me])\n${query}\n`);
    // T-SQL puts a WITH before the INSERT, not after: such a query's rows are read and loaded instead.
    expect(mssqlDialect.loadQuery!.accepts(query)).to.equal(true);
    expect(mssqlDialect.loadQuery!.accepts('  WITH recent AS (select 1 as id) select * from recent')).to.equal(false);
    expect(mssqlDialect.loadQuery!.accepts(';WITH recent AS (select 1 as id) select * from recent')).to.equal(false);
    expect(mssqlDialect.loadQuery!.accepts('/* a */ -- b\n ;WITH recent AS (select 1 as id) select * from recent')).to.equal(false);
    expect(mssqlDialect.loadQuery!.accepts('-- latest\n(select id from dbo.sales)')).to.equal(true);
    // Statements that are not a plain SELECT: loaded as rows read.
    for (const sql of ['delete from dbo.sales output deleted.id', 'exec dbo.report', 'select id into #t from dbo.sales', 'update dbo.sales set id = 1 output inserted.id']) {
      expect(mssqlDialect.loadQuery!.accepts(sql), sql).to.equal(false);
    }
  });

  it("should replace a table on the server by renaming the table it filled (sp_rename), in the table's schema", () => {
    expect(renameTableBuilder(knex, mssqlDialect, 'dbo', 'bigrays_staging_0a1b', 'sales').toString()).to.equal(
      "exec sp_rename 'dbo.bigrays_staging_0a1b', 'sales'",
    );
    expect(renameTableBuilder(knex, mssqlDialect, undefined, 'bigrays_staging_0a1b', 'sales').toString()).to.equal(
      "exec sp_rename 'bigrays_staging_0a1b', 'sales'",
    );
  });
});
