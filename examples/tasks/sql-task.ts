/** SQLTask: custom SQL work on the open session, with query/execute/write helpers and knex. */
import { bigraysRun, outputOf, register, SQLTask } from 'bigrays';

@register
class Inventory extends SQLTask<number> {
  async run() {
    await this.write('stock', [{ sku: 'bolt', qty: 40 }, { sku: 'nut', qty: 75 }], { ifExists: 'replace' });
    await this.execute('update stock set qty = qty - :used where sku = :sku', { used: 5, sku: 'bolt' });
    const rows = await this.knex('stock').sum({ total: 'qty' });
    return Number(rows[0].total);
  }
}

void bigraysRun().then(() => console.log(`units in stock: ${outputOf(Inventory)}`));
