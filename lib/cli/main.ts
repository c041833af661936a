#!/usr/bin/env node
/**
 * The `bigrays` command. Exit codes: 0 success, 1 a task failed, 2 a configuration or
 * usage error (with the error's message, not a stack, unless DEBUG=bigrays* is set), 75
 * another run of the job holds its run lock, 130/143 interrupted, or the code the job passed to
 * process.exit().
 */
import '../job/compile-cache';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXIT_CODES, exitCodeOf, UsageError } from '../errors';
import { errorText, masked } from '../messages';
import { ENV_FILE_NOTE, saysEnvFile } from './arg-words';
import { commandOf, helpText, parseArgs, seeHelp, SHORT_USAGE } from './args';
import type { JobOutcome } from './parent';

/*
 * The command loads what its subcommand needs, when it needs it: `bigrays run` runs the job
 * in this process (./in-process), or starts the job's process first (./parent) and loads the
 * summary's printing while the job starts.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const output = (): typeof import('./output') => require('./output');

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

function showStacks(): boolean {
  const createDebug = require('debug') as typeof import('debug');
  return createDebug.enabled('bigrays') || createDebug.enabled('bigrays:run');
}

function describeError(error: unknown): string {
  return masked(showStacks() && error instanceof Error && error.stack ? error.stack : errorText(error));
}

function print(outcome: JobOutcome, json: boolean): void {
  const { planText, summary, toJson } = output();
  const code = outcome.exitCode;
  if (json) {
    const { startedAt, endedAt, tasks } = outcome.report;
    const body: Record<string, unknown> = { ok: code === 0, startedAt, endedAt, tasks };
    if (outcome.plan) body.plan = outcome.plan;
    if (outcome.report.state) body.state = outcome.report.state;
    if (outcome.notes.length > 0) body.local = outcome.notes;
    if (outcome.warnings.length > 0) body.warnings = outcome.warnings;
    if (outcome.signal) body.signal = outcome.signal;
    if (outcome.error !== undefined) body.error = describeError(outcome.error);
    process.stdout.write(`${toJson(body)}\n`);
    return;
  }
  if (outcome.plan) process.stdout.write(`${planText(outcome.plan)}\n`);
  else if (outcome.report.tasks.length > 0) process.stdout.write(`\n${summary(outcome.report, outcome.elapsedMs)}\n`);
  if (outcome.notes.length > 0) process.stdout.write(`\nLocal mode:\n${outcome.notes.map((n) => `  ${n}`).join('\n')}\n`);
  for (const warning of outcome.warnings) process.stderr.write(`\nNote: ${warning}\n`);
  if (outcome.error !== undefined) {
    process.stderr.write(`\n${describeError(outcome.error)}\n`);
  }
}

/** Loads `--dotenv` files into this process's environment, which the job's process inherits; `argv` saying `--env-file` is told its new name. */
function loadEnvFiles(files: string[], argv: string[]): void {
  if (saysEnvFile(argv)) process.stderr.write(`Note: ${ENV_FILE_NOTE}\n`);
  if (files.length > 0) (require('./env-file') as typeof import('./env-file')).loadEnvFiles(files, process.env);
}

export async function main(argv: string[]): Promise<number> {
  let json = argv.includes('--json');
  try {
    const command = parseArgs(argv);
    switch (command.command) {
      case 'usage':
        process.stderr.write(`${SHORT_USAGE}\n`);
        return EXIT_CODES.usage;
      case 'help':
        process.stdout.write(`${helpText(command.topic)}\n`);
        return 0;
      case 'version':
        process.stdout.write(`${ownPackage().version}\n`);
        return 0;
      case 'config':
        loadEnvFiles(command.envFiles, argv);
        process.stdout.write(`${(require('./config-command') as typeof import('./config-command')).configText(command.json)}\n`);
        return 0;
      case 'state':
        json = command.json;
        loadEnvFiles(command.envFiles, argv);
        process.stdout.write(`${masked(await (require('./state-command') as typeof import('./state-command')).stateCommand(command))}\n`);
        return 0;
      case 'run': {
        json = command.json;
        loadEnvFiles(command.envFiles, argv);
        const start = (require('./run-start') as typeof import('./run-start')).startRun(command);
        if ((require('./job-entry') as typeof import('./job-entry')).runsInProcess(command, start.path)) {
          return (require('./in-process') as typeof import('./in-process')).runInProcess(command, start, (outcome) => print(outcome, json));
        }
        const running = (require('./parent') as typeof import('./parent')).runJob(command, start);
        output(); // the job's process has started: load the printing meanwhile
        const outcome: JobOutcome = await running;
        print(outcome, json);
        return outcome.exitCode;
      }
    }
  } catch (error) {
    if (json) process.stdout.write(`${output().toJson({ ok: false, error: describeError(error) })}\n`);
    else if (error instanceof UsageError) {
      // One line saying what is wrong, and where the help is.
      const command = commandOf(argv);
      process.stderr.write(`bigrays${command ? ` ${command}` : ''}: ${error.message}\n${seeHelp(command)}\n`);
    } else process.stderr.write(`${describeError(error)}\n`);
    // Whatever the command throws, it throws before the job ran.
    return exitCodeOf(error, 'refused');
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      // Interrupted: end now, whatever the job's process left behind.
      if (code === 130 || code === 143) process.exit(code);
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${describeError(error)}\n`);
      process.exitCode = exitCodeOf(error, 'refused');
    },
  );
}
