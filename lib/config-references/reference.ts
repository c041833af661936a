/**
 * A config value that says where the value is kept rather than holding it: a reference.
 *
 * - `ssm:/path/name`: an SSM Parameter Store parameter (a SecureString is decrypted).
 * - `secretsmanager:name`: a Secrets Manager secret's text; `secretsmanager:name#key`: the
 *   value of `key` in that text read as a JSON object.
 *
 * A name may also be the parameter's or secret's ARN. A reference is not secret: messages name it.
 */

/** The AWS service a reference names. */
export type ReferenceService = 'ssm' | 'secretsmanager';

export interface ConfigReference {
  /** The reference as written, trimmed: `secretsmanager:prod/db#password`. */
  readonly text: string;
  readonly service: ReferenceService;
  /** The parameter's or secret's name (or ARN). */
  readonly name: string;
  /** For `secretsmanager:name#key`: the key of the secret's JSON. */
  readonly jsonKey?: string;
}

/** What a reference's prefix is followed by, when the value is meant as one but cannot be read. */
export interface MalformedReference {
  readonly text: string;
  readonly problem: string;
}

const PREFIXES: ReadonlyArray<[string, ReferenceService]> = [
  ['ssm:', 'ssm'],
  ['secretsmanager:', 'secretsmanager'],
];

/** The service a value names by its prefix, and what follows the prefix; undefined for a plain value. */
function split(value: unknown): { text: string; service: ReferenceService; rest: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  for (const [prefix, service] of PREFIXES) {
    if (text.toLowerCase().startsWith(prefix)) return { text, service, rest: text.slice(prefix.length) };
  }
  return undefined;
}

/** Whether a config value is a reference (well formed or not). */
export function isReference(value: unknown): boolean {
  return split(value) !== undefined;
}

/** The reference a config value is; a `MalformedReference` when it starts like one but cannot be read; undefined for a plain value. */
export function parseReference(value: unknown): ConfigReference | MalformedReference | undefined {
  const parts = split(value);
  if (!parts) return undefined;
  const { text, service, rest } = parts;
  if (/\s/.test(rest)) return { text, problem: 'a parameter or secret name holds no blank' };
  if (service === 'ssm') {
    return rest === '' ? { text, problem: 'it names no parameter: write ssm:/path/name' } : { text, service, name: rest };
  }
  const hash = rest.indexOf('#');
  const name = hash < 0 ? rest : rest.slice(0, hash);
  const jsonKey = hash < 0 ? undefined : rest.slice(hash + 1);
  if (name === '') return { text, problem: 'it names no secret: write secretsmanager:name or secretsmanager:name#key' };
  if (jsonKey === '') return { text, problem: 'nothing follows `#`: write secretsmanager:name#key, or leave out `#`' };
  return jsonKey === undefined ? { text, service, name } : { text, service, name, jsonKey };
}

/** Whether a parsed value could not be read as a reference. */
export function isMalformed(parsed: ConfigReference | MalformedReference): parsed is MalformedReference {
  return 'problem' in parsed;
}

/** How a message names what a reference points at: `SSM parameter /a/b`, `key password of secret prod/db`. */
export function describeReference(reference: ConfigReference): string {
  if (reference.service === 'ssm') return `SSM parameter ${reference.name}`;
  const secret = `Secrets Manager secret ${reference.name}`;
  return reference.jsonKey === undefined ? secret : `key \`${reference.jsonKey}\` of ${secret}`;
}
