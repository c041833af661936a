/**
 * The words of a `bigrays` command line every command reads alike: its options' help, `--flag=value`,
 * an option's value, and "did you mean" for a word not understood.
 */
import { UsageError } from '../errors';

/** One option of a command, as its `--help` shows it. */
export interface OptionHelp {
  flag: string;
  /** What the option takes, if anything (`key=value`, `FILE`). */
  value?: string;
  /** One line. */
  help: string;
  /** For a former spelling, still read: its name now, which `--help` shows instead. */
  renamed?: string;
}

export const HELP_OPTION: OptionHelp = { flag: '--help', help: 'show this help (also -h)' };

/**
 * `--dotenv FILE` with `help`, and its former name `--env-file`: node itself reads `--env-file`
 * anywhere on its command line, and stops (exit 9) on a missing FILE before bigrays starts.
 */
export function dotenvOptions(help: string): OptionHelp[] {
  return [{ flag: '--dotenv', value: 'FILE', help }, { flag: '--env-file', value: 'FILE', help: 'the former name of --dotenv', renamed: '--dotenv' }];
}

/** What a command line that says `--env-file` is told. */
export const ENV_FILE_NOTE =
  "--env-file is now --dotenv: node reads --env-file itself, anywhere on the command line, and stops (exit 9) before bigrays starts when FILE is missing. bigrays still reads --env-file FILE when node lets it through.";

/** Whether `argv` says `--env-file` (the former name of `--dotenv`). */
export function saysEnvFile(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--env-file' || arg.startsWith('--env-file='));
}

/**
 * The candidate `given` is most likely a typo of: a couple of edits away (case aside), or the
 * start of it. Loads the edit distance only when a word is not understood.
 */
export function suggest(given: string, candidates: Iterable<string>): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { editDistance } = require('../keywords') as typeof import('../keywords');
  const word = given.toLowerCase();
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const distance = editDistance(word, other);
    const prefix = word.replace(/^-+/, '').length >= 2 && other.startsWith(word);
    const score = prefix ? Math.min(distance, 0.5) : distance;
    if ((prefix || distance <= Math.min(2, Math.floor(other.length / 2))) && (best === undefined || score < best.score)) {
      best = { candidate, score };
    }
  }
  return best?.candidate;
}

export function didYouMean(given: string, candidates: Iterable<string>, quote = ''): string {
  const near = suggest(given, candidates);
  return near === undefined ? '' : ` (did you mean ${quote}${near}${quote}?)`;
}

export function unknownOption(arg: string, options: OptionHelp[]): UsageError {
  const near = suggest(arg, options.map((o) => o.flag));
  const meant = options.find((o) => o.flag === near)?.renamed ?? near;
  return new UsageError(`unknown option ${arg}${meant === undefined ? '' : ` (did you mean ${meant}?)`}`);
}

/**
 * `--flag=value` as `--flag value`, for the options that take a value; an option that takes
 * none refuses one.
 */
export function splitValues(raw: string[], options: OptionHelp[]): string[] {
  return raw.flatMap((arg) => {
    const eq = arg.indexOf('=');
    if (!arg.startsWith('--') || eq < 0) return [arg];
    const flag = arg.slice(0, eq);
    const option = options.find((o) => o.flag === flag);
    if (option === undefined) throw unknownOption(flag, options);
    if (option.value === undefined) throw new UsageError(`${flag} takes no value, got \`${arg}\``);
    return [flag, arg.slice(eq + 1)];
  });
}

/** Reads an option's value: the next argument, unless it is missing or another option. */
export function valueOf(args: string[], i: number, flag: string): string {
  const next = args[i + 1];
  if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return next;
}
