/** A MySQL DB_DSN (`mysql://` or `mariadb://`), its quoting, and the message of a missing mysql2 driver: no server needed. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ConfigurationError } from '../../../../lib';
import { sqlQuoting } from '../../../../lib/resources/sql/dialects';
import { sessionSettings } from '../../../../lib/resources/sql/dsn';

const root = path.resolve(__dirname, '../../../..');

function refusal(config: Record<string, string>): ConfigurationError {
  try {
    sessionSettings(config);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected the DSN to be refused');
}

describe('MySQL DSN', () => {
  it('should read user, password (percent-decoded), host, port and database of mysql:// and mariadb://', () => {
    const settings = sessionSettings({ DB_DSN: 'mariadb://etl%40corp:p%2Fss%3Aw0rd@db.example:3307/sales%20eu' });
    expect(settings.dialect).to.equal('mysql');
    expect(settings.connection).to.deep.equal({ host: 'db.example', port: 3307, user: 'etl@corp', password: 'p/ss:w0rd', database: 'sales eu' });
    expect(settings.address).to.equal('db.example:3307/sales eu');
    expect(settings.display).not.to.contain('p%2Fss');
    expect(sessionSettings({ DB_DSN: 'mysql://u:x@db/shop' }).connection).to.deep.include({ port: 3306, database: 'shop' });
  });

  it('should take DB_USER and DB_PWD over the credentials of the DSN', () => {
    const settings = sessionSettings({ DB_DSN: 'mysql://u:x@db/shop', DB_USER: 'loader', DB_PWD: 'Env-Secret-1' });
    expect(settings.connection).to.deep.include({ user: 'loader', password: 'Env-Secret-1' });
  });

  it('should read ssl, sslVerify, charset and connectTimeout, and refuse any other parameter naming the known ones', () => {
    const settings = sessionSettings({ DB_DSN: 'mysql://u:x@db/shop?ssl=true&sslVerify=false&charset=utf8mb4_bin&connectTimeout=5000' });
    expect(settings.connection).to.deep.include({ ssl: { rejectUnauthorized: false }, charset: 'utf8mb4_bin', connectTimeout: 5000 });
    expect(sessionSettings({ DB_DSN: 'mysql://u:x@db/shop?ssl=1' }).connection.ssl).to.deep.equal({ rejectUnauthorized: true });
    const unknown = refusal({ DB_DSN: 'mysql://u:Dsn-Secret-7@db/shop?sslmode=require' });
    expect(unknown.message).to.equal(
      'BIGRAYS_DB_DSN is not a valid database URL (mysql://u:***@db/shop?sslmode=require): ' +
        'unknown parameter `sslmode`; a MySQL DSN takes ssl, sslVerify, charset, connectTimeout',
    );
    expect(refusal({ DB_DSN: 'mysql://u:Dsn-Secret-7@db/shop?ssl=maybe' }).message).to.contain('ssl must be true or false, got `maybe`');
  });

  it('should refuse a DSN with no host, or an ambiguous password, never showing the password', () => {
    expect(refusal({ DB_DSN: 'mysql://u:Dsn-Secret-7@/shop' }).message).to.contain('no host; expected mysql://user:password@host[:port]/database');
    const ambiguous = refusal({ DB_DSN: 'mysql://u:Dsn@Secret-7@db/shop' });
    expect(ambiguous.message).to.contain('Percent-encode the user and password');
    expect(ambiguous.message).not.to.contain('Secret-7');
  });

  it('should quote {kw!q} so that a backslash cannot end the literal, and {kw!i} with backticks', () => {
    const quoting = sqlQuoting('mysql');
    expect(quoting.literal("it's \\' x")).to.equal("'it''s \\\\'' x'");
    expect(quoting.identifier(['my db', 'it`s'])).to.equal('`my db`.`it``s`');
  });

  it('should name the mysql2 package and the command that installs it when the driver is missing', function () {
    this.timeout(60_000);
    const job = `
      const { register, bigraysRun, SQLQuery } = require('bigrays');
      class Read extends SQLQuery { query = 'select 1'; }
      register(Read);
      bigraysRun().then(() => console.log('ok'), (error) => console.log(error.name + ': ' + error.message));
    `;
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BIGRAYS_')));
    const result = spawnSync(process.execPath, ['-e', job], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...clean,
        BIGRAYS_DB_DSN: 'mysql://u:Driver-Secret-1@127.0.0.1:1/db',
        BIGRAYS_TEST_HIDE: 'mysql2',
        NODE_OPTIONS: `--require ${path.join(root, 'spec/support/hide-packages.cjs')}`,
      },
    });
    const out = `${result.stdout}${result.stderr}`;
    expect(out).to.contain(
      'ConfigurationError: A MySQL database (BIGRAYS_DB_DSN) needs the mysql2 package, which is not installed: run `npm install mysql2`',
    );
    expect(out).not.to.contain('Driver-Secret-1');
  });
});
