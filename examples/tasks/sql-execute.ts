/** SQLExecute: statements in one transaction; a failure half-way rolls all of them back. */
import { bigraysRun, outputOf, register, SQLExecute, SQLQuery } from 'bigrays';

@register
class CreateLedger extends SQLExecute {
  statement = 'drop table if exists ledger; create table ledger (account text, amount integer)';
}

@register
class Deposit extends SQLExecute {
  statement = 'insert into ledger (account, amount) values (:account, :amount)';
  params = { account: 'savings', amount: 100 };
}

@register
class Balance extends SQLQuery {
  query = 'select account, sum(amount) as balance from ledger group by account';
}

void bigraysRun().then(() => console.log(`rows inserted: ${outputOf(Deposit)}`, outputOf(Balance).values));
