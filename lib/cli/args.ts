/**
 * The `bigrays` command line: `bigrays run <job> [options]`, `bigrays config`.
 */
import type { RunOptions } from '../job/run-options';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `bigrays run <job> …`: the run options (the job as given) and how to print. */
export interface RunCommand extends RunOptions {
  command: 'run';
  json: boolean;
  /** --quiet: no progress lines while the job runs. */
  quiet?: boolean;
  /** --record FILE: append the run's record to this file. */
  record?: string;
}

export type Command = RunCommand | { command: 'config'; json: boolean } | { command: 'help' } | { command: 'version' };

export const USAGE = `Usage:
  bigrays run <job.ts|job.js> [--set key=value ...] [--only Task ...] [--from Task]
                              [--dry-run] [--local] [--json]
                              [--quiet] [--record FILE]
  bigrays config [--json]
  bigrays --help | --version

  run        run the tasks the job script registers, in order
    --set      add a format keyword (wins over the script's); repeatable
    --only     run only the named tasks (repeatable, or comma-separated)
    --from     run the registered tasks from this one on
    --dry-run  check configuration and attributes, print the plan; open and change nothing
    --local    run offline: SQL on SQLite under .bigrays/, S3 and SNS on an emulator
    --json     print the run report as JSON
    --quiet    no progress lines while the job runs (also -q)
    --record   append one JSON line about the run to FILE (or set BIGRAYS_RUN_LOG)
  config     list every configuration key, whether it is set, and its value (secrets masked)

Exit codes: 0 success, 1 a task failed, 2 a configuration or usage error,
130/143 interrupted (SIGINT/SIGTERM), or the code the job passed to process.exit().`;

const TASK_NAMES = /^[A-Za-z_$][\w$]*(,[A-Za-z_$][\w$]*)*,?$/;

function names(text: string): string[] {
  return text.split(',').map((n) => n.trim()).filter(Boolean);
}

/** Parses the arguments after `bigrays`. */
export function parseArgs(argv: string[]): Command {
  const [command, ...raw] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'config') {
    const unknown = raw.filter((a) => a !== '--json');
    if (unknown.length > 0) throw new UsageError(`bigrays config takes no argument but --json, got ${unknown.join(' ')}`);
    return { command: 'config', json: raw.includes('--json') };
  }
  if (command !== 'run') throw new UsageError(`unknown command \`${command}\`; use \`bigrays run <job>\` or \`bigrays config\``);

  // --flag=value → --flag value
  const args = raw.flatMap((arg) => (/^--(set|only|from|record)=/.test(arg) ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg]));
  const options: RunCommand = { command: 'run', job: '', set: {}, only: [], dryRun: false, local: false, json: false };
  const value = (i: number, flag: string): string => {
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    switch (arg) {
      case '--set': {
        const pair = value(i++, '--set');
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new UsageError(`--set takes key=value, got \`${pair}\``);
        options.set[pair.slice(0, eq)] = pair.slice(eq + 1);
        break;
      }
      case '--only':
        options.only.push(...names(value(i++, '--only')));
        // `--only A B`: further words that are task names belong to it
        while (args[i + 1] !== undefined && TASK_NAMES.test(args[i + 1])) options.only.push(...names(args[++i]));
        break;
      case '--from':
        options.from = value(i++, '--from');
        break;
      case '--dry-run':
        options.dryRun = true;
        break;
      case '--local':
        options.local = true;
        break;
      case '--json':
        options.json = true;
        break;
      case '--quiet':
      case '-q':
        options.quiet = true;
        break;
      case '--record':
        options.record = value(i++, '--record');
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        if (options.job !== '') throw new UsageError(`one job script at a time: got ${options.job} and ${arg}`);
        options.job = arg;
    }
  }
  if (options.job === '') throw new UsageError('name the job script: bigrays run <job.ts|job.js>');
  if (options.from !== undefined && options.only.length > 0) throw new UsageError('use --only or --from, not both');
  return options;
}
