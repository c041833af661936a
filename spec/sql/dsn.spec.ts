import { expect } from 'chai';
import { ConfigurationError } from '../../lib';
import { sessionSettings } from '../../lib/resources/sql/dsn';

describe('DB_DSN parsing', () => {
  it('should read sqlite files and memory databases', () => {
    expect(sessionSettings({ DB_DSN: 'sqlite:jobs.db' })).to.deep.include({ dialect: 'sqlite', connection: { filename: 'jobs.db' } });
    expect(sessionSettings({ DB_DSN: 'sqlite:///var/data/jobs.db' }).connection).to.deep.equal({ filename: '/var/data/jobs.db' });
    expect(sessionSettings({ DB_DSN: 'sqlite::memory:' }).connection).to.deep.equal({ filename: ':memory:' });
  });

  it('should read a PostgreSQL URL, with DB_USER and DB_PWD overriding its credentials', () => {
    const plain = sessionSettings({ DB_DSN: 'postgresql://etl:p%40ss@db.example:6543/warehouse?sslmode=require' });
    expect(plain.dialect).to.equal('postgres');
    expect(plain.connection).to.include({ user: 'etl', password: 'p@ss', host: 'db.example', port: 6543, database: 'warehouse' });
    expect(plain.connection.ssl).to.not.equal(undefined);
    expect(plain.display).to.equal('postgresql://etl:***@db.example:6543/warehouse?sslmode=require');
    const overridden = sessionSettings({ DB_DSN: 'postgres://etl:old@db/w', DB_USER: 'loader', DB_PWD: 'new' });
    expect(overridden.connection).to.include({ user: 'loader', password: 'new' });
  });

  it('should map a SQL Server URL to tedious options', () => {
    const settings = sessionSettings({
      DB_DSN: 'mssql://sa:Str0ng%21@sql.example:14330/sales?encrypt=false&trustServerCertificate=true&appName=nightly',
    });
    expect(settings.dialect).to.equal('mssql');
    expect(settings.connection).to.deep.equal({
      server: 'sql.example',
      port: 14330,
      database: 'sales',
      user: 'sa',
      password: 'Str0ng!',
      options: { encrypt: false, trustServerCertificate: true, useUTC: true, appName: 'nightly' },
    });
    expect(settings.display).to.equal('mssql://sa:***@sql.example:14330/sales?encrypt=false&trustServerCertificate=true&appName=nightly');
  });

  it('should default SQL Server to encryption on port 1433, and use a named instance without a port', () => {
    expect(sessionSettings({ DB_DSN: 'sqlserver://sa:x@sql/db' }).connection).to.deep.include({
      port: 1433,
      options: { encrypt: true, trustServerCertificate: false, useUTC: true },
    });
    const named = sessionSettings({ DB_DSN: 'mssql://sa:x@sql/db?instanceName=SQLEXPRESS', DB_USER: 'etl', DB_PWD: 'y' });
    expect(named.connection).to.not.have.property('port');
    expect(named.connection).to.deep.include({ user: 'etl', password: 'y' });
    expect((named.connection.options as Record<string, unknown>).instanceName).to.equal('SQLEXPRESS');
    const backslash = sessionSettings({ DB_DSN: 'mssql://sa:x@sql\\SQLEXPRESS/db' });
    expect(backslash.connection).to.deep.include({ server: 'sql', database: 'db' });
    expect((backslash.connection.options as Record<string, unknown>).instanceName).to.equal('SQLEXPRESS');
  });

  it('should refuse malformed DSNs with a ConfigurationError that masks the password', () => {
    const cases: Array<[string, RegExp]> = [
      ['db2://root:hunter2-Secret@db/x', /unknown scheme `db2:`/],
      ['just-a-host', /no scheme/],
      ['sqlite:', /name a file/],
      ['mssql://sa:hunter2-Secret@db/x?encrypt=maybe', /encrypt must be true or false, got `maybe`/],
      ['postgres://etl:hunter2-Secret@db:99999999/x', /port/],
    ];
    for (const [dsn, why] of cases) {
      let error: ConfigurationError | undefined;
      try {
        sessionSettings({ DB_DSN: dsn });
      } catch (e) {
        error = e as ConfigurationError;
      }
      expect(error, dsn).to.be.instanceOf(ConfigurationError);
      expect(error!.message, dsn).to.match(why).and.to.match(/^BIGRAYS_DB_DSN is not a valid database URL/);
      expect(error!.message).not.to.contain('hunter2-Secret');
      expect(error!.missing).to.deep.equal(['BIGRAYS_DB_DSN']);
    }
  });
});

