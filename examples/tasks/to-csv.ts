/**
 * ToCSV: write rows (or a DataFrame) to a CSV file. It writes a temp file and renames it, so a
 * failure never leaves a truncated file, and refuses to replace a file unless overwriteIfExists.
 *
 *   bigrays run examples/tasks/to-csv.ts --local
 */
import { bigraysRun, outputOf, register, SQLQuery, ToCSV } from 'bigrays';

@register
class Totals extends SQLQuery {
  query = `select 'north' as region, 200.5 as total, null as note union all select 'south', 210, ''`;
}

@register
class SaveTotals extends ToCSV {
  input = Totals.output;
  filename = '.bigrays/totals-{day}.csv';
  formatKws = { day: '2026-03-01' };
  overwriteIfExists = true;
}

void bigraysRun().then(() => console.log(`wrote ${outputOf(SaveTotals).path}`));
