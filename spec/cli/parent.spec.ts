/** The command's side of a job run, without spawning a job. */
import { expect } from 'chai';
import * as path from 'node:path';
import { jobEntry, jobNodeArgs, ReportedError, signalExitCode } from '../../lib/cli/parent';

describe('the command as the job\'s parent', () => {
  it('should start its own job entry with no node flags: the job\'s process loads tsx itself when the job needs it', () => {
    const own = path.resolve('lib/job/child.js');
    for (const name of ['greet.ts', 'top-level-await.mts', 'missing-attribute.js']) {
      expect(jobNodeArgs(path.resolve('spec/fixtures/jobs', name), own), name).to.deep.equal([own]);
    }
  });

  it('should start another bigrays copy\'s entry with tsx loaded for a TypeScript job, as that copy may expect', () => {
    const theirs = path.resolve('node_modules/other/dist/job/child.js');
    const ts = jobNodeArgs(path.resolve('spec/fixtures/jobs/greet.ts'), theirs);
    expect(ts[0]).to.equal('--import');
    expect(ts[1]).to.match(/node_modules[\\/]tsx[\\/]/);
    expect(ts[2]).to.equal(theirs);
    expect(jobNodeArgs(path.resolve('spec/fixtures/jobs/missing-attribute.js'), theirs)).to.deep.equal([theirs]);
  });

  it('should run a job through the bigrays copy it imports', () => {
    expect(jobEntry(path.resolve('spec/fixtures/jobs/greet.ts'))).to.match(/[\\/]job[\\/]child\.js$/);
  });

  it('should exit 130 for SIGINT and 143 for SIGTERM', () => {
    expect(signalExitCode('SIGINT')).to.equal(130);
    expect(signalExitCode('SIGTERM')).to.equal(143);
  });

  it('should rebuild a reported error with its name and exit code', () => {
    const error = new ReportedError({ name: 'ConfigurationError', message: 'Missing configuration', exitCode: 2, bigrays: true });
    expect(error).to.include({ name: 'ConfigurationError', message: 'Missing configuration', exitCode: 2, bigrays: true });
  });
});
