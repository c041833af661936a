/**
 * The DataFrames bigrays hands out: danfojs-node loaded the first time one is needed, without
 * its statistics, Excel and remote-file modules until they are used, and every method working.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

describe('DataFrames from SQLQuery', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-danfo-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should work in full, statistics, printing and Excel included, though those modules load only when used', () => {
    const script = `
      const { sqlQuery, BigraysConfig } = require('bigrays');
      const loaded = (name) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + name + '/'));
      BigraysConfig.DB_DSN = 'sqlite:///' + ${JSON.stringify(path.join(dir, 'db.sqlite'))};
      sqlQuery({ query: "select 1 as a, 2.5 as b union all select 3, 4.5 union all select 5, 8.5 order by a" }).then((df) => {
        const before = ['mathjs', 'xlsx', 'table'].filter(loaded);
        const out = {
          before,
          values: df.values,
          // the column copy is made on first use, and kept in step with the rows
          a: df['a'].values,
          median: df['b'].median(),
          std: Number(df['b'].std().toFixed(6)),
          meanByColumn: df.mean({ axis: 0 }).values,
          printed: df.toString().includes('8.5'),
        };
        df.addColumn('c', [7, 8, 9], { inplace: true });
        out.added = df.values[2];
        out.cColumn = df['c'].values;
        require('danfojs-node').toExcel(df, { filePath: ${JSON.stringify(path.join(dir, 'out.xlsx'))} });
        out.after = ['mathjs', 'xlsx', 'table'].filter(loaded);
        console.log(JSON.stringify(out));
      });
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as Record<string, unknown>;
    expect(out).to.deep.equal({
      before: [],
      values: [[1, 2.5], [3, 4.5], [5, 8.5]],
      a: [1, 3, 5],
      median: 4.5,
      std: 3.05505,
      meanByColumn: [3, 5.166666666666667],
      printed: true,
      added: [5, 8.5, 9],
      cColumn: [7, 8, 9],
      after: ['mathjs', 'xlsx', 'table'],
    });
  });
});
