/**
 * A value as template text: `str` (no spec), `repr` (`!r`), and Python's format spec mini-language
 * (`{n:05d}`, `{rate:.2%}`, `{x:>10}`), with `strftime` codes for dates (`{day:%Y-%m-%d}`, in UTC).
 */
import { FormatError } from './format-error';
import { quote } from './parts';

/** A value as `!r` shows it: a string quoted and escaped. */
export function repr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'bigint') return value.toString();
  return str(value);
}

/** A value as text, the way a template shows it with no spec. */
export function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value === null) return 'null';
  if (typeof value === 'object') {
    const own = (value as { toString?: unknown }).toString;
    if (own !== Object.prototype.toString && typeof own === 'function') return String(value);
    try {
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } catch {
      return String(value);
    }
  }
  return String(value);
}

// [[fill]align][sign][z][#][0][width][grouping][.precision][type]
const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([a-zA-Z%])?$/s;

/** `value` formatted by `spec` (Python's format spec mini-language; `source` is the field, for messages). */
export function applySpec(value: unknown, spec: string, source: string): string {
  if (spec === '') return str(value);
  if (value instanceof Date && spec.includes('%')) return strftime(value, spec);
  const m = SPEC.exec(spec);
  if (!m) throw new FormatError(`Invalid format specifier \`${spec}\` in ${quote(source)}`);
  const [, fillChar, alignChar, sign = '-', , alt, zero, widthText, grouping, precisionText, type] = m;
  let fill = fillChar ?? (zero && !alignChar ? '0' : ' ');
  let align = alignChar ?? (zero ? '=' : undefined);
  const width = widthText ? Number(widthText) : 0;
  const precision = precisionText === undefined ? undefined : Number(precisionText);

  const numeric = typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
  if (!numeric) {
    if (type && type !== 's') {
      throw new FormatError(`Format code '${type}' needs a number, got ${typeof value} in ${quote(source)}`);
    }
    let text = str(value);
    if (precision !== undefined) text = text.slice(0, precision);
    return pad(text, '', width, fill, align ?? '<');
  }

  const num = typeof value === 'boolean' ? Number(value) : value;
  let body: string;
  let negative: boolean;
  const t = type ?? (typeof num === 'bigint' || Number.isInteger(num) ? 'd' : 'g');
  if (typeof num === 'bigint') {
    negative = num < 0n;
    const abs = negative ? -num : num;
    if (t === 'd' || t === 'n') body = group(abs.toString(), grouping);
    else if (t === 'x' || t === 'X' || t === 'o' || t === 'b') body = radix(abs, t, alt);
    else return applySpec(Number(num), spec, source);
  } else {
    negative = num < 0 || Object.is(num, -0);
    const abs = Math.abs(num);
    switch (t) {
      case 'd':
      case 'n':
        if (!Number.isInteger(num)) throw new FormatError(`Format code 'd' needs an integer, got ${num} in ${quote(source)}`);
        body = group(abs.toFixed(0), grouping);
        break;
      case 'x':
      case 'X':
      case 'o':
      case 'b':
        if (!Number.isInteger(num)) throw new FormatError(`Format code '${t}' needs an integer, got ${num} in ${quote(source)}`);
        body = radix(BigInt(abs), t, alt);
        break;
      case 'f':
      case 'F':
        body = fixed(abs, precision ?? 6, grouping);
        break;
      case '%':
        body = `${fixed(abs * 100, precision ?? 6, grouping)}%`;
        break;
      case 'e':
      case 'E': {
        const [mant, exp] = abs.toExponential(precision ?? 6).split('e');
        const e = Number(exp);
        body = `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
        if (t === 'E') body = body.toUpperCase();
        break;
      }
      case 'g':
      case 'G':
        body = precision === undefined ? String(abs) : String(Number(abs.toPrecision(Math.max(precision, 1))));
        if (grouping) body = groupDecimal(body, grouping);
        break;
      case 's':
        body = String(abs);
        break;
      default:
        throw new FormatError(`Unknown format code '${t}' for a number in ${quote(source)}`);
    }
  }
  const signText = negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  if (fill === undefined) fill = ' ';
  return pad(body, signText, width, fill, align ?? '>');
}

function fixed(abs: number, precision: number, grouping?: string): string {
  return groupDecimal(abs.toFixed(precision), grouping);
}

function groupDecimal(text: string, grouping?: string): string {
  if (!grouping) return text;
  const [int, frac] = text.split('.');
  return frac === undefined ? group(int, grouping) : `${group(int, grouping)}.${frac}`;
}

function group(digits: string, grouping?: string): string {
  if (!grouping) return digits;
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, grouping);
}

function radix(abs: bigint, t: string, alt?: string): string {
  const base = t === 'o' ? 8 : t === 'b' ? 2 : 16;
  let text = abs.toString(base);
  if (t === 'X') text = text.toUpperCase();
  if (alt) text = `0${t === 'X' ? 'X' : t}${text}`;
  return text;
}

function pad(body: string, sign: string, width: number, fill: string, align: string): string {
  const length = body.length + sign.length;
  if (length >= width) return sign + body;
  const room = width - length;
  switch (align) {
    case '<':
      return sign + body + fill.repeat(room);
    case '^': {
      const left = Math.floor(room / 2);
      return fill.repeat(left) + sign + body + fill.repeat(room - left);
    }
    case '=':
      return sign + fill.repeat(room) + body;
    default:
      return fill.repeat(room) + sign + body;
  }
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** Python-style strftime for a Date, in UTC. */
function strftime(date: Date, spec: string): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return spec.replace(/%([a-zA-Z%])/g, (whole, code: string) => {
    switch (code) {
      case 'Y': return String(date.getUTCFullYear()).padStart(4, '0');
      case 'y': return two(date.getUTCFullYear() % 100);
      case 'm': return two(date.getUTCMonth() + 1);
      case 'd': return two(date.getUTCDate());
      case 'H': return two(date.getUTCHours());
      case 'I': return two(date.getUTCHours() % 12 || 12);
      case 'p': return date.getUTCHours() < 12 ? 'AM' : 'PM';
      case 'M': return two(date.getUTCMinutes());
      case 'S': return two(date.getUTCSeconds());
      case 'f': return String(date.getUTCMilliseconds() * 1000).padStart(6, '0');
      case 'j': {
        const start = Date.UTC(date.getUTCFullYear(), 0, 1);
        return String(Math.floor((date.getTime() - start) / 86_400_000) + 1).padStart(3, '0');
      }
      case 'a': return DAYS[date.getUTCDay()].slice(0, 3);
      case 'A': return DAYS[date.getUTCDay()];
      case 'b': return MONTHS[date.getUTCMonth()].slice(0, 3);
      case 'B': return MONTHS[date.getUTCMonth()];
      case 'w': return String(date.getUTCDay());
      case 'z': return '+0000';
      case 'Z': return 'UTC';
      case '%': return '%';
      default: return whole;
    }
  });
}
