/** SQLQuery: run a query, get a DataFrame. `{table!i}` fills in a quoted name; `params` are bound. */
import { bigraysRun, outputOf, register, SQLExecute, SQLQuery, updateFormatKws } from 'bigrays';

@register
class Seed extends SQLExecute {
  statement = `drop table if exists cities;
    create table cities (name text, country text, population integer);
    insert into cities values ('Lagos', 'NG', 15388000), ('Lyon', 'FR', 522250), ('Lima', 'PE', 10092000)`;
}

@register
class BigCities extends SQLQuery {
  query = 'select name, population from {table!i} where population > :minimum order by population desc';
  params = { minimum: 1_000_000 };
}

updateFormatKws({ table: 'cities' });
void bigraysRun().then(() => console.log(outputOf(BigCities).values));
