#!/usr/bin/env node
/**
 * The `bigrays` command. Exit codes: 0 success, 1 a task failed, 2 a configuration or
 * usage error (with the error's message, not a stack, unless DEBUG=bigrays* is set).
 */
import createDebug from 'debug';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BigraysError } from '../errors';
import { scrub } from '../secrets';
import { parseArgs, USAGE, UsageError } from './args';
import { configText } from './config-command';
import { planText, summary, toJson } from './output';
import { runJob, type JobOutcome } from './run-job';

/** bigrays' own folder and version (found from this file, built or not). */
function ownPackage(): { root?: string; version: string } {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'bigrays') return { root: dir, version: pkg.version ?? 'unknown' };
  }
  return { version: 'unknown' };
}

/**
 * The command of the bigrays the job itself imports, when that is another copy than this one
 * (a global install running a project's job): the job's tasks register there, so it runs them.
 */
function jobsOwnCommand(job: string): string | undefined {
  let theirs: string;
  try {
    theirs = dirname(require.resolve('bigrays/package.json', { paths: [dirname(resolve(job))] }));
  } catch {
    return undefined;
  }
  const own = ownPackage().root;
  const command = join(theirs, 'dist', 'cli', 'main.js');
  return own !== undefined && realpathSync(theirs) !== realpathSync(own) && existsSync(command) ? command : undefined;
}

function showStacks(): boolean {
  return createDebug.enabled('bigrays') || createDebug.enabled('bigrays:run');
}

function describeError(error: unknown): string {
  if (showStacks() && error instanceof Error && error.stack) return scrub(error.stack);
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return scrub(message);
}

/** 1 when tasks ran and one failed, 2 when the run could not start (configuration, attributes, usage). */
export function exitCodeOf(outcome: JobOutcome): number {
  if (outcome.error === undefined) return outcome.exitRequested ?? 0;
  const error = outcome.error as BigraysError;
  return error instanceof BigraysError && error.report !== undefined ? 1 : 2;
}

function print(outcome: JobOutcome, json: boolean): void {
  const code = exitCodeOf(outcome);
  if (json) {
    const body: Record<string, unknown> = { ok: code === 0, tasks: outcome.report.tasks };
    if (outcome.plan) body.plan = outcome.plan;
    if (outcome.notes.length > 0) body.local = outcome.notes;
    if (outcome.warnings?.length) body.warnings = outcome.warnings;
    if (outcome.error !== undefined) body.error = describeError(outcome.error);
    process.stdout.write(`${toJson(body)}\n`);
    return;
  }
  if (outcome.plan) process.stdout.write(`${planText(outcome.plan)}\n`);
  else if (outcome.report.tasks.length > 0) process.stdout.write(`\n${summary(outcome.report, outcome.elapsedMs)}\n`);
  if (outcome.notes.length > 0) process.stdout.write(`\nLocal mode:\n${outcome.notes.map((n) => `  ${n}`).join('\n')}\n`);
  for (const warning of outcome.warnings ?? []) process.stderr.write(`\nNote: ${warning}\n`);
  if (outcome.error !== undefined) {
    process.stderr.write(`\n${describeError(outcome.error)}\n`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let json = argv.includes('--json');
  try {
    const command = parseArgs(argv);
    switch (command.command) {
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      case 'version':
        process.stdout.write(`${ownPackage().version}\n`);
        return 0;
      case 'config':
        process.stdout.write(`${configText(command.json)}\n`);
        return 0;
      case 'run': {
        json = command.json;
        const delegate = jobsOwnCommand(command.job);
        if (delegate) return spawnSync(process.execPath, [delegate, ...argv], { stdio: 'inherit' }).status ?? 2;
        // With --json, stdout carries the report alone: what the job prints goes to stderr.
        const write = process.stdout.write;
        if (json) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
        let outcome: JobOutcome;
        try {
          outcome = await runJob(command);
        } finally {
          process.stdout.write = write;
        }
        print(outcome, json);
        const code = exitCodeOf(outcome);
        // A job that keeps the process alive after it is done (or asked to exit) is ended here.
        if (outcome.forced) process.exit(code);
        return code;
      }
    }
  } catch (error) {
    const text = error instanceof UsageError ? `${error.message}\n\n${USAGE}` : describeError(error);
    if (json) process.stdout.write(`${toJson({ ok: false, error: describeError(error) })}\n`);
    else process.stderr.write(`${text}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${describeError(error)}\n`);
      process.exitCode = 2;
    },
  );
}
