/** Local mode on the job's side: every task's config kept on the emulator and SQLite. */
import { expect } from 'chai';
import { S3Resource, SQLQuery, ToS3 } from '../../lib';
import { LocalOverlay } from '../../lib/job/local-overlay';

const env = {
  BIGRAYS_AWS_ENDPOINT_URL: 'http://127.0.0.1:4999',
  BIGRAYS_AWS_ACCESS_KEY_ID: 'k',
  BIGRAYS_AWS_SECRET_ACCESS_KEY: 's',
  BIGRAYS_AWS_REGION: 'us-east-1',
  BIGRAYS_DB_DSN: 'sqlite:.bigrays/job.sqlite',
};

describe('the local overlay', () => {
  it('should keep an AWS task on the emulator, whatever its resourceConfig says', () => {
    const overlay = new LocalOverlay('/jobs/job.ts', () => undefined, env);
    class Up extends ToS3 { bucket = 'b'; key = 'k'; input = 'x'; resourceConfig = { AWS_ENDPOINT_URL: 'https://s3.amazonaws.com', AWS_SESSION_TOKEN: 'tok' }; }
    const task = new Up();
    expect(task.requiredResource).to.be.instanceOf(S3Resource);
    overlay.apply(task);
    expect(task.resourceConfig).to.include({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4999', AWS_ACCESS_KEY_ID: 'k', AWS_SESSION_TOKEN: '' });
  });

  it('should give another database a SQLite file of its own, once, with a note', () => {
    const notes: string[] = [];
    const overlay = new LocalOverlay('/jobs/job.ts', (n) => notes.push(n), env);
    class Main extends SQLQuery { query = 'select 1'; }
    class Other extends SQLQuery { query = 'select 1'; resourceConfig = { DB_DSN: 'postgres://etl:Pw-Secret-9@db/w' }; }
    const main = new Main();
    overlay.apply(main);
    expect(main.resourceConfig ?? {}).not.to.have.property('DB_DSN');
    const first = new Other();
    const second = new Other();
    overlay.apply(first);
    overlay.apply(second);
    expect(first.resourceConfig).to.include({ DB_DSN: 'sqlite:.bigrays/job-2.sqlite', DB_PWD: '' });
    expect(second.resourceConfig).to.deep.equal(first.resourceConfig);
    expect(notes).to.deep.equal(["SQL: postgres://etl:***@db/w (a task's resourceConfig) → SQLite database .bigrays/job-2.sqlite"]);
  });
});
