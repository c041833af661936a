/** The run options the command hands the job's process, and the task selection they make. */
import { expect } from 'chai';
import { BigraysError, Task } from '../../lib';
import { decodeRunOptions, encodeRunOptions, TaskSelection, unknownTaskNames, type RunOptions } from '../../lib/job/run-options';

class Extract extends Task { run() {} }
class Load extends Task { run() {} }
class Notify extends Task { run() {} }

describe('run options', () => {
  it('should come back from the env var as they were sent', () => {
    const options: RunOptions = { job: '/jobs/a.ts', set: { day: '2026-01-01' }, only: ['A'], from: undefined, dryRun: true, local: false };
    const text = encodeRunOptions(options);
    expect(JSON.parse(text)).to.deep.equal({ job: '/jobs/a.ts', set: { day: '2026-01-01' }, only: ['A'], dryRun: true, local: false });
    expect(decodeRunOptions(text)).to.deep.equal({ job: '/jobs/a.ts', set: { day: '2026-01-01' }, only: ['A'], dryRun: true, local: false });
    expect(decodeRunOptions(encodeRunOptions({ ...options, only: [], from: 'B' })).from).to.equal('B');
    expect(decodeRunOptions(encodeRunOptions({ ...options, runLock: {} })).runLock).to.deep.equal({});
    expect(decodeRunOptions(encodeRunOptions({ ...options, runLock: { waitMs: 5000 } })).runLock).to.deep.equal({ waitMs: 5000 });
  });

  it('should refuse a value that is not the command\'s', () => {
    for (const [text, message] of [
      ['nope', /not JSON/], ['[]', /JSON object/], ['{}', /`job`/], ['{"job":"a","set":{"a":1}}', /`set`/],
      ['{"job":"a","only":"A"}', /`only`/], ['{"job":"a","from":3}', /`from`/],
      ['{"job":"a","runLock":true}', /`runLock`/], ['{"job":"a","runLock":{"waitMs":"soon"}}', /`runLock`/],
    ] as const) {
      expect(() => decodeRunOptions(text), text).to.throw(BigraysError, message);
    }
  });

  it('should select --only tasks from every run, and --from on across runs', () => {
    const only = new TaskSelection({ only: ['Notify'] });
    expect(only.narrowed).to.equal(true);
    expect(only.select([Extract, Load])).to.deep.equal([]);
    expect(only.select([Notify])).to.deep.equal([Notify]);
    const from = new TaskSelection({ only: [], from: 'Load' });
    expect(from.select([Extract, Load])).to.deep.equal([Load]);
    expect(from.select([Notify])).to.deep.equal([Notify]);
    const all = new TaskSelection({ only: [] });
    expect(all.narrowed).to.equal(false);
    expect(all.select([Extract, Load])).to.deep.equal([Extract, Load]);
  });

  it('should name the --only / --from tasks no run had', () => {
    expect(unknownTaskNames({ only: ['A', 'B'] }, ['B'])).to.deep.equal(['A']);
    expect(unknownTaskNames({ only: [], from: 'C' }, ['A'])).to.deep.equal(['C']);
    expect(unknownTaskNames({ only: [] }, [])).to.deep.equal([]);
  });
});
