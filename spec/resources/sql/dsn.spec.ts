/** DB_DSN: the scheme picks the engine, a URL is read one way for connecting, masking and messages, and a DSN is read once. */
import { expect } from 'chai';
import { ConfigurationError } from '../../../lib';
import { sessionSettings, SessionSettingsCache } from '../../../lib/resources/sql/dsn';

describe('DB_DSN parsing', () => {
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

describe('DB_DSN read once', () => {
  it('should read a DSN again only when DB_DSN, DB_USER or DB_PWD change, and a refused one each time', () => {
    const cache = new SessionSettingsCache();
    const first = cache.read({ DB_DSN: 'postgres://etl:x@db/w', DB_STATEMENT_TIMEOUT_MS: 10 });
    expect(cache.read({ DB_DSN: 'postgres://etl:x@db/w' }), 'another config object, the same DSN').to.equal(first);
    const other = cache.read({ DB_DSN: 'postgres://etl:x@db/w', DB_PWD: 'y' });
    expect(other).not.to.equal(first);
    expect(other.connection).to.include({ password: 'y' });
    expect(cache.read({ DB_DSN: 'postgres://etl:x@db/w', DB_PWD: 'y', DB_USER: 'loader' }).connection).to.include({ user: 'loader' });
    for (let i = 0; i < 2; i++) expect(() => cache.read({ DB_DSN: 'oracle://db/x' })).to.throw(ConfigurationError, /unknown scheme/);
  });
});
