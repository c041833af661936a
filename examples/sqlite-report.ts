/**
 * SQL tasks on SQLite, offline: load rows with SQLWrite, shape them with SQLExecute into a
 * temp table (it lives across consecutive SQL tasks: one session, one connection), read
 * them back with SQLQuery using a {keyword} and a bound param, and summarise in a Task.
 * Keywords in SQL are quoted by bigrays: `{first_day!q}` is a string literal, never `'{first_day}'`.
 *
 * Run it with `npx tsx examples/sqlite-report.ts`. Set BIGRAYS_DB_DSN to use another database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BigraysConfig, bigraysRun, outputOf, register, SQLExecute, SQLQuery, SQLWrite, Task, updateFormatKws,
} from 'bigrays';

// Without BIGRAYS_DB_DSN, a SQLite file in a temp folder, removed when the job ends.
const scratch = BigraysConfig.DB_DSN ? undefined : mkdtempSync(join(tmpdir(), 'bigrays-example-'));
if (scratch) BigraysConfig.DB_DSN = `sqlite:${join(scratch, 'sales.sqlite')}`;

@register
class LoadSales extends SQLWrite {
  tablename = 'sales_{year}';
  ifExists = 'replace' as const;
  input = [
    { region: 'north', day: '2026-01-03', amount: 120.5, note: 'first, with a comma' },
    { region: 'north', day: '2026-01-09', amount: 80, note: '' },
    { region: 'south', day: '2026-01-04', amount: 210, note: null },
    { region: 'south', day: '2026-02-01', amount: 35.25, note: 'say "hi"' },
  ];
}

@register
class StageJanuary extends SQLExecute {
  statement = `create temp table january as
    select region, amount from sales_{year} where day between {first_day!q} and {last_day!q}`;
}

@register
class Totals extends SQLQuery {
  query = 'select region, sum(amount) as total, count(*) as sales from january where amount >= :minimum group by region order by region';
  params = { minimum: 50 };
}

@register
class Summarize extends Task<string> {
  run(): string {
    const totals = outputOf(Totals);
    const lines = (totals.values as unknown[][]).map(([region, total, sales]) => `${region}: ${total} over ${sales} sales`);
    return lines.join('; ');
  }
}

updateFormatKws({ year: 2026, first_day: '2026-01-01', last_day: '2026-01-31' });

bigraysRun().then(
  (report) => {
    console.log(`January ${outputOf(Summarize)}`);
    for (const task of report.tasks) {
      console.log(`${task.name.padEnd(12)} ${task.status.padEnd(8)} ${String(task.durationMs).padStart(5)} ms${task.rows === undefined ? '' : `  ${task.rows} rows`}`);
    }
  },
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
).finally(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
