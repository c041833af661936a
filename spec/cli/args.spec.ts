/** The command line parser and its help, without spawning the command. */
import { expect } from 'chai';
import { commandOf, helpText, parseArgs, suggest, unknownTasksMessage, UsageError, type RunCommand } from '../../lib/cli/args';

describe('bigrays command line', () => {
  it('should read a run with every option', () => {
    expect(parseArgs(['run', 'job.ts', '--set', 'a=1', '--set=b=x=y', '--from', 'Load', '--dry-run', '--local', '--json', '--dotenv', 'a.env', '--dotenv=b.env'])).to.deep.equal({
      command: 'run', job: 'job.ts', set: { a: '1', b: 'x=y' }, only: [], from: 'Load', dryRun: true, local: true, json: true, envFiles: ['a.env', 'b.env'],
    });
  });

  it('should still read --env-file, the former name of --dotenv, in every command, and not list it in the help', () => {
    expect(parseArgs(['run', 'job.ts', '--env-file', 'a.env', '--dotenv', 'b.env', '--env-file=c.env'])).to.deep.include({ envFiles: ['a.env', 'b.env', 'c.env'] });
    expect(parseArgs(['config', '--env-file=x.env'])).to.deep.equal({ command: 'config', json: false, envFiles: ['x.env'] });
    expect(parseArgs(['state', 'show', 'orders', '--env-file', 'a.env'])).to.deep.include({ envFiles: ['a.env'] });
    for (const topic of ['run', 'config', 'state'] as const) expect(helpText(topic), topic).not.to.contain('--env-file FILE');
    expect(helpText('run')).to.match(/\n {2}--dotenv FILE +load variables from FILE .*formerly --env-file/);
  });

  it('should read --quiet, -q and --record FILE', () => {
    expect(parseArgs(['run', 'job.ts', '-q', '--record', 'runs.jsonl'])).to.include({ quiet: true, record: 'runs.jsonl' });
    expect(parseArgs(['run', 'job.ts', '--quiet', '--record=logs/runs.jsonl'])).to.include({ quiet: true, record: 'logs/runs.jsonl' });
    expect(() => parseArgs(['run', 'job.ts', '--record'])).to.throw(UsageError, /--record needs a value/);
  });

  it('should take task names after --only, repeated or comma-separated', () => {
    expect((parseArgs(['run', 'job.ts', '--only', 'A', 'B,C', '--only=D']) as RunCommand).only).to.deep.equal(['A', 'B', 'C', 'D']);
  });

  it('should know help, version and config, and bigrays alone as the short usage', () => {
    expect(parseArgs([])).to.deep.equal({ command: 'usage' });
    expect(parseArgs(['--help'])).to.deep.equal({ command: 'help' });
    expect(parseArgs(['-h'])).to.deep.equal({ command: 'help' });
    expect(parseArgs(['help'])).to.deep.equal({ command: 'help' });
    expect(parseArgs(['--version'])).to.deep.equal({ command: 'version' });
    expect(parseArgs(['config', '--json'])).to.deep.equal({ command: 'config', json: true, envFiles: [] });
    expect(parseArgs(['config', '--dotenv', 'x.env'])).to.deep.equal({ command: 'config', json: false, envFiles: ['x.env'] });
  });

  it('should give a command\'s help for --help or -h anywhere after it, and for bigrays help <command>', () => {
    for (const args of [['run', '--help'], ['run', 'job.ts', '-h'], ['run', '--bogus', '--help'], ['help', 'run']]) {
      expect(parseArgs(args), args.join(' ')).to.deep.equal({ command: 'help', topic: 'run' });
    }
    expect(parseArgs(['config', '-h'])).to.deep.equal({ command: 'help', topic: 'config' });
    expect(parseArgs(['help', 'config'])).to.deep.equal({ command: 'help', topic: 'config' });
  });

  it('should list every option of a command in its help, one line each', () => {
    const run = helpText('run').split('\n');
    for (const flag of ['--set key=value', '--only Task ...', '--from Task', '--dry-run', '--local', '--json', '--dotenv FILE', '--lock', '--wait-lock MS', '--help']) {
      expect(run.filter((line) => line.trimStart().startsWith(`${flag} `)), flag).to.have.length(1);
    }
    expect(run[0]).to.equal('Usage: bigrays run <job.ts|job.js> [options]');
    const config = helpText('config').split('\n');
    expect(config.filter((line) => /^\s+--(json|dotenv|help)\b/.test(line))).to.have.length(3);
    expect(helpText()).to.match(/^Usage: bigrays <command>/).and.to.match(/\n {2}run <job> /).and.to.match(/\n {2}config /);
  });

  it('should read bigrays state show, set and reset with their options', () => {
    expect(parseArgs(['state', 'show', 'orders', '--json', '--local', '--dotenv', 'a.env'])).to.deep.equal(
      { command: 'state', action: 'show', job: 'orders', path: undefined, value: undefined, json: true, local: true, envFiles: ['a.env'] });
    expect(parseArgs(['state', 'set', 'orders', 'Extract.cursor', '-5'])).to.include({ action: 'set', path: 'Extract.cursor', value: '-5' });
    expect(parseArgs(['state', 'reset', 'orders'])).to.include({ action: 'reset', job: 'orders', path: undefined });
    expect(parseArgs(['state', 'reset', 'orders', '--help'])).to.deep.equal({ command: 'help', topic: 'state' });
    expect(helpText()).to.match(/\n {2}state <action> /);
  });

  it('should refuse what it does not understand, saying why', () => {
    const cases: Array<[string[], RegExp]> = [
      [['run'], /^name the job script/],
      [['run', 'a.ts', '--bogus'], /^unknown option --bogus$/],
      [['launch'], /^unknown command `launch`; the commands: run, config, state, help$/],
      [['run', 'a.ts', '--set', 'novalue'], /^--set takes key=value, got `novalue`$/],
      [['run', 'a.ts', '--set'], /^--set needs a value$/],
      [['run', 'a.ts', '--dotenv'], /^--dotenv needs a value$/],
      [['run', 'a.ts', '--env-file'], /^--env-file needs a value$/],
      [['run', 'a.ts', '--dry-run=yes'], /^--dry-run takes no value, got `--dry-run=yes`$/],
      [['run', 'a.ts', 'b.ts'], /^one job script at a time/],
      [['run', 'a.ts', '--only', 'A', '--from', 'B'], /^use --only or --from, not both$/],
      [['config', 'x'], /^bigrays config takes no argument, got x$/],
      [['help', 'nope'], /^unknown command `nope`/],
      [['state'], /^name an action: show, set or reset$/],
      [['state', 'shwo', 'x'], /^unknown action `shwo` \(did you mean `show`\?\): show, set or reset$/],
      [['state', 'set', 'x', 'Task'], /^usage: bigrays state set <job> <Task\[\.key…\]> <value>$/],
      [['state', 'reset', 'x', 'A', 'B'], /^usage: bigrays state reset <job> \[Task\]$/],
      [['state', 'show', 'x', '--force'], /^unknown option --force/],
    ];
    for (const [args, message] of cases) expect(() => parseArgs(args), args.join(' ')).to.throw(UsageError, message);
  });

  it('should say which option or command a typo may mean', () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', 'a.ts', '--dryrun'], /^unknown option --dryrun \(did you mean --dry-run\?\)$/],
      [['run', 'a.ts', '--jsno'], /\(did you mean --json\?\)/],
      [['run', 'a.ts', '--dry'], /\(did you mean --dry-run\?\)/], // the start of one
      // Close to the former name: the name it has now.
      [['run', 'a.ts', '--envfile=x'], /^unknown option --envfile \(did you mean --dotenv\?\)$/],
      [['run', 'a.ts', '--dotnev=x'], /^unknown option --dotnev \(did you mean --dotenv\?\)$/],
      [['config', '--jsn'], /\(did you mean --json\?\)/],
      [['rnu', 'a.ts'], /^unknown command `rnu` \(did you mean `run`\?\)/],
      [['conf'], /\(did you mean `config`\?\)/],
      [['help', 'rum'], /\(did you mean `run`\?\)/],
    ];
    for (const [args, message] of cases) expect(() => parseArgs(args), args.join(' ')).to.throw(UsageError, message);
  });

  it('should suggest only what is close', () => {
    expect(suggest('--verbosity', ['--set', '--only', '--json'])).to.equal(undefined);
    expect(suggest('Helo', ['Hello', 'Shout', 'Save'])).to.equal('Hello');
    expect(suggest('save', ['Hello', 'Shout', 'Save'])).to.equal('Save');
    expect(suggest('Loda', ['Load', 'Load2'])).to.equal('Load');
    expect(suggest('x', ['run', 'config'])).to.equal(undefined);
  });

  it('should name close task names for --only / --from names a job does not have', () => {
    expect(unknownTasksMessage(['Helo'], ['Hello', 'Shout'])).to.equal('no task named `Helo` (did you mean `Hello`?) in this job; its tasks: Hello, Shout');
    expect(unknownTasksMessage(['Nope', 'Shot'], new Set(['Hello', 'Shout']))).to.equal('no task named `Nope`, `Shot` (did you mean `Shout`?) in this job; its tasks: Hello, Shout');
    expect(unknownTasksMessage(['A'], [])).to.equal('no task named `A` in this job; its tasks: none');
  });

  it('should tell which command a usage error concerns', () => {
    expect(commandOf(['run', '--bogus'])).to.equal('run');
    expect(commandOf(['config', 'x'])).to.equal('config');
    expect(commandOf(['lauch'])).to.equal(undefined);
    expect(commandOf([])).to.equal(undefined);
  });
});
