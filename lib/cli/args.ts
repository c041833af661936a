/**
 * The `bigrays` command line: `bigrays run <job> [options]`, `bigrays config`, and the help
 * each prints. A command's options are listed once, in a table: its parser, its `--help` and
 * its "did you mean" all read them from there.
 */
import { UsageError } from '../errors';
import type { RunOptions } from '../job/run-options';
import { didYouMean, dotenvOptions, HELP_OPTION, splitValues, suggest, unknownOption, valueOf, type OptionHelp } from './arg-words';
import { parseState, STATE_OPTIONS, type StateCommand } from './state-args';

export { suggest, UsageError };
export type { StateCommand };

/** `bigrays run <job> …`: the run options (the job as given) and how to print. */
export interface RunCommand extends RunOptions {
  command: 'run';
  json: boolean;
  /** `--dotenv FILE` (formerly `--env-file`): files of variables for the job's environment, in order. */
  envFiles: string[];
  /** --quiet: no progress lines while the job runs. */
  quiet?: boolean;
  /** --record FILE: append the run's record to this file. */
  record?: string;
  /** --lock: hold the job's run lock while it runs (set by --wait-lock too). */
  lock?: boolean;
  /** --wait-lock MS: how long to wait for the run lock another run holds. */
  waitLockMs?: number;
}

export interface ConfigCommand {
  command: 'config';
  json: boolean;
  envFiles: string[];
}

/** The commands `bigrays` knows, besides the options `--help` and `--version`. */
export type CommandName = 'run' | 'config' | 'state' | 'help';

export type Command =
  | RunCommand
  | ConfigCommand
  | StateCommand
  /** `--help`: the usage of `topic` (a command), or of bigrays as a whole. */
  | { command: 'help'; topic?: Exclude<CommandName, 'help'> }
  /** `bigrays` alone: the short usage, as a usage error. */
  | { command: 'usage' }
  | { command: 'version' };

/** The options of `bigrays run`. */
const RUN_OPTIONS: OptionHelp[] = [
  { flag: '--set', value: 'key=value', help: "add a format keyword (wins over the script's); repeatable" },
  { flag: '--only', value: 'Task ...', help: 'run only the named tasks (repeatable, or comma-separated)' },
  { flag: '--from', value: 'Task', help: 'run the registered tasks from this one on' },
  { flag: '--dry-run', help: 'check configuration and attributes, print the plan; open and change nothing' },
  { flag: '--local', help: 'run offline: SQL on SQLite under .bigrays/, S3 and SNS on an emulator' },
  { flag: '--json', help: "print the run report as JSON on stdout (the job's own output goes to stderr)" },
  ...dotenvOptions("load variables from FILE into the job's environment (repeatable); set ones win; formerly --env-file"),
  { flag: '--quiet', help: 'no progress lines while the job runs (also -q)' },
  { flag: '--record', value: 'FILE', help: 'append one JSON line about the run to FILE (or set BIGRAYS_RUN_LOG)' },
  { flag: '--lock', help: "hold the job's run lock: exit 75 if another run of the job holds it (or set BIGRAYS_LOCK)" },
  { flag: '--wait-lock', value: 'MS', help: 'as --lock, but wait up to MS milliseconds for the lock (or set BIGRAYS_LOCK_WAIT_MS)' },
  HELP_OPTION,
];

/** The options of `bigrays config`. */
const CONFIG_OPTIONS: OptionHelp[] = [
  { flag: '--json', help: 'print the list as JSON' },
  ...dotenvOptions('load variables from FILE first, as `bigrays run` does (repeatable)'),
  HELP_OPTION,
];

const COMMANDS: Record<Exclude<CommandName, 'help'>, { synopsis: string; about: string; options: OptionHelp[] }> = {
  run: {
    synopsis: 'bigrays run <job.ts|job.js> [options]',
    about: 'Loads the job script and runs the tasks it registers, in order; prints a summary.',
    options: RUN_OPTIONS,
  },
  config: {
    synopsis: 'bigrays config [--json] [--dotenv FILE ...]',
    about: 'Lists every configuration key, whether it is set, and its value (secrets masked).',
    options: CONFIG_OPTIONS,
  },
  state: {
    synopsis: 'bigrays state show <job> | set <job> <Task[.key…]> <value> | reset <job> [Task] [options]',
    about: "Shows or changes a job's state: what its tasks keep between runs (a value is JSON if it parses, else text).",
    options: STATE_OPTIONS,
  },
};

const EXIT_CODES = `Exit codes: 0 success, 1 a task failed, 2 a configuration or usage error,
75 another run of the job holds its run lock (--lock), 130/143 interrupted (SIGINT/SIGTERM),
or the code the job passed to process.exit().`;

function optionLines(options: OptionHelp[]): string[] {
  const label = (o: OptionHelp): string => (o.value ? `${o.flag} ${o.value}` : o.flag);
  const shown = options.filter((o) => o.renamed === undefined);
  const width = Math.max(...shown.map((o) => label(o).length));
  return shown.map((o) => `  ${label(o).padEnd(width)}  ${o.help}`);
}

/** What `bigrays --help` prints, or `bigrays <topic> --help`. */
export function helpText(topic?: Exclude<CommandName, 'help'>): string {
  if (topic !== undefined) {
    const { synopsis, about, options } = COMMANDS[topic];
    return [`Usage: ${synopsis}`, '', about, '', 'Options:', ...optionLines(options), ...(topic === 'run' ? ['', EXIT_CODES] : [])].join('\n');
  }
  return [
    'Usage: bigrays <command> [options]',
    '',
    'Commands:',
    `  run <job>       ${COMMANDS.run.about}`,
    `  config          ${COMMANDS.config.about}`,
    `  state <action>  ${COMMANDS.state.about}`,
    '  help [command]  show this help, or a command\'s',
    '',
    'Options:',
    '  -h, --help      show this help; `bigrays <command> --help` shows a command\'s options',
    "  -v, --version   print bigrays' version",
    '',
    EXIT_CODES,
  ].join('\n');
}

