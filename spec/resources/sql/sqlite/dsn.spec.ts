/** A SQLite DB_DSN: the file, or a database in memory. */
import { expect } from 'chai';
import { sessionSettings } from '../../../../lib/resources/sql/dsn';

describe('SQLite DB_DSN', () => {
  it('should read sqlite files and memory databases', () => {
    expect(sessionSettings({ DB_DSN: 'sqlite:jobs.db' })).to.deep.include({ dialect: 'sqlite', connection: { filename: 'jobs.db' } });
    expect(sessionSettings({ DB_DSN: 'sqlite:///var/data/jobs.db' }).connection).to.deep.equal({ filename: '/var/data/jobs.db' });
    expect(sessionSettings({ DB_DSN: 'sqlite::memory:' }).connection).to.deep.equal({ filename: ':memory:' });
  });
});
