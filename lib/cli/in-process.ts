/**
 * `bigrays run <job>` with the job in the command's own process: no second node process to
 * start, so a job starts in about the time `node job.mjs` takes. The job's script runs as the
 * job's process would run it (../job/job-script), with the command's driver installed; what
 * it sends is taken as the command takes it over IPC (a JSON copy), and the outcome is
 * printed as the process exits, however it exits: its work done, `process.exit(n)`, or a
 * signal. SIGINT/SIGTERM stop the run in progress as they stop it in a job's process; the
 * process then ends with 130/143, at once when no run is in progress, and at the latest
 * 8 seconds after the signal; a second signal ends it at once.
 */
import { CommandDriver, type End, type Send } from '../job/command-driver';
import { runJobScript } from '../job/job-script';
import type { JobMessage } from '../job/messages';
import { defaultRuntime } from '../runtime';
import type { StopSignal } from '../signals';
import type { RunCommand } from './args';
import { jobOutcome, recordRun, STOP_GRACE_MS, type Ending, type JobOutcome } from './job-outcome';
import type { RunStart } from './run-start';

/** How the command's process ends: the signal it got, and whether the grace period (or a second signal) cut the job off. */
interface Stop {
  interrupted?: StopSignal;
  killed?: boolean;
}

/** Whether anything but bigrays (the command, the runtime's run watch) listens to `signal`: the job's own handler. */
function jobListens(signal: StopSignal, ours: (signal: StopSignal) => void): boolean {
  const watch = defaultRuntime.signals.listener;
  return process.listeners(signal).some((listener) => listener !== ours && listener !== watch);
}

/** Listens to SIGINT/SIGTERM for as long as the process lives, as the command would for its job's process. */
function watchSignals(stop: Stop, driver: CommandDriver): (signal: StopSignal) => void {
  // The job is cut off: a task still running did not stop in time, and is reported failed.
  const kill = (signal: StopSignal): never => {
    stop.killed = true;
    driver.killedBy = signal;
    process.exit();
  };
  const onSignal = (signal: StopSignal): void => {
    // A second signal: the job ends now, with what it reported so far.
    if (stop.interrupted !== undefined) kill(stop.interrupted);
    stop.interrupted = signal;
    setTimeout(() => kill(signal), STOP_GRACE_MS).unref();
    // A run in progress stops first (the runtime's own watch), and ends the process through the driver.
    if (defaultRuntime.signals.runs.size === 0 && !jobListens(signal, onSignal)) process.exit();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return onSignal;
}

/**
 * Runs `command`'s job in this process, set up as `start`; `print` shows the outcome. The
 * process's exit code is the outcome's. Never settles: the process ends with the job.
 */
export function runInProcess(command: RunCommand, start: RunStart, print: (outcome: JobOutcome) => void): Promise<never> {
  const { path, started, runId, record, options, collected } = start;
  const stop: Stop = {};
  // What crosses the IPC channel is JSON: the command takes a JSON copy here too.
  const send: Send = (message: JobMessage) => {
    collected.take(JSON.parse(JSON.stringify(message)) as JobMessage);
    return Promise.resolve();
  };
  // A run a signal stopped was reported: the process ends, unless the job handles the signal itself.
  const end: End = (how) => {
    if (typeof how === 'number') process.exit(how);
    if (!jobListens(how, onSignal)) process.exit();
  };
  const driver = new CommandDriver(options, defaultRuntime, send, end).install();
  const onSignal = watchSignals(stop, driver);
  // The job sees the argv `node job.mjs` would give it.
  process.argv.splice(1, process.argv.length - 1, path);
  void runJobScript(driver, send);
  // The outcome is printed after every 'exit' listener has run, the job's own too (they may tell
  // the command of a run cut short, or set process.exitCode), and its exit code is the process's.
  const emit = process.emit.bind(process) as (event: string | symbol, ...args: unknown[]) => boolean;
  (process as { emit: (event: string | symbol, ...args: unknown[]) => boolean }).emit = (event, ...args) => {
    const listened = emit(event, ...args);
    if (event === 'exit') {
      const code = typeof process.exitCode === 'number' ? process.exitCode : Number(args[0] ?? 0);
      const ending: Ending = { code, signal: stop.killed ? 'SIGKILL' : null, interrupted: stop.interrupted };
      const result = jobOutcome(command, collected, ending, started, runId);
      if (record) recordRun(record.file, command, result, started);
      print(result);
      process.exitCode = result.exitCode;
    }
    return listened;
  };
  return new Promise<never>(() => undefined);
}
