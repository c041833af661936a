/** A PostgreSQL DB_DSN: the user-info as bigrays reads it, the parameters as pg-connection-string does. */
import { expect } from 'chai';
import * as path from 'node:path';
import { sessionSettings } from '../../../../lib/resources/sql/dsn';
import { modernSslmode } from '../../../../lib/resources/sql/postgres/dsn';
import { root, spawnCli } from '../../../support/cli';

describe('PostgreSQL DB_DSN', () => {
  it('should read a PostgreSQL URL, with DB_USER and DB_PWD overriding its credentials', () => {
    const plain = sessionSettings({ DB_DSN: 'postgresql://etl:p%40ss@db.example:6543/warehouse?sslmode=require' });
    expect(plain.dialect).to.equal('postgres');
    expect(plain.connection).to.include({ user: 'etl', password: 'p@ss', host: 'db.example', port: 6543, database: 'warehouse' });
    expect(plain.connection.ssl).to.not.equal(undefined);
    expect(plain.display).to.equal('postgresql://etl:***@db.example:6543/warehouse?sslmode=require');
    const overridden = sessionSettings({ DB_DSN: 'postgres://etl:old@db/w', DB_USER: 'loader', DB_PWD: 'new' });
    expect(overridden.connection).to.include({ user: 'loader', password: 'new' });
  });

  it('should read sslmode=prefer, require and verify-ca as verify-full, as pg 8 does, without its warning, and as libpq with uselibpqcompat=true', () => {
    for (const mode of ['prefer', 'require', 'verify-ca']) {
      const settings = sessionSettings({ DB_DSN: `postgres://etl:pw@db.example/w?application_name=x&sslmode=${mode}` });
      expect(settings.connection, mode).to.include({ sslmode: 'verify-full', application_name: 'x' });
      // An object: the certificate and the host name checked.
      expect(settings.connection.ssl, mode).to.deep.equal({});
      expect(settings.display).to.equal(`postgres://etl:***@db.example/w?application_name=x&sslmode=${mode}`);
    }
    expect(modernSslmode('sslmode=require&x=1')).to.equal('sslmode=verify-full&x=1');
    expect(modernSslmode('sslmode=disable')).to.equal('sslmode=disable');
    expect(modernSslmode('sslmode=no-verify')).to.equal('sslmode=no-verify');
    const libpq = sessionSettings({ DB_DSN: 'postgres://etl:pw@db.example/w?uselibpqcompat=true&sslmode=require' });
    expect(libpq.connection.ssl).to.deep.equal({ rejectUnauthorized: false });
    expect(sessionSettings({ DB_DSN: 'postgres://etl:pw@db.example/w?sslmode=disable' }).connection.ssl).to.equal(false);
  });

  it('should print no sslmode warning in a run of a job whose DSN says sslmode=require', async function () {
    this.timeout(60_000);
    const result = await spawnCli(['run', path.join(root, 'spec/fixtures/jobs/needs-db.ts'), '--dry-run'], {
      env: { BIGRAYS_DB_DSN: 'postgres://etl:Dsn-Secret-3@db.example:5432/w?sslmode=require' },
    });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('postgres://etl:***@db.example:5432/w?sslmode=require');
    expect(result.stderr).not.to.match(/SECURITY WARNING|sslmode/);
  });
});
