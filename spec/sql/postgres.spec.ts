/** PostgreSQL specifics: values survive exactly, and connection failures never show the password. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  bigraysRun, BigraysConfig, BigraysError, outputOf, register, ResourceError, SQLExecute, SQLQuery, SQLWrite,
} from '../../lib';
import { freshPostgresDsn, PG_PASSWORD, postgresPort } from '../support/sql-hooks';

describe('PostgreSQL sessions', function () {
  this.timeout(60_000);
  let dsn: string;

  before(async () => {
    dsn = await freshPostgresDsn();
  });

  beforeEach(() => {
    BigraysConfig.DB_DSN = dsn;
  });

  describe('data fidelity', () => {
    const columns: Array<[string, string, string]> = [
      // name, type, SQL literal
      ['big_max', 'bigint', '9223372036854775807'],
      ['big_min', 'bigint', '-9223372036854775808'],
      ['big_unsafe', 'bigint', '9007199254740993'],
      ['big_small', 'bigint', '42'],
      ['exact', 'numeric(38,12)', '12345678901234567890123456.123456789012'],
      ['exact_tiny', 'numeric(38,12)', '0.000000000001'],
      ['float', 'double precision', '0.1'],
      ['ts', 'timestamp', "'2026-01-02 03:04:05.123456'"],
      ['ts_whole', 'timestamp', "'2026-01-02 03:04:05'"],
      ['tstz', 'timestamptz', "'2026-01-02 03:04:05.123456+02'"],
      ['day', 'date', "'2026-01-02'"],
      ['flag', 'boolean', 'true'],
      ['doc', 'json', `'{"b": 2, "a": 12345678901234567890.5}'`],
      ['docb', 'jsonb', `'{"b": 2, "a": [1, "x"]}'`],
      ['txt', 'text', "'naïve café, \"quoted\"\nnew line ☃'"],
      ['empty', 'text', "''"],
      ['nothing', 'text', 'null'],
      ['uid', 'uuid', "'0b2c6c2e-3d5a-4f7e-9a51-7d4c3f1e2a10'"],
      ['span', 'interval', "'1 day 02:03:04.5'"],
      ['ints', 'integer[]', "'{1,2,3}'"],
    ];

    it('should give values that match PostgreSQL\'s own text rendering', async () => {
      @register class Setup extends SQLExecute {
        statement = `create table fidelity (${columns.map(([n, t]) => `${n} ${t}`).join(', ')});
          insert into fidelity values (${columns.map(([, , v]) => v.replace(/[{}]/g, '$&$&')).join(', ')})`; // {{ }}: literal braces
      }
      @register class Read extends SQLQuery {
        query = `select ${columns.map(([n]) => `${n}, ${n}::text as ${n}__text`).join(', ')} from fidelity`;
      }
      await bigraysRun();
      const frame = outputOf(Read);
      const row = (frame.values as unknown[][])[0];
      const cols = frame.columns as string[];
      const value = (name: string) => row[cols.indexOf(name)];
      for (const [name] of columns) {
        const pgText = value(`${name}__text`) as string | null;
        const ours = value(name);
        if (pgText === null) {
          expect(ours, name).to.equal(null);
          continue;
        }
        const expected = pgText
          .replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2')
          .replace(/\+00$/, 'Z');
        const rendered = String(ours);
        expect(rendered, name).to.equal(expected);
      }
    });

    it('should keep types a user can rely on: exact integers, exact decimals as text, ISO timestamps', async () => {
      @register class Read extends SQLQuery {
        query = `select 9223372036854775807::bigint as big, 42::bigint as small, 7::int as int4,
          12345678901234567890123456.123456789012::numeric(38,12) as exact,
          '2026-01-02 03:04:05.123456'::timestamp as ts, '2026-01-02 03:04:05.123456+02'::timestamptz as tstz,
          '2026-01-02'::date as day, true as flag, ''::text as empty, null::text as nothing`;
      }
      await bigraysRun();
      expect((outputOf(Read).values as unknown[][])[0]).to.deep.equal([
        9223372036854775807n, 42, 7, '12345678901234567890123456.123456789012',
        '2026-01-02T03:04:05.123456', '2026-01-02T01:04:05.123456Z', '2026-01-02', true, '', null,
      ]);
    });

    it('should write those values back with the same types and digits', async () => {
      @register class Read extends SQLQuery {
        query = `select 9223372036854775807::bigint as big, '2026-01-02 03:04:05.123456'::timestamp as ts,
          '2026-01-02 03:04:05.123456+02'::timestamptz as tstz, '2026-01-02'::date as day, ''::text as empty, null::text as nothing`;
      }
      @register class Save extends SQLWrite { tablename = 'roundtrip'; input = Read.output; }
      @register class Types extends SQLQuery {
        query = `select column_name, data_type from information_schema.columns where table_name = 'roundtrip' order by ordinal_position`;
      }
      @register class Again extends SQLQuery { query = 'select * from roundtrip'; }
      await bigraysRun();
      expect(outputOf(Types).values).to.deep.equal([
        ['big', 'bigint'], ['ts', 'timestamp without time zone'], ['tstz', 'timestamp with time zone'],
        ['day', 'date'], ['empty', 'text'], ['nothing', 'text'],
      ]);
      expect(outputOf(Again).values).to.deep.equal(outputOf(Read).values);
      expect(Save).to.be.a('function');
    });
  });

  it('should let a finished job\'s process exit on its own (the session\'s pool is destroyed)', () => {
    const job = `
      const { bigraysRun, register, SQLQuery, outputOf } = require(${JSON.stringify(path.resolve(__dirname, '../../lib'))});
      class Now extends SQLQuery { query = 'select 1 as one'; }
      register(Now);
      bigraysRun().then(() => console.log('rows', outputOf(Now).shape[0]));
    `;
    const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', job], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, BIGRAYS_DB_DSN: dsn },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.signal, 'the process had to be killed: something kept it alive').to.equal(null);
    expect(result.stdout.trim()).to.equal('rows 1');
    expect(result.status).to.equal(0);
  });

  describe('connection failures', () => {
    async function openError(target: string): Promise<ResourceError> {
      BigraysConfig.DB_DSN = target;
      @register class Read extends SQLQuery { query = 'select 1'; }
      const error = await bigraysRun().then(() => undefined, (e: unknown) => e) as BigraysError;
      expect(error).to.be.instanceOf(BigraysError);
      const cause = error.errors[0] as ResourceError;
      expect(cause).to.be.instanceOf(ResourceError);
      const everything = [error.message, error.stack, cause.message, cause.stack, (cause.cause as Error)?.message, JSON.stringify(error.report)].join('\n');
      expect(everything).not.to.contain(PG_PASSWORD);
      expect(everything).not.to.contain('Wrong-Pass-99');
      expect(Read).to.be.a('function');
      return cause;
    }

    it('should report a wrong password without showing it', async () => {
      const error = await openError(`postgres://postgres:Wrong-Pass-99@127.0.0.1:${postgresPort()}/postgres`);
      expect(error.message).to.match(/^Read: could not open SQLSession: could not connect to 127\.0\.0\.1:\d+\/postgres \(postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres\): password authentication failed for user "postgres"/);
    });

    it('should report a missing database', async () => {
      const error = await openError(`postgres://postgres:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${postgresPort()}/no_such_db`);
      expect(error.message).to.match(/database "no_such_db" does not exist/);
    });

    it('should let DB_USER and DB_PWD override the DSN\'s credentials, and keep DB_PWD out of messages', async () => {
      BigraysConfig.DB_PWD = 'Wrong-Pass-99';
      const error = await openError(dsn);
      expect(error.message).to.match(/password authentication failed/);
      delete BigraysConfig.DB_PWD;
      BigraysConfig.DB_USER = 'postgres';
      BigraysConfig.DB_PWD = PG_PASSWORD;
      BigraysConfig.DB_DSN = dsn.replace(/\/\/[^@]+@/, '//nobody:nothing@');
      @register class Works extends SQLQuery { query = 'select current_user as who'; }
      await bigraysRun(Works);
      expect(outputOf(Works).values).to.deep.equal([['postgres']]);
    });
  });
});
