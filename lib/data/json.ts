/**
 * JSON text for values as bigrays moves them: like `JSON.stringify`, but a `bigint` is written
 * as its exact digits (a JSON number), where `JSON.stringify` throws.
 */
import { randomBytes } from 'node:crypto';

/** `value` as JSON text; bigints become JSON numbers with every digit kept. */
export function jsonText(value: unknown): string {
  let marker: string | undefined;
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'bigint') return item;
    marker ??= `\u0000bigint:${randomBytes(8).toString('hex')}:`;
    return `${marker}${item.toString()}`;
  });
  if (text === undefined) {
    throw new TypeError(`cannot write ${typeof value} as JSON`);
  }
  if (marker === undefined) return text;
  // The marker starts with NUL, which JSON.stringify writes as \u0000.
  const quoted = JSON.stringify(marker).slice(1, -1);
  return text.split(`"${quoted}`).map((part, i) => (i === 0 ? part : part.replace(/^(-?\d+)"/, '$1'))).join('');
}
