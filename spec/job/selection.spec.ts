/** What `--only` / `--from` leave out of a run, and what the pre-flight check says about it. */
import { expect } from 'chai';
import { BigraysError, bigraysRun, register, Task, TaskError } from '../../lib';
import { JobHost } from '../../lib/job/host';
import type { RunOptions } from '../../lib/job/run-options';
import { planRun } from '../../lib/plan';
import { defaultRuntime } from '../../lib/runtime';

/** A job host with `options`, as `bigrays run` starts one, installed for the test. */
function useHost(options: Partial<RunOptions>): JobHost {
  const host = new JobHost({ job: '/jobs/job.ts', set: {}, only: [], dryRun: false, local: false, ...options }, async () => undefined);
  defaultRuntime.job = host;
  return host;
}

describe('tasks left out of a run', () => {
  afterEach(() => {
    defaultRuntime.job = undefined;
  });

  function registerPipeline(ran: string[]): void {
    @register class PullTrainingData extends Task<number[]> { run() { ran.push('PullTrainingData'); return [1]; } }
    @register class MakePredictions extends Task<number[]> { input = PullTrainingData.output; run() { ran.push('MakePredictions'); return [2]; } }
    @register class UploadPredictions extends Task { input = MakePredictions.output; run() { ran.push('UploadPredictions'); } }
    void UploadPredictions;
  }

  it('should say to add a registered task to --only, not to register it', async () => {
    const ran: string[] = [];
    registerPipeline(ran);
    const host = useHost({ only: ['UploadPredictions'] });
    const error = await host.run([]).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(TaskError);
    const message = (error as TaskError).message;
    expect(message).to.contain(
      'UploadPredictions.input uses MakePredictions.output, but MakePredictions is not part of this run ' +
        '(it is registered, but --only leaves it out): add it to --only, as in --only MakePredictions,UploadPredictions',
    );
    expect(message).not.to.match(/register MakePredictions before/);
    expect(ran).to.deep.equal([]);
  });

  it('should say the same in a dry run', () => {
    registerPipeline([]);
    const host = useHost({ only: ['MakePredictions', 'UploadPredictions'], dryRun: true });
    const only = defaultRuntime.registry.filter((t) => host.options.only.includes(t.name));
    expect(() => planRun(only)).to.throw(
      TaskError,
      /MakePredictions\.input uses PullTrainingData\.output, but PullTrainingData is not part of this run \(it is registered, but --only leaves it out\): add it to --only, as in --only PullTrainingData,MakePredictions,UploadPredictions/,
    );
  });

  it('should say to start from the task --from passes over', async () => {
    registerPipeline([]);
    const host = useHost({ from: 'UploadPredictions' });
    const error = (await host.run([]).then(() => undefined, (e: unknown) => e)) as BigraysError;
    expect(error.message).to.contain(
      'MakePredictions is not part of this run (it is registered, but --from UploadPredictions starts after it): ' +
        'start from it with --from MakePredictions',
    );
  });

  it('should say to pass a registered task to bigraysRun(...) when the job left it out', async () => {
    registerPipeline([]);
    const [, MakePredictions, UploadPredictions] = defaultRuntime.registry;
    await expect(bigraysRun(UploadPredictions)).to.be.rejectedWith(
      TaskError,
      /MakePredictions is not part of this run \(it is registered, but not among the tasks given to bigraysRun\(\.\.\.\)\): pass MakePredictions before UploadPredictions/,
    );
    expect(MakePredictions.name).to.equal('MakePredictions');
  });
});
