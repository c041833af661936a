/** PostgreSQL's result columns as the database declares them, read from a real server's row description. */
import { expect } from 'chai';
import { pgColumns, type PgFieldType } from '../../../../lib/resources/sql/postgres/column-types';
import { freshPostgresDsn } from '../../../support/sql-hooks';

/** The fields PostgreSQL describes for `sql`. */
async function fieldsOf(dsn: string, sql: string): Promise<PgFieldType[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as {
    Client: new (o: { connectionString: string }) => {
      connect(): Promise<void>; end(): Promise<void>; query(q: string): Promise<{ fields: PgFieldType[] }>;
    };
  };
  const client = new Client({ connectionString: dsn });
  await client.connect();
  try {
    return (await client.query(sql)).fields;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL column types', function () {
  this.timeout(60_000);
  let dsn: string;
  before(async () => {
    dsn = await freshPostgresDsn();
  });

  it('should give each column its kind from the type, and a numeric its declared digits', async () => {
    const columns = pgColumns(await fieldsOf(dsn, `select 1::int2 as a, 1::int4 as b, 1::int8 as c, 1::float4 as d, 1::float8 as e,
      1.5::numeric(12,2) as f, 1.5::numeric as g, true as h, 'x'::text as i, 'x'::varchar(3) as j, '{}'::jsonb as k, '{}'::json as l,
      gen_random_uuid() as m, '\\x00'::bytea as n, current_date as o, localtime as p, localtimestamp as q, now() as r,
      interval '1 day' as s, array[1,2]::int4[] as t, array['a']::text[] as u, '10.0.0.1'::inet as v`));
    expect(columns.map((c) => `${c.name}:${c.kind}`)).to.deep.equal([
      'a:int16', 'b:int32', 'c:int64', 'd:float32', 'e:float64', 'f:decimal', 'g:decimal', 'h:boolean', 'i:text', 'j:text',
      'k:json', 'l:json', 'm:uuid', 'n:bytes', 'o:date', 'p:time', 'q:timestamp', 'r:timestamptz', 's:interval', 't:array',
      'u:array', 'v:other',
    ]);
    expect(columns[5]).to.deep.include({ dbType: 'numeric(12,2)', precision: 12, scale: 2 });
    expect(columns[6]).to.deep.include({ dbType: 'numeric' });
    expect(columns[6].scale).to.equal(undefined);
    expect(columns[19]).to.deep.include({ dbType: '_int4', element: 'int32' });
  });

  it('should read a negative scale, and one larger than the precision, as the digits the values need', async () => {
    const [negative, small] = pgColumns(await fieldsOf(dsn, 'select 12300::numeric(5,-2) as a, 0.00012::numeric(2,5) as b'));
    // numeric(5,-2) holds whole numbers of up to 7 digits; numeric(2,5) five decimals.
    expect(negative).to.deep.include({ dbType: 'numeric(5,-2)', precision: 7, scale: 0 });
    expect(small).to.deep.include({ dbType: 'numeric(2,5)', precision: 5, scale: 5 });
  });
});
