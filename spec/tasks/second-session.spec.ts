/** What SQLWrite refuses, by the names alone, before it loads a session's rows on a second session of the same config. */
import { expect } from 'chai';
import { sessionSettings } from '../../lib/resources/sql/dsn';
import { secondSessionBar } from '../../lib/tasks/second-session';

const TEMP = 'is a temp table, which only the session that made it sees';

describe('a second SQL session, judged by names', () => {
  it('should refuse a PostgreSQL temp schema, and take any other table', () => {
    const settings = sessionSettings({ DB_DSN: 'postgres://etl:x@db/w' });
    expect(secondSessionBar(settings, 'pg_temp.scratch')).to.equal(`pg_temp.scratch ${TEMP}`);
    expect(secondSessionBar(settings, 'PG_TEMP_3.scratch')).to.equal(`PG_TEMP_3.scratch ${TEMP}`);
    expect(secondSessionBar(settings, 'public.sales')).to.equal(undefined);
    expect(secondSessionBar(settings, '#sales')).to.equal(undefined);
  });

  it('should refuse a SQL Server #temp table, in a schema or not', () => {
    const settings = sessionSettings({ DB_DSN: 'mssql://sa:x@sql/db' });
    expect(secondSessionBar(settings, '#stage')).to.equal(`#stage ${TEMP}`);
    expect(secondSessionBar(settings, 'dbo.#stage')).to.equal(`dbo.#stage ${TEMP}`);
    expect(secondSessionBar(settings, 'dbo.stage')).to.equal(undefined);
    expect(secondSessionBar(settings, 'pg_temp.stage')).to.equal(undefined);
  });

  it('should refuse an in-memory SQLite database whatever the table, and take a file', () => {
    const memory = 'the database is in memory (sqlite::memory:), and a second session would open a new, empty one';
    expect(secondSessionBar(sessionSettings({ DB_DSN: 'sqlite::memory:' }), 'sales')).to.equal(memory);
    expect(secondSessionBar(sessionSettings({ DB_DSN: 'sqlite:jobs.db' }), 'sales')).to.equal(undefined);
  });
});
