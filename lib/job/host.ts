/**
 * The job's side of `bigrays run`. The command starts the job in a process of its own with
 * its options in `BIGRAYS_RUN_OPTIONS` and an IPC channel; the first `bigraysRun()` (or
 * functional call, or the command's bootstrap) finds them here. Each run then gets the
 * command's options (--set, --only/--from, --dry-run, --local), and its report goes to the
 * command before the run settles.
 */
import { BigraysError, UsageError } from '../errors';
import type { RunContext } from '../output';
import { planRun } from '../plan';
import { registeredTasks } from '../registry';
import type { RunReport, TaskReport } from '../report';
import { callTask, runTasks, type PlannedTask, type RunObserver, type TaskCall } from '../run';
import { unusedSetWarning } from '../keywords';
import { defaultRuntime } from '../runtime';
import type { BaseTask, TaskClass } from '../task';
import { LocalOverlay } from './local-overlay';
import { sendableError, type JobMessage, type RunMessage } from './messages';
import { decodeRunOptions, RUN_OPTIONS_ENV, TaskSelection, type RunOptions } from './run-options';

type Send = (message: JobMessage) => Promise<void>;

/** Sends over the process's IPC channel; resolves once the message is handed to the channel. */
export function sendToParent(message: JobMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

export class JobHost {
  private readonly selection: TaskSelection;
  private readonly overlay?: LocalOverlay;
  private readonly runErrors = new WeakSet<object>();
  /** The run in progress, followed so that a job ending in the middle of it still reports it. */
  private current?: { context: RunContext; planned: PlannedTask[]; offered: string[]; started: number };
  /** Runs and functional calls the job started. */
  started = 0;
  /** Sends the command each task's start and end, and a running task's figures every few seconds. */
  private progress?: RunObserver;
  /** When the task running now started. */
  private taskStartedAt?: string;

  constructor(readonly options: RunOptions, private readonly send: Send = sendToParent) {
    this.selection = new TaskSelection(options);
    if (options.local) this.overlay = new LocalOverlay(options.job, (text) => void this.send({ bigrays: 'note', text }));
    if (Object.keys(options.set).length > 0) defaultRuntime.keywords.pin(options.set);
  }

  /** The run observer that reports progress to the command (loaded with the first run). */
  private observer(): RunObserver {
    if (!this.progress) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { progressObserver } = require('../cli/progress') as typeof import('../cli/progress');
      const report = progressObserver((event) => void this.send({ bigrays: 'progress', event }));
      this.progress = {
        taskStarted: (name, task, startedAt) => {
          this.taskStartedAt = startedAt;
          report.taskStarted?.(name, task, startedAt);
        },
        taskEnded: (entry) => {
          this.taskStartedAt = undefined;
          report.taskEnded?.(entry);
        },
      };
    }
    return this.progress;
  }

  private message(offered: string[], report: RunReport, started: number, extra: Partial<RunMessage> = {}): RunMessage {
    const registered = registeredTasks().map((t) => t.name);
    return { bigrays: 'run', offered, registered, report, elapsedMs: Date.now() - started, ...extra };
  }

  /** One top-level `bigraysRun(...tasks)` of the job (no tasks: the registry). */
  async run(tasks: TaskClass[]): Promise<RunReport> {
    this.started += 1;
    const started = Date.now();
    const offeredTasks = tasks.length > 0 ? tasks : registeredTasks();
    const offered = offeredTasks.map((t) => t.name);
    const selected = this.selection.select(offeredTasks);
    if (this.options.dryRun) return this.plan(selected, offered, started);
    try {
      const report = await runTasks(selected, {
        overlay: this.overlay?.apply,
        observer: this.observer(),
        onStart: (context, planned) => {
          this.current = { context, planned, offered, started };
        },
      });
      this.current = undefined;
      await this.send(this.message(offered, report, started));
      return report;
    } catch (error) {
      this.current = undefined;
      const report = (error as BigraysError).report ?? { tasks: [] };
      await this.send(this.message(offered, report, started, { error: sendableError(error) }));
      if (error !== null && typeof error === 'object') this.runErrors.add(error);
      throw error;
    }
  }

  /**
   * A dry run plans the first run that has tasks, and the job ends there: it never gets a
   * report to act on. A run `--from` leaves empty lets the job go on to its next run.
   */
  private async plan(selected: TaskClass[], offered: string[], started: number): Promise<RunReport> {
    const report: RunReport = { tasks: selected.map((t) => ({ name: t.name, status: 'skipped', durationMs: 0 })) };
    try {
      const plan = planRun(selected, this.overlay?.apply);
      await this.send(this.message(offered, report, started, { plan }));
    } catch (error) {
      await this.send(this.message(offered, { tasks: [] }, started, { error: sendableError(error) }));
      process.exit(2);
    }
    if (selected.length > 0) process.exit(0);
    return report;
  }

  /** A functional call (`sqlQuery({…})`) outside any task: reported like a task; its failure is the job's to handle. */
  async call(task: BaseTask<unknown>): Promise<TaskCall> {
    this.started += 1;
    if (this.selection.narrowed) {
      const refusal = new UsageError(`--only and --from pick registered tasks; run this job without them (it calls ${task.taskName}() directly)`);
      await this.send({ bigrays: 'job-error', error: sendableError(refusal) });
      throw refusal;
    }
    if (this.options.dryRun) {
      await this.send({ bigrays: 'call', report: { name: task.taskName, status: 'skipped', durationMs: 0 } });
      process.exit(0);
    }
    try {
      const result = await callTask(task, this.overlay?.apply, this.observer());
      await this.send({ bigrays: 'call', report: result.report });
      return result;
    } catch (error) {
      const report: TaskReport = (error as BigraysError).report?.tasks[0] ?? { name: task.taskName, status: 'failed', durationMs: 0 };
      await this.send({ bigrays: 'call', report });
      throw error;
    }
  }

  /**
   * As the job ends: a note on stderr for each `--set` key the job never used (no template,
   * no keyword it set or read), with the keyword it may have meant. Not with --only/--from,
   * which leave the other tasks' templates unseen.
   */
  warnUnusedKeywords(): void {
    if (this.started === 0 || this.selection.narrowed) return;
    const warning = unusedSetWarning(defaultRuntime.keywords);
    if (warning) process.stderr.write(`\nNote: ${warning.split('\n').join('\n      ')}\n`);
  }

  /** Whether `error` is the rejection of a run this host reported already. */
  isRunError(error: unknown): boolean {
    return error !== null && typeof error === 'object' && this.runErrors.has(error);
  }

  /**
   * The job is ending (process.exit) while a run is in progress: its report as far as it got.
   * The task that ended the job counts as done, as node would have it; later tasks are skipped.
   * Sent at once, since nothing runs after the `exit` event.
   */
  reportCutShort(): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    const done = current.context.report?.tasks ?? [];
    const tasks: TaskReport[] = [...done];
    for (const { cls } of current.planned.slice(done.length)) {
      const running = current.context.states.get(cls) === 'running';
      const startedAt = running ? this.taskStartedAt : undefined;
      const durationMs = !running ? 0 : Date.now() - (startedAt ? Date.parse(startedAt) : current.started);
      tasks.push({ name: cls.name, status: running ? 'ok' : 'skipped', ...(startedAt ? { startedAt } : {}), durationMs });
    }
    void this.send(this.message(current.offered, { tasks }, current.started, { cutShort: true }));
  }
}

/**
 * The host when this process was started by `bigrays run` (the env var is set and an IPC
 * channel is open), else undefined. Read once; the env var is removed so that processes the
 * job starts do not take it for their own.
 */
export function jobHost(): JobHost | undefined {
  if (defaultRuntime.job === undefined) {
    const text = process.env[RUN_OPTIONS_ENV];
    if (text === undefined || typeof process.send !== 'function') {
      defaultRuntime.job = null;
    } else {
      delete process.env[RUN_OPTIONS_ENV];
      defaultRuntime.job = new JobHost(decodeRunOptions(text));
    }
  }
  return defaultRuntime.job ?? undefined;
}
