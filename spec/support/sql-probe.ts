/** Reading back what a job wrote, and the error of a run that must fail. */
import { expect } from 'chai';
import { BigraysError, bigraysRun, outputOf, SQLQuery, type DataFrame } from '../../lib';

/** The rows of `sql` on the configured database, read with an SQLQuery of its own. */
export async function select(sql: string): Promise<DataFrame> {
  class Probe extends SQLQuery { query = sql; }
  await bigraysRun(Probe);
  return outputOf(Probe);
}

/** The BigraysError a run rejects with; fails the test when it does not. */
export async function failureOf(run: Promise<unknown>): Promise<BigraysError> {
  const error = await run.then(() => undefined, (e: unknown) => e);
  expect(error, 'the run should fail').to.be.instanceOf(BigraysError);
  return error as BigraysError;
}
