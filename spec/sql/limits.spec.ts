/** The SQL session's deadlines from config: their defaults, and a clear refusal of a bad value. */
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, ConfigurationError, register, SQLQuery } from '../../lib';
import { configText } from '../../lib/cli/config-command';
import { sessionLimits } from '../../lib/resources/sql/session';
import { freshSqliteDsn } from '../support/sql-hooks';

describe('SQL session deadlines (config)', () => {
  it('should bound a streamed read or load by DB_IDLE_TIMEOUT_MS, 600000 ms (10 minutes) when unset', () => {
    expect(BigraysConfig.DB_IDLE_TIMEOUT_MS).to.equal(600_000);
    // `bigrays config` lists it, with its default and what it bounds.
    expect(configText(false)).to.match(/BIGRAYS_DB_IDLE_TIMEOUT_MS += 600000 \(default\)\n +How long a streamed read or load .* may move no bytes before it fails, in ms/);
    expect(sessionLimits({})).to.deep.equal({ connectMs: 15_000, statementMs: undefined, idleMs: 600_000 });
    process.env.BIGRAYS_DB_IDLE_TIMEOUT_MS = '30000';
    expect(sessionLimits({ DB_IDLE_TIMEOUT_MS: BigraysConfig.DB_IDLE_TIMEOUT_MS }).idleMs).to.equal(30_000);
  });

  it('should refuse a DB_IDLE_TIMEOUT_MS that is not a number before any task runs, naming the env var', async () => {
    BigraysConfig.DB_DSN = freshSqliteDsn();
    process.env.BIGRAYS_DB_IDLE_TIMEOUT_MS = 'ten minutes';
    const ran: string[] = [];
    @register class Read extends SQLQuery {
      query = 'select 1 as one';
      override run() { ran.push('Read'); return super.run(); }
    }
    const error = (await bigraysRun().catch((e: unknown) => e)) as Error;
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error.message).to.contain('BIGRAYS_DB_IDLE_TIMEOUT_MS must be a positive number of milliseconds, got `ten minutes`');
    expect(ran).to.deep.equal([]);
    expect(Read).to.be.a('function');
  });
});
