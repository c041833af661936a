/**
 * A job type-checks against the built package as a user's project checks it (the tsconfig the
 * docs give: no skipLibCheck, no danfojs-node needed), and the compiler refuses what the types
 * can catch: a task class where its output belongs, a misspelt attribute given to a task
 * function or missing from a class, `fromS3`'s rows taken for bytes.
 */
import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as bigrays from '../lib';
import { requiredAttributesOf, type BaseTask, type TaskClass } from '../lib/task';

const root = path.resolve(__dirname, '..');

/** The tsconfig the docs give for a job (see scripts/smoke-install.js), as compiler options. */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  types: ['node'],
  noEmit: true,
};

/** The diagnostics of each file, compiled together with `options`; files are placed in the package, so that `bigrays` resolves to it. */
function compile(files: Record<string, string>, options: ts.CompilerOptions = OPTIONS): Record<string, string[]> {
  const dir = path.join(root, `.job-types-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  try {
    const paths = Object.entries(files).map(([name, code]) => {
      const file = path.join(dir, `${name}.ts`);
      writeFileSync(file, code);
      return file;
    });
    const program = ts.createProgram(paths, options);
    const found: Record<string, string[]> = Object.fromEntries(Object.keys(files).map((name) => [name, []]));
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const name = d.file ? path.relative(dir, d.file.fileName).replace(/\.ts$/, '') : '(options)';
      (found[name] ??= []).push(`TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const IMPORTS = `import {
  fromS3, outputOf, register, SQLQuery, SQLStream, SQLWrite, Task, toCSV, ToS3, toS3, type CsvRows, type DataFrame,
} from 'bigrays';
`;

const GOOD = `${IMPORTS}
@register class Rows extends SQLStream { query = 'select 1 as n'; }
@register class Frame extends SQLQuery { query = 'select 1 as n'; }
@register class Upload extends ToS3 { input = Rows.output; bucket = 'exports'; key = 'rows.parquet'; format = 'parquet' as const; }
@register class Load extends SQLWrite { tablename = 'rows'; input = Frame.output; }
@register class Count extends Task<number> { run() { const frame: DataFrame = outputOf(Frame); return frame.shape[0] + frame.columns.length; } }

const split = await toS3({ input: [{ n: 1 }], bucket: 'exports', key: 'part-{part}.parquet', maxRowsPerObject: 10, format: 'parquet' });
const parts: number = split.objects.length;
const file = await toCSV({ input: [{ n: 1 }], filename: 'rows.jsonl.gz', format: 'jsonl', compression: 'gzip' });
const written: string = file.path;
const bytes: Buffer = await fromS3({ bucket: 'exports', key: 'rows.csv' });
const raw: Buffer = await fromS3({ bucket: 'exports', key: 'rows.csv', format: 'bytes' });
const rows: CsvRows = await fromS3({ bucket: 'exports', key: 'rows.csv', format: 'csv', encoding: 'latin1' });
export { parts, written, bytes, raw, rows, Upload, Load, Count };
`;

/** Jobs the compiler must refuse, each with the error it gives. */
const BAD: Record<string, { code: string; error: RegExp }> = {
  inputIsAClass: {
    code: `${IMPORTS}@register class Rows extends SQLStream { query = 'select 1 as n'; }
@register class Upload extends ToS3 { input = Rows; bucket = 'exports'; key = 'rows.csv'; }
`,
    error: /^TS2416 Property 'input' in type 'Upload' is not assignable to the same property in base type 'ToS3'/,
  },
  inputIsAClassOfAQuery: {
    code: `${IMPORTS}@register class Frame extends SQLQuery { query = 'select 1 as n'; }
@register class Load extends SQLWrite { tablename = 'rows'; input = Frame; }
`,
    error: /^TS2416 Property 'input' in type 'Load' is not assignable to the same property in base type 'SQLWrite'/,
  },
  functionTypo: {
    code: `${IMPORTS}await toS3({ input: 'a', bucket: 'exports', key: 'a.csv', formt: 'parquet' });\n`,
    error: /^TS2561 .*'formt' does not exist in type 'ToS3Attributes'. Did you mean to write 'format'\?/,
  },
  requiredTypo: {
    code: `${IMPORTS}@register class Load extends SQLWrite { tablname = 'rows'; input = [{ n: 1 }]; }\n`,
    error: /^TS2515 Non-abstract class 'Load' does not implement inherited abstract member tablename from class 'SQLWrite'/,
  },
  functionMissingRequired: {
    code: `${IMPORTS}await toCSV({ input: [{ n: 1 }] });\n`,
    error: /^TS2345 [\s\S]*Property 'filename' is missing/,
  },
  rowsTakenForBytes: {
    code: `${IMPORTS}const bytes: Buffer = await fromS3({ bucket: 'exports', key: 'rows.csv', format: 'csv' });\nexport { bytes };\n`,
    error: /^TS2740 Type 'CsvRows' is missing the following properties from type 'Buffer/,
  },
  bytesTakenForRows: {
    code: `${IMPORTS}const rows: CsvRows = await fromS3({ bucket: 'exports', key: 'rows.csv' });\nexport { rows };\n`,
    error: /^TS2739 Type 'Buffer.*' is missing the following properties from type 'CsvRows'/,
  },
};

/** Each task function and its task class. */
const FUNCTIONS = {
  sqlQuery: bigrays.SQLQuery, sqlExecute: bigrays.SQLExecute, sqlWrite: bigrays.SQLWrite, toS3: bigrays.ToS3, fromS3: bigrays.FromS3,
  listS3Objects: bigrays.ListS3Objects, snsPublish: bigrays.SNSPublish, snsPublishEmail: bigrays.SNSPublishEmail, slackPost: bigrays.SlackPost,
  toCSV: bigrays.ToCSV,
} as const;

/** The attributes a task class needs set: its required ones that have no default. */
function needed(cls: TaskClass): string[] {
  const fresh = new (cls as unknown as new () => BaseTask<unknown>)() as unknown as Record<string, unknown>;
  return requiredAttributesOf(cls).filter((name) => fresh[name] === undefined).sort();
}

/** The properties a diagnostic says are missing. */
function missing(diagnostics: string[]): string[] {
  const names = new Set<string>();
  for (const text of diagnostics) {
    for (const match of text.matchAll(/Property '(\w+)' is missing/g)) names.add(match[1]);
    for (const match of text.matchAll(/missing the following properties from type '[^']*': ([\w, ]+)/g)) {
      for (const name of match[1].split(', ')) names.add(name);
    }
  }
  return [...names].sort();
}

describe('the types a job is checked with', function () {
  this.timeout(300_000);

  it('should declare the package without its optional packages, so that a project without them type-checks', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
    const optional = Object.keys(pkg.peerDependencies);
    expect(optional).to.include('danfojs-node').and.to.include('fauxqs');
    const dist = path.join(root, 'dist');
    const declarations = (readdirSync(dist, { recursive: true }) as string[]).filter((file) => file.endsWith('.d.ts'));
    expect(declarations).to.include('index.d.ts');
    const imports = declarations.flatMap((file) =>
      // Comments aside: a doc comment may show a job's own import of one.
      [...readFileSync(path.join(dist, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '').matchAll(/(?:from\s+|import\(\s*)['"]([^'"]+)['"]/g)]
        .filter((match) => optional.some((name) => match[1] === name || match[1].startsWith(`${name}/`)))
        .map((match) => `dist/${file}: ${match[0]}`),
    );
    expect(imports).to.deep.equal([]);
  });

  it('should type-check a job using the task classes and functions, without skipLibCheck, and refuse each mistake the types can catch', () => {
    const found = compile({ good: GOOD, ...Object.fromEntries(Object.entries(BAD).map(([name, { code }]) => [name, code])) });
    expect(found.good, found.good.join('\n')).to.deep.equal([]);
    for (const [name, { error }] of Object.entries(BAD)) {
      expect(found[name], `${name}: ${found[name].join('\n')}`).to.have.length(1);
      expect(found[name][0], name).to.match(error);
    }
    const others = Object.keys(found).filter((name) => name !== 'good' && !(name in BAD));
    expect(others.map((name) => found[name]).flat()).to.deep.equal([]);
  });

  it('should require of each task function the attributes its task class requires, and no other', () => {
    const found = compile(
      Object.fromEntries(Object.keys(FUNCTIONS).map((name) => [name, `import { ${name} } from 'bigrays';\nawait ${name}({});\n`])),
      { ...OPTIONS, skipLibCheck: true },
    );
    for (const [name, cls] of Object.entries(FUNCTIONS)) {
      expect(missing(found[name]), `${name}: ${found[name].join('\n')}`).to.deep.equal(needed(cls as unknown as TaskClass));
    }
    expect(needed(bigrays.ToS3 as unknown as TaskClass)).to.deep.equal(['bucket', 'input', 'key']);
  });

  it("should give DataFrame danfojs-node's own type in a project that declares it", () => {
    const code = `import type * as dfd from 'danfojs-node';
import { outputOf, register, SQLQuery } from 'bigrays';
declare module 'bigrays' { interface DataFrameTypes { frame: dfd.DataFrame } }
@register class Frame extends SQLQuery { query = 'select 1 as n'; }
export const firstRows: dfd.DataFrame = outputOf(Frame).head(2);
`;
    // danfojs-node's own declarations do not type-check: a project that uses them needs skipLibCheck.
    const found = compile({ danfo: code }, { ...OPTIONS, skipLibCheck: true });
    expect(found.danfo, found.danfo.join('\n')).to.deep.equal([]);
    const without = compile({ danfo: code.replace(/^declare module.*\n/m, '') }, { ...OPTIONS, skipLibCheck: true });
    expect(without.danfo.join('\n')).to.match(/TS2339 Property 'head' does not exist on type 'FrameShape'/);
  });
});
