/** SQLWrite: write rows (or a DataFrame) to a table in one transaction, creating it when missing. */
import { bigraysRun, outputOf, register, SQLQuery, SQLWrite } from 'bigrays';

@register
class SaveReadings extends SQLWrite {
  tablename = 'readings';
  ifExists = 'replace' as const; // 'fail' (the default) refuses an existing table
  input = [
    { sensor: 'a1', at: '2026-01-05T06:00:00', celsius: 3.5 },
    { sensor: 'a1', at: '2026-01-05T07:00:00', celsius: 4.25 },
    { sensor: 'b7', at: '2026-01-05T06:00:00', celsius: null },
  ];
}

@register
class Warmest extends SQLQuery {
  query = 'select sensor, max(celsius) as warmest from readings group by sensor order by sensor';
}

void bigraysRun().then(() => console.log(`wrote ${outputOf(SaveReadings)} rows`, outputOf(Warmest).values));
