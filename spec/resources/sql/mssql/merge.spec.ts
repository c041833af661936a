/** SQL Server merge: the SQL a merge runs, checked without a server (the merge specs run on a server with BIGRAYS_TEST_MSSQL_DSN). */
import { expect } from 'chai';
import knexFactory from 'knex';
import { mssqlDialect } from '../../../../lib/resources/sql/mssql/dialect';
import type { MergePlan } from '../../../../lib/resources/sql/merge-sql';
import { createTableBuilder } from '../../../../lib/resources/sql/table-ddl';

describe('SQL Server merge', () => {
  const knex = knexFactory({ client: 'mssql' });
  after(() => knex.destroy());
  const merge = mssqlDialect.merge!;
  const plan: MergePlan = {
    table: '[dbo].[sales]',
    staging: '[#bigrays_staging_1]',
    ordinal: '[bigrays_ordinal]',
    columns: ['[region]', '[id]', '[amount]'],
    keys: ['[region]', '[id]'],
    updates: ['[amount]'],
    unique: false,
  };

  it('should stage the rows in a #temp table numbered in load order', () => {
    expect(merge.staging.target('bigrays_staging_1')).to.deep.equal({ name: '#bigrays_staging_1' });
    expect(merge.staging.create('[#bigrays_staging_1]', '[id] BIGINT, [bigrays_ordinal] ' + merge.ordinalType)).to.equal(
      'CREATE TABLE [#bigrays_staging_1] ([id] BIGINT, [bigrays_ordinal] BIGINT IDENTITY(1, 1))',
    );
  });

  it('should update matched rows and insert the others in one MERGE, holding the key range', () => {
    expect(merge.upsert(plan)).to.deep.equal([
      'MERGE INTO [dbo].[sales] WITH (HOLDLOCK) AS bigrays_t USING (SELECT [region], [id], [amount] FROM [#bigrays_staging_1]) AS bigrays_s ' +
        'ON bigrays_t.[region] = bigrays_s.[region] AND bigrays_t.[id] = bigrays_s.[id] ' +
        'WHEN MATCHED THEN UPDATE SET bigrays_t.[amount] = bigrays_s.[amount] ' +
        'WHEN NOT MATCHED BY TARGET THEN INSERT ([region], [id], [amount]) VALUES (bigrays_s.[region], bigrays_s.[id], bigrays_s.[amount]);',
    ]);
    expect(merge.upsert({ ...plan, columns: ['[region]', '[id]'], updates: [] })[0]).not.to.contain('WHEN MATCHED');
  });

  it('should keep the last row of each key, and name the first repeated keys with OFFSET … FETCH', () => {
    expect(merge.dedupeLast(plan)).to.deep.equal([
      'DELETE FROM [#bigrays_staging_1] WHERE [bigrays_ordinal] NOT IN (SELECT MAX([bigrays_ordinal]) FROM [#bigrays_staging_1] GROUP BY [region], [id])',
    ]);
    expect(merge.limit('SELECT 1 ORDER BY 1', 5)).to.equal('SELECT 1 ORDER BY 1 OFFSET 0 ROWS FETCH NEXT 5 ROWS ONLY');
  });

  it('should create a missing table with a primary key on the keys, a text key bounded', () => {
    const types = ['NVARCHAR(MAX)', 'BIGINT', 'FLOAT'].map((type, i) => (i < 2 ? merge.keyType!(type) : type));
    const sql = createTableBuilder(knex, mssqlDialect, 'dbo.sales', { columns: ['region', 'id', 'amount'], rows: [] }, types, ['region', 'id']).toSQL().map((q) => q.sql);
    expect(sql).to.deep.equal([
      'CREATE TABLE [dbo].[sales] ([region] NVARCHAR(450), [id] BIGINT, [amount] FLOAT, CONSTRAINT [sales_pkey] PRIMARY KEY ([region], [id]))',
    ]);
  });
});
