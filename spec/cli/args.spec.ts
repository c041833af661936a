/** The command line parser, without spawning the command. */
import { expect } from 'chai';
import { parseArgs, UsageError, type RunCommand } from '../../lib/cli/args';

describe('bigrays command line', () => {
  it('should read a run with every option', () => {
    expect(parseArgs(['run', 'job.ts', '--set', 'a=1', '--set=b=x=y', '--from', 'Load', '--dry-run', '--local', '--json'])).to.deep.equal({
      command: 'run', job: 'job.ts', set: { a: '1', b: 'x=y' }, only: [], from: 'Load', dryRun: true, local: true, json: true,
    });
  });

  it('should read --quiet, -q and --record FILE', () => {
    expect(parseArgs(['run', 'job.ts', '-q', '--record', 'runs.jsonl'])).to.include({ quiet: true, record: 'runs.jsonl' });
    expect(parseArgs(['run', 'job.ts', '--quiet', '--record=logs/runs.jsonl'])).to.include({ quiet: true, record: 'logs/runs.jsonl' });
    expect(() => parseArgs(['run', 'job.ts', '--record'])).to.throw(UsageError, /--record needs a value/);
  });

  it('should take task names after --only, repeated or comma-separated', () => {
    expect((parseArgs(['run', 'job.ts', '--only', 'A', 'B,C', '--only=D']) as RunCommand).only).to.deep.equal(['A', 'B', 'C', 'D']);
  });

  it('should know help, version and config', () => {
    expect(parseArgs([])).to.deep.equal({ command: 'help' });
    expect(parseArgs(['--version'])).to.deep.equal({ command: 'version' });
    expect(parseArgs(['config', '--json'])).to.deep.equal({ command: 'config', json: true });
  });

  it('should refuse what it does not understand, saying why', () => {
    const cases: Array<[string[], RegExp]> = [
      [['run'], /name the job script/],
      [['run', 'a.ts', '--bogus'], /unknown option --bogus/],
      [['launch'], /unknown command `launch`/],
      [['run', 'a.ts', '--set', 'novalue'], /--set takes key=value, got `novalue`/],
      [['run', 'a.ts', '--set'], /--set needs a value/],
      [['run', 'a.ts', 'b.ts'], /one job script at a time/],
      [['run', 'a.ts', '--only', 'A', '--from', 'B'], /--only or --from, not both/],
      [['config', 'x'], /takes no argument but --json/],
    ];
    for (const [args, message] of cases) expect(() => parseArgs(args), args.join(' ')).to.throw(UsageError, message);
  });
});
