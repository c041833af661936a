/** `--dotenv FILE` (formerly `--env-file`): the files' format, and which value wins. */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { UsageError } from '../../lib/cli/args';
import { loadEnvFiles, parseEnv, parseEnvText } from '../../lib/cli/env-file';

/** Lines in every form node's own `--env-file` reads, its quirks included. */
const SAMPLE = [
  'PLAIN=1',
  'export EXPORTED = two  ',
  '  DOUBLE="dq \\n escaped" # a comment',
  "SINGLE='sq \\n kept'",
  'BACKTICK=`bt`',
  '# a comment line',
  '',
  'MULTI="first',
  'second"',
  'HASH=a # b',
  'EMPTY=',
  'EQUALS==eq',
  'QUOTED_HASH="a#b"',
  'UNCLOSED="open',
  'AFTER=after',
  'WINDOWS=crlf\r',
  'LAST=no newline',
].join('\n');

describe('--dotenv', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-env-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should read KEY=value lines, quotes, comments and export as node does', () => {
    const parsed = parseEnvText(SAMPLE);
    expect({ ...parsed }).to.deep.include({
      PLAIN: '1',
      EXPORTED: 'two',
      DOUBLE: 'dq \n escaped',
      SINGLE: 'sq \\n kept',
      BACKTICK: 'bt',
      MULTI: 'first\nsecond',
      HASH: 'a',
      EMPTY: '',
      EQUALS: '=eq',
      QUOTED_HASH: 'a#b',
      UNCLOSED: '"open',
      AFTER: 'after',
      WINDOWS: 'crlf',
      LAST: 'no newline',
    });
    // Where node has its own parser (20.12 and later), ours reads every line as it does.
    const own = (util as { parseEnv?: (text: string) => Record<string, string> }).parseEnv;
    if (own) expect({ ...parsed }).to.deep.equal({ ...own(SAMPLE) });
    expect({ ...parseEnv(SAMPLE) }).to.deep.equal({ ...parsed });
  });

  it('should leave a variable already set as it is, and let a later file win over an earlier one', () => {
    const first = path.join(dir, 'first.env');
    const second = path.join(dir, 'second.env');
    writeFileSync(first, 'A=from-first\nB=from-first\nC=from-first\n');
    writeFileSync(second, 'B=from-second\nC=from-second\n');
    const env: NodeJS.ProcessEnv = { C: 'from-env', EMPTY: '' };
    writeFileSync(path.join(dir, 'third.env'), 'EMPTY=filled\n');
    loadEnvFiles([first, second, path.join(dir, 'third.env')], env);
    expect(env).to.deep.equal({ A: 'from-first', B: 'from-second', C: 'from-env', EMPTY: '' });
  });

  it('should refuse a file it cannot read, naming it and not what any file holds', () => {
    const good = path.join(dir, 'good.env');
    writeFileSync(good, 'TOKEN=Very-Secret-7\n');
    const env: NodeJS.ProcessEnv = {};
    expect(() => loadEnvFiles([good, path.join(dir, 'missing.env')], env)).to.throw(UsageError, `--dotenv ${path.join(dir, 'missing.env')}: no such file`);
    expect(() => loadEnvFiles([dir], env)).to.throw(UsageError, `--dotenv ${dir}: a folder, not a file`);
    expect(env).to.deep.equal({}); // nothing loaded from a set of files that failed
  });
});
