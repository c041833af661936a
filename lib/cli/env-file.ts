/**
 * `--dotenv FILE` (formerly `--env-file`): variables for the job's environment, read as node's
 * own `--env-file` reads them (`KEY=value`, quotes, `#` comments, an `export ` prefix). A
 * variable already in the environment wins over the files; of two files, the later wins. Values
 * are never printed.
 */
import { readFileSync } from 'node:fs';
import * as util from 'node:util';
import { UsageError } from '../errors';

function trim(text: string): string {
  return text.replace(/^[ \t\n\v\f]+|[ \t\n\v\f]+$/g, '');
}

/**
 * The format node's `util.parseEnv` reads, for node versions without it (before 20.12):
 * the same steps as node's own parser.
 */
export function parseEnvText(input: string): Record<string, string> {
  const store: Record<string, string> = Object.create(null) as Record<string, string>;
  let content = trim(input.replace(/\r/g, ''));
  while (content !== '') {
    // An empty line or a comment: skipped.
    if (content[0] === '\n' || content[0] === '#') {
      const newline = content.indexOf('\n');
      if (newline >= 0) {
        content = content.slice(newline + 1);
        continue;
      }
    }
    const equal = content.indexOf('=');
    if (equal < 0) break;
    let key = trim(content.slice(0, equal));
    content = content.slice(equal + 1);
    if (key === '') break;
    if (key.startsWith('export ')) key = key.slice('export '.length);
    if (content === '') {
      store[key] = '';
      break;
    }
    const quote = content[0];
    const closing = quote === '"' || quote === "'" || quote === '`' ? content.indexOf(quote, 1) : -1;
    if (closing > 0) {
      // KEY="value": the text between the quotes (in double quotes, `\n` is a newline), to the end of its line.
      const value = content.slice(1, closing);
      store[key] = quote === '"' ? value.replace(/\\n/g, '\n') : value;
      const newline = content.indexOf('\n', closing + 1);
      content = newline >= 0 ? content.slice(newline + 1) : '';
    } else if (closing < 0 && (quote === '"' || quote === "'" || quote === '`')) {
      // KEY="value with no closing quote: the rest of the line, quote included.
      const newline = content.indexOf('\n');
      if (newline >= 0) {
        store[key] = content.slice(0, newline);
        content = content.slice(newline);
      } else break;
    } else {
      // KEY=value # comment
      const newline = content.indexOf('\n');
      let value: string;
      if (newline >= 0) {
        value = content.slice(0, newline);
        const hash = value.indexOf('#');
        if (hash >= 0) value = value.slice(0, hash);
        content = content.slice(newline + 1);
      } else {
        value = content;
        content = '';
      }
      store[key] = trim(value);
    }
  }
  return store;
}

/** Node's own parser where it has one (20.12 and later), else the same steps in ./env-file. */
export function parseEnv(text: string): Record<string, string> {
  const own = (util as { parseEnv?: (content: string) => Record<string, string> }).parseEnv;
  return own ? own(text) : parseEnvText(text);
}

/** Reads `files` in order into `env`, where `env` has no value yet. A file that cannot be read is a usage error naming it. */
export function loadEnvFiles(files: string[], env: NodeJS.ProcessEnv): void {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : code === 'EACCES' ? 'not readable' : (error as Error).message;
      throw new UsageError(`--dotenv ${file}: ${why}`);
    }
    Object.assign(values, parseEnv(text));
  }
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined) env[key] = value;
  }
}
