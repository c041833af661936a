/**
 * The registered SQL engines, one line each: a DSN's scheme picks one, and nothing falls
 * through to another. Adding an engine is its folder (`./<engine>/`, a `Dialect`), a line in
 * `DIALECTS`, its driver as an optional peer in package.json, README and specs.
 */
import type { SqlQuoting } from '../../format';
import type { Dialect, DialectName } from './dialect';
import { quoteLiteral, quoteIdentifier } from './identifiers';
import { mssqlDialect } from './mssql/dialect';
import { mysqlDialect } from './mysql/dialect';
import { postgresDialect } from './postgres/dialect';
import { sqliteDialect } from './sqlite/dialect';

/** Every engine bigrays connects to, in the order messages list them. */
export const DIALECTS: readonly Dialect[] = [postgresDialect, mysqlDialect, mssqlDialect, sqliteDialect];

/** The dialect a DSN scheme (without `:`, any case) selects; undefined when none does. */
export function dialectForScheme(scheme: string): Dialect | undefined {
  const wanted = scheme.toLowerCase();
  return DIALECTS.find((dialect) => dialect.schemes.includes(wanted));
}

/** The dialect of a name (`SessionSettings.dialect`); undefined when none has it. */
export function dialectNamed(name: DialectName): Dialect | undefined {
  return DIALECTS.find((dialect) => dialect.name === name);
}

/** The DSN forms of every engine, as a message lists them: `postgres://…, mysql://…, mssql://…, sqlite:<path> or sqlite::memory:`. */
export function dsnForms(): string {
  const forms = DIALECTS.flatMap((dialect) => dialect.dsnExamples);
  return forms.length > 1 ? `${forms.slice(0, -1).join(', ')} or ${forms[forms.length - 1]}` : forms.join('');
}

/** SQL text on a session whose engine is not known (a resource of the job's own): standard quotes. */
const STANDARD_QUOTING: SqlQuoting = {
  engine: 'SQL',
  literal: quoteLiteral,
  identifier: (parts) => parts.map(quoteIdentifier).join('.'),
};

/** How SQL text is quoted and checked for an engine (`{kw!q}`, `{kw!i}`, plain `{kw}`); undefined or unknown: standard SQL. */
export function sqlQuoting(dialect?: DialectName): SqlQuoting {
  return (dialect === undefined ? undefined : dialectNamed(dialect)?.quoting) ?? STANDARD_QUOTING;
}
