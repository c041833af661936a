/** A nightly job that merges the shop's orders into the warehouse, run by `bigrays run` night after night. */
import { expect } from 'chai';
import * as path from 'node:path';
import { spawnCli } from '../../support/cli';
import { admin } from '../../support/pg-admin';
import { freshPostgresDsn, PG_PASSWORD } from '../../support/sql-hooks';

describe('a merge job run by bigrays run', function () {
  this.timeout(240_000);

  it('should insert new orders and update changed ones on each run, never duplicating a row', async () => {
    const shop = await freshPostgresDsn();
    const warehouse = await freshPostgresDsn();
    await admin(shop, "create table orders (id int primary key, status text, total numeric(10,2))");
    await admin(shop, "insert into orders values (1, 'new', 10.00), (2, 'new', 20.00)");
    const run = async () => {
      const result = await spawnCli(['run', path.join('spec/fixtures/jobs/merge-orders.ts')], { env: { BIGRAYS_DB_DSN: warehouse, SHOP_DSN: shop } });
      expect(result.status, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout + result.stderr).not.to.contain(PG_PASSWORD);
    };
    const orders = async () => (await admin<{ id: number; status: string; total: string }>(warehouse, 'select id, status, total::text from orders order by id')).map((o) => Object.values(o));

    await run();
    expect(await orders()).to.deep.equal([[1, 'new', '10.00'], [2, 'new', '20.00']]);
    const [key] = await admin<{ def: string }>(warehouse, "select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'orders'::regclass and contype = 'p'");
    expect(key.def).to.equal('PRIMARY KEY (id)');

    await admin(shop, "update orders set status = 'shipped' where id = 2; insert into orders values (3, 'new', 30.00)");
    await run();
    expect(await orders()).to.deep.equal([[1, 'new', '10.00'], [2, 'shipped', '20.00'], [3, 'new', '30.00']]);

    await run();
    expect(await orders()).to.deep.equal([[1, 'new', '10.00'], [2, 'shipped', '20.00'], [3, 'new', '30.00']]);
  });
});