/** What bare `bigrays` prints (to stderr, as a usage error). */
export const SHORT_USAGE = `Usage: ${COMMANDS.run.synopsis}
       ${COMMANDS.config.synopsis}
see \`bigrays --help\``;

/** The line after a usage error: where its command's help is. */
export function seeHelp(command?: Exclude<CommandName, 'help'>): string {
  return `see \`bigrays${command ? ` ${command}` : ''} --help\``;
}

/** The error for `--only` / `--from` names that no run of the job had, each with the close name it may mean. */
export function unknownTasksMessage(missing: string[], known: Iterable<string>): string {
  const names = [...known];
  const listed = missing.map((n) => `\`${n}\`${didYouMean(n, names, '`')}`).join(', ');
  return `no task named ${listed} in this job; its tasks: ${names.length > 0 ? names.join(', ') : 'none'}`;
}

const TASK_NAMES = /^[A-Za-z_$][\w$]*(,[A-Za-z_$][\w$]*)*,?$/;

function names(text: string): string[] {
  return text.split(',').map((n) => n.trim()).filter(Boolean);
}

/** A whole number of milliseconds, 0 or more. */
function milliseconds(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} takes a number of milliseconds, got \`${text}\``);
  return Number(text);
}

function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function parseRun(raw: string[]): RunCommand {
  const args = splitValues(raw, RUN_OPTIONS);
  const options: RunCommand = { command: 'run', job: '', set: {}, only: [], dryRun: false, local: false, json: false, envFiles: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    switch (arg) {
      case '--set': {
        const pair = valueOf(args, i++, '--set');
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new UsageError(`--set takes key=value, got \`${pair}\``);
        // defined, not assigned: `--set __proto__=x` is a keyword like any other
        Object.defineProperty(options.set, pair.slice(0, eq), { value: pair.slice(eq + 1), enumerable: true, writable: true, configurable: true });
        break;
      }
      case '--only':
        options.only.push(...names(valueOf(args, i++, '--only')));
        // `--only A B`: further words that are task names belong to it
        while (args[i + 1] !== undefined && TASK_NAMES.test(args[i + 1])) options.only.push(...names(args[++i]));
        break;
      case '--from':
        options.from = valueOf(args, i++, '--from');
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
      case '--dotenv':
      case '--env-file':
        options.envFiles.push(valueOf(args, i++, arg));
        break;
      case '--quiet':
      case '-q':
        options.quiet = true;
        break;
      case '--record':
        options.record = valueOf(args, i++, '--record');
        break;
      case '--lock':
        options.lock = true;
        break;
      case '--wait-lock':
        options.lock = true;
        options.waitLockMs = milliseconds(valueOf(args, i++, '--wait-lock'), '--wait-lock');
        break;
      default:
        if (arg.startsWith('-')) throw unknownOption(arg, RUN_OPTIONS);
        if (options.job !== '') throw new UsageError(`one job script at a time: got ${options.job} and ${arg}`);
        options.job = arg;
    }
  }
  if (options.job === '') throw new UsageError('name the job script: bigrays run <job.ts|job.js>');
  if (options.from !== undefined && options.only.length > 0) throw new UsageError('use --only or --from, not both');
  return options;
}

function parseConfig(raw: string[]): ConfigCommand {
  const args = splitValues(raw, CONFIG_OPTIONS);
  const options: ConfigCommand = { command: 'config', json: false, envFiles: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    switch (arg) {
      case '--json':
        options.json = true;
        break;
      case '--dotenv':
      case '--env-file':
        options.envFiles.push(valueOf(args, i++, arg));
        break;
      default:
        if (arg.startsWith('-')) throw unknownOption(arg, CONFIG_OPTIONS);
        throw new UsageError(`bigrays config takes no argument, got ${arg}`);
    }
  }
  return options;
}

const TOPICS = Object.keys(COMMANDS) as Array<Exclude<CommandName, 'help'>>;

function unknownCommand(word: string): UsageError {
  const candidates = [...TOPICS, 'help'];
  return new UsageError(`unknown command \`${word}\`${didYouMean(word, candidates, '`')}; the commands: ${candidates.join(', ')}`);
}

/** The command a usage error in `argv` concerns, for its message and its help. */
export function commandOf(argv: string[]): Exclude<CommandName, 'help'> | undefined {
  return TOPICS.find((t) => t === argv[0]);
}

/** Parses the arguments after `bigrays`. */
export function parseArgs(argv: string[]): Command {
  const [command, ...raw] = argv;
  if (command === undefined) return { command: 'usage' };
  if (command === '--help' || command === '-h') return { command: 'help' };
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'help') {
    if (raw.length === 0) return { command: 'help' };
    const topic = TOPICS.find((t) => t === raw[0]);
    if (topic === undefined || raw.length > 1) throw raw.length > 1 ? new UsageError(`bigrays help takes one command, got ${raw.join(' ')}`) : unknownCommand(raw[0]);
    return { command: 'help', topic };
  }
  if (command === 'run' || command === 'config' || command === 'state') {
    if (wantsHelp(raw)) return { command: 'help', topic: command };
    return command === 'run' ? parseRun(raw) : command === 'config' ? parseConfig(raw) : parseState(raw);
  }
  if (command.startsWith('-')) throw unknownOption(command, [HELP_OPTION, { flag: '--version', help: '' }]);
  throw unknownCommand(command);
}
