/** A run's identity: its id, and its job's name, which keys the job's state and its lock. */
import { expect } from 'chai';
import { ConfigurationError } from '../lib';
import { jobName, newIdentity } from '../lib/run-identity';
import type { RunDriver } from '../lib/run-driver';
import { Runtime } from '../lib/runtime';

/** A runtime whose driver calls the job `name`, as `bigrays run` does with the job file's base name. */
function driven(name: string): Runtime {
  const runtime = new Runtime();
  runtime.driver = { jobName: name } as unknown as RunDriver;
  return runtime;
}

describe('a run\'s identity', () => {
  it('should name the job after its file, unless JOB_NAME names it', () => {
    expect(jobName(driven('orders'))).to.equal('orders');
    const runtime = driven('orders');
    runtime.config.set('JOB_NAME', 'orders-eu.v2');
    expect(jobName(runtime)).to.equal('orders-eu.v2');
  });

  it('should name a job run by node itself after its script', () => {
    const argv = process.argv[1];
    process.argv[1] = '/srv/jobs/nightly orders.mjs';
    try {
      expect(jobName(new Runtime())).to.equal('nightly_orders');
    } finally {
      process.argv[1] = argv;
    }
  });

  it('should refuse a JOB_NAME that cannot name a state object or a lock, naming the env var', () => {
    for (const bad of ['orders/eu', 'a b', '', 'x'.repeat(191), 'orders.lock']) {
      const runtime = new Runtime();
      runtime.config.set('JOB_NAME', bad);
      if (bad === '') {
        expect(jobName(driven('fallback'))).to.equal('fallback');
        continue;
      }
      expect(() => jobName(runtime), bad).to.throw(ConfigurationError, /BIGRAYS_JOB_NAME must be letters, digits/);
    }
  });

  it('should never take a job file\'s name that would share the name of another job\'s lock', () => {
    expect(jobName(driven('orders.lock'))).to.equal('orders_lock');
  });

  it('should give each run an id of its own', () => {
    const runtime = driven('orders');
    const [a, b] = [newIdentity(runtime), newIdentity(runtime)];
    expect(a.job).to.equal('orders');
    expect(a.runId).to.match(/^[0-9a-f-]{36}$/);
    expect(a.runId).to.not.equal(b.runId);
  });
});
