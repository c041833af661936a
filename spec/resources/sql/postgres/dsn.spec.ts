/** A PostgreSQL DB_DSN: the user-info as bigrays reads it, the parameters as pg-connection-string does. */
import { expect } from 'chai';
import { sessionSettings } from '../../../../lib/resources/sql/dsn';

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
});
