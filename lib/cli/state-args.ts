/** `bigrays state`'s command line: its options and actions, read into a `StateCommand`. */
import { UsageError } from '../errors';
import { didYouMean, dotenvOptions, HELP_OPTION, splitValues, unknownOption, valueOf, type OptionHelp } from './arg-words';

/** `bigrays state show|set|reset <job> …`: a job's state, read or changed by hand. */
export interface StateCommand {
  command: 'state';
  action: 'show' | 'set' | 'reset';
  job: string;
  /** set: `TASK[.key…]`; reset: the task whose part goes (undefined: the whole document). */
  path?: string;
  /** set: the value, as given (JSON if it parses, else a string). */
  value?: string;
  json: boolean;
  /** --local: the state of `bigrays run --local` (the local folder's `state/`). */
  local: boolean;
  envFiles: string[];
}

/** The options of `bigrays state`. */
export const STATE_OPTIONS: OptionHelp[] = [
  { flag: '--json', help: 'show: print the document as one line of JSON' },
  { flag: '--local', help: 'the state `bigrays run --local` keeps (.bigrays/state/), unless BIGRAYS_STATE_URL is set' },
  ...dotenvOptions('load variables from FILE first, as `bigrays run` does (repeatable)'),
  HELP_OPTION,
];

/** How many words each `bigrays state` action takes after the job (fewest, most). */
const STATE_ACTIONS = { show: [0, 0], set: [2, 2], reset: [0, 1] } as const;

export function parseState(raw: string[]): StateCommand {
  const args = splitValues(raw, STATE_OPTIONS);
  const words: string[] = [];
  const options = { json: false, local: false, envFiles: [] as string[] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--local') options.local = true;
    else if (arg === '--dotenv' || arg === '--env-file') options.envFiles.push(valueOf(args, i++, arg));
    else if (arg.startsWith('--')) throw unknownOption(arg, STATE_OPTIONS);
    else words.push(arg);
  }
  const [action, job, ...rest] = words;
  if (action === undefined || !Object.hasOwn(STATE_ACTIONS, action)) {
    throw new UsageError(`${action === undefined ? 'name an action' : `unknown action \`${action}\`${didYouMean(action, Object.keys(STATE_ACTIONS), '`')}`}: show, set or reset`);
  }
  const [fewest, most] = STATE_ACTIONS[action as keyof typeof STATE_ACTIONS];
  if (job === undefined) throw new UsageError(`name the job: bigrays state ${action} <job>`);
  if (rest.length < fewest || rest.length > most) throw new UsageError(`usage: ${action === 'set' ? 'bigrays state set <job> <Task[.key…]> <value>' : `bigrays state ${action} <job>${most > 0 ? ' [Task]' : ''}`}`);
  return { command: 'state', action: action as StateCommand['action'], job, path: rest[0], value: rest[1], ...options };
}
