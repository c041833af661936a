/** The command's side of a job run, without spawning a job. */
import { expect } from 'chai';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobEntry, loaderArgs, ReportedError, signalExitCode } from '../../lib/cli/parent';

describe('the command as the job\'s parent', () => {
  it('should load jobs through tsx from bigrays\' own dependencies', () => {
    const [flag, url] = loaderArgs();
    expect(flag).to.equal('--import');
    expect(fileURLToPath(url)).to.match(/node_modules[\\/]tsx[\\/]/);
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
