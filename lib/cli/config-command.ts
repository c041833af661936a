/** `bigrays config`: every configuration key, whether it is set, and its value with secrets masked. */
import { BigraysConfig, configKeys, envName, KNOWN_CONFIG } from '../config';
import { displayValue } from '../secrets';
import { toJson } from './output';

export interface ConfigLine {
  key: string;
  env: string;
  set: boolean;
  source: 'env' | 'default' | 'unset';
  value: string;
  help: string;
}

export function configLines(): ConfigLine[] {
  return configKeys().map((key) => {
    const fromEnv = process.env[envName(key)];
    const value: unknown = BigraysConfig[key];
    const known = KNOWN_CONFIG[key];
    return {
      key,
      env: envName(key),
      set: fromEnv !== undefined,
      source: fromEnv !== undefined ? 'env' : value !== undefined ? 'default' : 'unset',
      value: displayValue(key, value),
      help: known?.help ?? '(not a key bigrays knows: your own, or a typo?)',
    };
  });
}

export function configText(json: boolean): string {
  const lines = configLines();
  if (json) return toJson(lines);
  const width = Math.max(...lines.map((l) => l.env.length));
  return lines
    .map((l) => {
      const state = l.source === 'env' ? `= ${l.value}` : l.source === 'default' ? `= ${l.value} (default)` : '(not set)';
      return `${l.env.padEnd(width)}  ${state}\n${' '.repeat(width + 2)}${l.help}`;
    })
    .join('\n');
}
