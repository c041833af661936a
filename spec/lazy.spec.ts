/** Optional packages: a SQL driver that is missing is named, with the command that installs it, before anything runs. */
import { expect } from 'chai';
import { ConfigurationError } from '../lib/errors';
import { checkSqlDriver } from '../lib/lazy';

describe('SQL driver check', () => {
  it("should name a dialect's missing driver package and its install command, for the DSN's env var", () => {
    const dialect = { engine: 'Test Engine', driver: { name: 'bigrays-spec-absent-driver', install: 'npm install bigrays-spec-absent-driver@2' } };
    let error: ConfigurationError | undefined;
    try {
      checkSqlDriver(dialect, 'BIGRAYS_DB_DSN');
    } catch (e) {
      error = e as ConfigurationError;
    }
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error!.message).to.equal(
      'A Test Engine database (BIGRAYS_DB_DSN) needs the bigrays-spec-absent-driver package, which is not installed: ' +
        'run `npm install bigrays-spec-absent-driver@2`',
    );
  });

  it("should run a dialect's check of its loaded driver, its error as it says it", () => {
    const dialect = {
      engine: 'Test Engine',
      driver: {
        name: 'knex',
        install: 'npm install knex',
        verify: (driver: unknown, neededFor: string) => {
          expect(driver).to.be.a('function');
          throw new ConfigurationError(`${neededFor} needs a build of its driver for this Node.js`);
        },
      },
    };
    expect(() => checkSqlDriver(dialect, 'BIGRAYS_DB_DSN')).to.throw(
      ConfigurationError,
      /^A Test Engine database \(BIGRAYS_DB_DSN\) needs a build of its driver for this Node.js$/,
    );
  });
});
