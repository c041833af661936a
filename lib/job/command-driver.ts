/**
 * The `bigrays run` command's driver, installed in the job's process. The command starts the
 * job in a process of its own with its options in `BIGRAYS_RUN_OPTIONS` and an IPC channel;
 * the job's bootstrap (./child.ts) installs this driver on the runtime before the job loads.
 * Each top-level run then gets the command's options (--set pinned, --only/--from picking its
 * tasks, --dry-run planning them, --local rewriting their configs), its progress and report
 * go to the command before the run settles, and what it left out is explained in its terms.
 * A dry run ends the job through `end` (process.exit in the job's process).
 */
import { basename, extname } from 'node:path';
import { UsageError } from '../errors';
import { unusedSetWarning } from '../keywords';
import { progressObserver } from '../progress';
import { registeredTasks } from '../registry';
import type { RunReport, TaskReport } from '../report';
import type { RunDriver, RunOutcome } from '../run-driver';
import type { RunObserver } from '../run-observer';
import type { AnyTaskClass, TaskShape } from '../task-shape';
import type { Runtime, StopSignal } from '../runtime';
import { endInterrupted } from '../signals';
import type { BaseTask } from '../task';
import { cutShortReport, RunFollower } from './run-follower';
import { LocalOverlay } from './local-overlay';
import { sendableError, type JobMessage, type RunMessage } from './messages';
import { decodeRunOptions, RUN_OPTIONS_ENV, TaskSelection, type RunOptions } from './run-options';

/** Hands a message to the command; resolves once it is on its way. */
export type Send = (message: JobMessage) => Promise<void>;

