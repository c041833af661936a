/** The registration table of SQL engines: every engine describes itself completely, and a DSN's scheme finds exactly one. */
import { expect } from 'chai';
import { ConfigurationError } from '../../../lib';
import type { Dialect, ValueKind } from '../../../lib/resources/sql/dialect';
import { dialectForScheme, dialectNamed, DIALECTS, sqlQuoting } from '../../../lib/resources/sql/dialects';
import { sessionSettings } from '../../../lib/resources/sql/dsn';

// knex's own list of the clients it can load (`client: …`).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SUPPORTED_CLIENTS } = require('knex/lib/constants') as { SUPPORTED_CLIENTS: readonly string[] };

const KINDS: ValueKind[] = ['boolean', 'integer', 'float', 'numeric', 'date', 'timestamp', 'timestamptz', 'binary', 'json', 'text'];

/** What each engine must say of itself, and a DSN of each of its schemes. */
interface Expected {
  engine: string;
  schemes: string[];
  knexClient: string;
  driver: string;
  dsns: string[];
}

const EXPECTED: Record<string, Expected> = {
  postgres: {
    engine: 'PostgreSQL',
    schemes: ['postgres', 'postgresql'],
    knexClient: 'pg',
    driver: 'pg',
    dsns: ['postgres://etl:x@db/w', 'postgresql://etl:x@db:6543/w'],
  },
  mysql: {
    engine: 'MySQL',
    schemes: ['mysql', 'mariadb'],
    knexClient: 'mysql2',
    driver: 'mysql2',
    dsns: ['mysql://etl:x@db/w', 'mariadb://etl:x@db:3307/w'],
  },
  mssql: {
    engine: 'SQL Server',
    schemes: ['mssql', 'sqlserver'],
    knexClient: 'mssql',
    driver: 'tedious',
    dsns: ['mssql://sa:x@sql/db', 'sqlserver://sa:x@sql:1433/db'],
  },
  sqlite: {
    engine: 'SQLite',
    schemes: ['sqlite'],
    knexClient: 'better-sqlite3',
    driver: 'better-sqlite3',
    dsns: ['sqlite:jobs.db', 'sqlite::memory:'],
  },
};

describe('SQL dialects', () => {
  it('should have a description below for every registered engine, and no name twice', () => {
    const names = DIALECTS.map((dialect) => dialect.name);
    expect(new Set(names).size, names.join(', ')).to.equal(names.length);
    for (const name of names) expect(EXPECTED, `add what ${name} must say of itself to EXPECTED`).to.have.property(name);
  });

  it('should give every scheme to one engine only, in lower case', () => {
    const schemes = DIALECTS.flatMap((dialect) => dialect.schemes);
    expect(new Set(schemes).size, schemes.join(', ')).to.equal(schemes.length);
    for (const scheme of schemes) expect(scheme).to.match(/^[a-z][a-z0-9+.-]*$/);
  });

  for (const dialect of DIALECTS as Dialect[]) {
    describe(dialect.name, () => {
      const expected = EXPECTED[dialect.name] ?? ({} as Partial<Expected>);

      it('should say its engine, schemes, knex client, driver package and install command', () => {
        expect(dialect.engine).to.equal(expected.engine);
        expect(dialect.schemes).to.deep.equal(expected.schemes);
        expect(dialect.knexClient).to.equal(expected.knexClient);
        expect(SUPPORTED_CLIENTS, 'a client knex knows').to.include(dialect.knexClient);
        expect(dialect.driver.name).to.equal(expected.driver);
        expect(dialect.driver.install).to.equal(`npm install ${dialect.driver.name}`);
        expect(() => require.resolve(dialect.driver.name), 'the driver is installed here, as package.json has it').not.to.throw();
        expect(dialectNamed(dialect.name)).to.equal(dialect);
      });

      it('should be found by each of its schemes, in any case, and read a DSN of each as its own', () => {
        for (const scheme of dialect.schemes) {
          expect(dialectForScheme(scheme)).to.equal(dialect);
          expect(dialectForScheme(scheme.toUpperCase())).to.equal(dialect);
        }
        for (const dsn of expected.dsns ?? []) expect(sessionSettings({ DB_DSN: dsn }).dialect, dsn).to.equal(dialect.name);
        expect(dialect.dsnExamples).to.not.be.empty;
        for (const example of dialect.dsnExamples) {
          expect(dialect.schemes.some((scheme) => example.startsWith(`${scheme}:`)), example).to.equal(true);
        }
      });

      it('should quote a literal and a name for {kw!q} and {kw!i}, under its engine name', () => {
        expect(dialect.quoting.engine).to.equal(dialect.engine);
        expect(sqlQuoting(dialect.name)).to.equal(dialect.quoting);
        expect(dialect.quoting.literal("O'Brien")).to.contain("O''Brien");
        const name = dialect.quoting.identifier(['my schema', 'sales']);
        expect(name).to.contain('my schema').and.to.contain('sales').and.not.to.equal('my schema.sales');
      });

      it('should name a column type for every kind of value, and say what it can do', () => {
        for (const kind of KINDS) expect(dialect.columnType(kind), kind).to.be.a('string').and.not.to.equal('');
        expect(Number.isInteger(dialect.maxBindings) && dialect.maxBindings > 0, 'maxBindings').to.equal(true);
        const { insertBatchRows, serverSideStream, renameTableSchema, ddlCommits } = dialect.capabilities;
        expect(Number.isInteger(insertBatchRows) && insertBatchRows > 0, 'insertBatchRows').to.equal(true);
        expect(serverSideStream).to.be.a('boolean');
        expect(['builder', 'from', 'both'], 'renameTableSchema').to.include(renameTableSchema);
        expect(ddlCommits).to.be.a('boolean');
        expect(dialect.secondSession.isTempTable).to.be.a('function');
      });
    });
  }

  it('should refuse an unknown scheme, listing the DSN forms of every registered engine', () => {
    let error: ConfigurationError | undefined;
    try {
      sessionSettings({ DB_DSN: 'oracle://scott:tiger-Secret@db/orcl' });
    } catch (e) {
      error = e as ConfigurationError;
    }
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error!.message).to.match(
      /^BIGRAYS_DB_DSN is not a valid database URL \(oracle:\/\/scott:\*\*\*@db\/orcl\): unknown scheme `oracle:`; use postgres:\/\/…, mysql:\/\/…, mssql:\/\/…, sqlite:<path>/,
    );
    for (const example of DIALECTS.flatMap((dialect) => dialect.dsnExamples)) expect(error!.message).to.contain(example);
    expect(error!.message).not.to.contain('tiger-Secret');
    expect(error!.missing).to.deep.equal(['BIGRAYS_DB_DSN']);
  });

  it('should let no scheme near a registered one fall through to it', () => {
    for (const dsn of ['sqlite3:jobs.db', 'postgresx://u:x@db/w', 'pg://u:x@db/w', 'mssqlx://sa:x@sql/db', 'mysqlx://u:x@db/w', 'maria://u:x@db/w']) {
      expect(() => sessionSettings({ DB_DSN: dsn }), dsn).to.throw(ConfigurationError, /unknown scheme/);
    }
  });

  it('should quote SQL text of an engine it does not know with standard quotes', () => {
    expect(sqlQuoting().engine).to.equal('SQL');
    expect(sqlQuoting('no-such-engine').literal("it's")).to.equal("'it''s'");
    expect(sqlQuoting().identifier(['a"b'])).to.equal('"a""b"');
  });
});
