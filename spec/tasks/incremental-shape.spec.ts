/** The queries bigrays cannot wrap to read past the cursor: refused before the run, saying to write {since}. */
import { expect } from 'chai';
import { incrementalProblems } from '../../lib/tasks/incremental';

const problems = (query: string, engine?: string): string[] =>
  incrementalProblems({ taskName: 'Extract', query, incremental: { column: 'id' } }, engine);

describe('wrapped incremental queries', () => {
  it('should refuse a limit at the top level of the query, on any engine, and take one inside parentheses, quotes or comments', () => {
    for (const query of ['select * from t limit 10', 'select top 10 * from t', 'select distinct top (5) id from t', 'select * from t order by id offset 5 rows fetch next 10 rows only', 'select * from t fetch first 3 rows only']) {
      expect(problems(query).join('\n'), query).to.contain('a wrapped incremental query cannot limit its rows');
    }
    for (const query of ['select * from (select * from t limit 10) x', "select 'limit 1' as top from t", 'select id from t -- limit 5\n', 'select "limit" from t /* top 1 */', 'select * from t where n < {limit} and kind = {top!q}']) {
      expect(problems(query), query).to.deep.equal([]);
    }
  });

  it('should refuse on SQL Server a query starting with WITH or ordering its rows, which it cannot run inside another, and take them elsewhere', () => {
    const withQuery = 'with recent as (select * from t) select * from recent';
    const ordered = 'select id from t order by id';
    expect(problems(withQuery, 'SQL Server').join('\n')).to.contain('query starts with WITH').and.contain('write {since} in the query');
    expect(problems(ordered, 'SQL Server').join('\n')).to.contain('query holds ORDER BY').and.contain('remove it, or write {since}');
    expect(problems('select id from t where id in (select id from u order by id offset 0 rows)', 'SQL Server')).to.deep.equal([]);
    expect(problems(withQuery, 'PostgreSQL')).to.deep.equal([]);
    expect(problems(ordered, 'PostgreSQL')).to.deep.equal([]);
    expect(incrementalProblems({ taskName: 'Extract', query: 'select id from t where id > {since} order by id', incremental: { column: 'id', initial: 0 } }, 'SQL Server')).to.deep.equal([]);
  });
});
