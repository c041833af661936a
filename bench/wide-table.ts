/**
 * The wide bench table: 25 columns of the types a warehouse export meets — every integer and
 * float width (float8 with NaN and ±Infinity), exact decimals, text of about 2 KB, jsonb and
 * json, uuid, arrays, bytea, dates, times, intervals, timestamps with ±infinity and years BC,
 * and a type no format knows (inet) — made by PostgreSQL. About 2 KB of CSV per row.
 */

/** The SQL that makes the wide table `name` of `rows` rows. */
export function wideTableSql(rows: number, name = 'bench'): string {
  return `create table ${name} as select
      g::bigint as id,
      (g % 32000)::int2 as small,
      (g * 7 % 2000000000)::int4 as medium,
      (g::bigint * 1000003) as big,
      (g % 1000 / 7.0)::float4 as ratio4,
      case g % 1000 when 1 then 'NaN'::float8 when 2 then 'Infinity'::float8 when 3 then '-Infinity'::float8
        else g / 3.0 end::float8 as ratio8,
      (g * 1.000001)::numeric(20,6) as amount,
      case when g % 5 = 0 then null else (g::numeric * 123456789.123456789) end as exact,
      g % 2 = 0 as flag,
      case when g % 10 = 0 then null when g % 10 = 1 then '' else repeat(md5(g::text), 60) || ', "q" ' || g end as body,
      ('name ' || g)::varchar(40) as label,
      (g % 100)::text::char(4) as code,
      date '2020-01-01' + (g % 3000) as day,
      time '00:00:00' + g * interval '1.5 second' as clock,
      case g % 500 when 1 then 'infinity'::timestamp when 2 then '-infinity'::timestamp
        else timestamp '2026-01-01 00:00:00' + g * interval '1.000001 second' end as seen,
      case g % 500 when 3 then 'infinity'::timestamptz when 4 then '-infinity'::timestamptz
        when 5 then timestamptz '0044-03-15 12:00:00+00 BC'
        else timestamptz '2026-01-01 00:00:00+00' + g * interval '1.000001 second' end as at,
      (g % 100) * interval '1 day 2 hours' as wait,
      md5(g::text)::uuid as uid,
      jsonb_build_object('id', g, 'tags', jsonb_build_array('a', g % 7), 'price', g * 1.5, 'note', 'q"' || g) as doc,
      json_build_object('n', g) as raw,
      array[g % 10, g % 100, g::int % 1000]::int4[] as ints,
      array['x' || g % 10, null, 'y,"z"']::text[] as words,
      decode(md5(g::text), 'hex') as bytes,
      ('10.0.' || g % 256 || '.' || g % 200)::inet as host,
      case when g % 3 = 0 then null else g % 3 = 1 end as maybe
    from generate_series(1, ${rows}) g`;
}