/** Sends over the process's IPC channel; resolves once the message is handed to the channel. */
export function sendToParent(message: JobMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * How the driver ends the job: with an exit code (a dry run, once planned: `process.exit`), or
 * as a signal would (a run the signal stopped, once reported: the signal ends the process,
 * unless the job listens to it itself).
 */
export type End = (how: number | StopSignal) => void | Promise<void>;

export class CommandDriver implements RunDriver {
  readonly dryRun: boolean;
  /** The job file's base name: the job's name unless config JOB_NAME sets one. */
  readonly jobName: string;
  readonly observer: RunObserver;
  private readonly selection: TaskSelection;
  /** `--local`: every task kept offline, the state and the run lock in the local state store. */
  readonly local?: LocalOverlay;
  /** `--lock` / `--wait-lock MS`. */
  readonly lock?: { readonly waitMs?: number };
  private readonly runErrors = new WeakSet<object>();
  /** Follows the top-level run in progress, so that a job ending in the middle of it still reports it. */
  private readonly follower = new RunFollower();
  /** Top-level runs and functional calls the job started. */
  started = 0;

  constructor(
    readonly options: RunOptions,
    private readonly runtime: Runtime,
    private readonly send: Send = sendToParent,
    private readonly end: End = (how) => (typeof how === 'number' ? process.exit(how) : endInterrupted(runtime.signals, how, () => undefined)),
  ) {
    this.dryRun = options.dryRun;
    this.jobName = basename(options.job, extname(options.job));
    this.selection = new TaskSelection(options);
    if (options.local) this.local = new LocalOverlay(options.job, (text) => void this.send({ bigrays: 'note', text }));
    if (options.runLock) this.lock = options.runLock;
    const progress = progressObserver((event) => void this.send({ bigrays: 'progress', event }));
    this.observer = this.follower.observe(progress);
  }

  /** Makes this the runtime's driver, with the `--set` keywords pinned over every other. */
  install(): this {
    if (Object.keys(this.options.set).length > 0) this.runtime.keywords.pin(this.options.set);
    this.runtime.driver = this;
    return this;
  }

  /** A run or call SIGINT/SIGTERM stopped was reported: the job ends as the signal would end it. */
  async interrupted(signal: StopSignal): Promise<void> {
    await this.end(signal);
  }

  /** Called once as each top-level run starts: `--only` / `--from` pick its tasks. */
  select(offered: readonly AnyTaskClass[]): AnyTaskClass[] {
    this.started += 1;
    return this.selection.select(offered);
  }

  overlay(task: TaskShape, name: string): void {
    void name;
    this.local?.apply(task as BaseTask<unknown>);
  }

  leftOut(producer: AnyTaskClass, reader: AnyTaskClass, registered: readonly AnyTaskClass[]): string | undefined {
    const { only, from } = this.options;
    if (only.length > 0) {
      const names = registered.filter((t) => t === producer || only.includes(t.name)).map((t) => t.name);
      return ` (it is registered, but --only leaves it out): add it to --only, as in --only ${names.join(',')}`;
    }
    if (from !== undefined) {
      return ` (it is registered, but --from ${from} starts after it): start from it with --from ${producer.name}, or run both with --only ${producer.name},${reader.name}`;
    }
    return undefined;
  }

  runStarted(offered: string[], planned: string[]): void {
    this.follower.start(offered, planned);
  }

  /**
   * Sends the run's report (a dry run: its plan) to the command. A dry run plans the first
   * run that has tasks, and the job ends there: it never gets a report to act on. A run
   * `--from` leaves empty lets the job go on to its next run.
   */
  async runEnded({ offered, report, plan, error, startedAt }: RunOutcome): Promise<void> {
    this.follower.stop();
    const extra: Partial<RunMessage> = {};
    if (plan) extra.plan = plan;
    if (error !== undefined) extra.error = sendableError(error);
    if (error !== null && typeof error === 'object') this.runErrors.add(error);
    await this.send(this.message(offered, report, startedAt, extra));
    if (!this.dryRun) return;
    if (error !== undefined) this.end(2);
    else if (report.tasks.length > 0) this.end(0);
  }

  /** A functional call (`sqlQuery({…})`) outside any task: refused under --only/--from; a dry run ends the job. */
  async callStarting(taskName: string): Promise<void> {
    this.started += 1;
    if (this.selection.narrowed) {
      const refusal = new UsageError(`--only and --from pick registered tasks; run this job without them (it calls ${taskName}() directly)`);
      await this.send({ bigrays: 'job-error', error: sendableError(refusal) });
      throw refusal;
    }
    if (!this.dryRun) return;
    await this.send({ bigrays: 'call', report: { name: taskName, status: 'skipped', durationMs: 0 } });
    this.end(0);
  }

  async callEnded(report: TaskReport): Promise<void> {
    await this.send({ bigrays: 'call', report });
  }

  /**
   * As the job ends: a note for each `--set` key the job never used (no template, no keyword
   * it set or read), with the keyword it may have meant. None with --only/--from, which
   * leave the other tasks' templates unseen, or when the job ran nothing.
   */
  unusedKeywordsNote(): string | undefined {
    if (this.started === 0 || this.selection.narrowed) return undefined;
    const warning = unusedSetWarning(this.runtime.keywords);
    return warning ? `\nNote: ${warning.split('\n').join('\n      ')}\n` : undefined;
  }

  /** Whether `error` is the rejection of a run this driver reported already. */
  isRunError(error: unknown): boolean {
    return error !== null && typeof error === 'object' && this.runErrors.has(error);
  }

  /**
   * The signal after which the process is being killed, its job not stopped in time: a task
   * still running then failed (set by the command when the job runs in its process).
   */
  killedBy?: string;

  /**
   * The job is ending (process.exit) while a run is in progress: its report as far as it got,
   * sent at once, since nothing runs after the `exit` event.
   */
  reportCutShort(): void {
    const run = this.follower.stop();
    if (!run) return;
    const report = cutShortReport(run, this.killedBy);
    void this.send(this.message(run.offered, report, run.startedAt, { cutShort: true }));
  }

  private message(offered: string[], report: RunReport, startedAt: number, extra: Partial<RunMessage> = {}): RunMessage {
    const registered = registeredTasks(this.runtime).map((t) => t.name);
    return { bigrays: 'run', offered, registered, report, elapsedMs: Date.now() - startedAt, ...extra };
  }
}

/**
 * Installs the command's driver on `runtime` when this process was started by `bigrays run`
 * (the env var is set and an IPC channel is open); undefined otherwise. The env var is removed,
 * so that processes the job starts do not take it for their own.
 */
export function installCommandDriver(runtime: Runtime): CommandDriver | undefined {
  const text = process.env[RUN_OPTIONS_ENV];
  if (text === undefined || typeof process.send !== 'function') return undefined;
  delete process.env[RUN_OPTIONS_ENV];
  return new CommandDriver(decodeRunOptions(text), runtime).install();
}