describe('DB_DSN with special characters in the password', () => {
  /** The pieces of each password: none may show in a message. */
  const passwords = ['Qz7k@Vx9m', 'Qz7k/Vx9m', 'Qz7k#Vx9m', 'Qz7k?Vx9m', 'Qz7k@Vx9m/Jw4t#Lp2d?Hn6c'];
  const pieces = ['Qz7k', 'Vx9m', 'Jw4t', 'Lp2d', 'Hn6c'];

  function refusal(dsn: string): ConfigurationError {
    try {
      sessionSettings({ DB_DSN: dsn });
    } catch (e) {
      return e as ConfigurationError;
    }
    throw new Error(`${dsn} was accepted`);
  }

  for (const scheme of ['postgres', 'mssql']) {
    it(`should refuse a ${scheme} DSN whose password holds an unescaped @ / # ?, with the form to write and without the password`, () => {
      for (const password of passwords) {
        const error = refusal(`${scheme}://etl:${password}@db.example:5432/x`);
        expect(error, password).to.be.instanceOf(ConfigurationError);
        expect(error.missing).to.deep.equal(['BIGRAYS_DB_DSN']);
        expect(error.message).to.match(/^BIGRAYS_DB_DSN is not a valid database URL \(\w+:\/\/etl:\*\*\*@db\.example:5432\/x\): /);
        expect(error.message).to.match(/not percent-encoded/);
        expect(error.message).to.contain('`@` → `%40`, `/` → `%2F`, `#` → `%23`, `?` → `%3F`, `%` → `%25`');
        expect(error.message).to.contain(`${scheme}://etl:<password, percent-encoded>@db.example:5432/x`);
        expect(error.message).to.contain('BIGRAYS_DB_PWD');
        for (const piece of pieces) expect(error.message, password).not.to.contain(piece);
      }
    });

    it(`should read the same ${scheme} DSN percent-encoded: the host, user and password meant`, () => {
      for (const password of [...passwords, 'Qz7k%Vx9m', 'Qz7k:Vx9m']) {
        const settings = sessionSettings({ DB_DSN: `${scheme}://etl:${encodeURIComponent(password)}@db.example:5432/x` });
        expect(settings.host).to.equal('db.example');
        expect(settings.port).to.equal(5432);
        expect(settings.connection).to.include({ user: 'etl', password });
        expect(settings.display).to.equal(`${scheme}://etl:***@db.example:5432/x`);
      }
    });
  }

  it('should refuse a user holding an unescaped @, showing it percent-encoded', () => {
    const error = refusal('postgres://me@corp.example@db.example/x');
    expect(error.message).to.contain('postgres://me%40corp.example@db.example/x');
  });

  it('should keep a password= parameter masked in the form it shows', () => {
    const error = refusal('postgres://etl@db.example/x?password=Qz7k@Vx9m');
    for (const piece of ['Qz7k', 'Vx9m']) expect(error.message).not.to.contain(piece);
    expect(error.message).to.contain('password=***');
  });

  it('should keep the whole of a password= parameter masked in the form it shows, a space and all', () => {
    const error = refusal('postgres://etl@db.example/x?password=Qz7k@Vx9m Jw4t');
    for (const piece of ['Qz7k', 'Vx9m', 'Jw4t']) expect(error.message).not.to.contain(piece);
    expect(error.message).to.contain('postgres://etl@db.example/x?password=***,');
  });

  it('should refuse a % that starts no %XX escape, saying to write %25', () => {
    const error = refusal('postgres://etl:Qz7k%Vx9m@db.example/x');
    expect(error.message).to.match(/password holds a `%` that starts no %XX escape: percent-encode the password \(.*`%` → `%25`/);
    for (const piece of ['Qz7k', 'Vx9m']) expect(error.message).not.to.contain(piece);
  });
});
