/**
 * The top-level run in progress, as the command's driver follows it: the tasks it runs, those
 * that ended, and the one running now. A job that ends (process.exit) in the middle of a run
 * still reports it as far as it got.
 */
import type { RunReport, TaskReport } from '../report';
import type { RunObserver } from '../run-observer';

export interface FollowedRun {
  offered: string[];
  /** The tasks the run runs, in order. */
  planned: string[];
  startedAt: number;
  /** The tasks that ended (ok, failed or skipped), in order. */
  ended: TaskReport[];
  /** The task running now, and when it started. */
  running?: { name: string; startedAt: string };
}

export class RunFollower {
  private run?: FollowedRun;

  /** A top-level run starts. */
  start(offered: string[], planned: string[]): void {
    this.run = { offered, planned, startedAt: Date.now(), ended: [] };
  }

  /** The run settled (or the job ends): the run as far as it got, if one was in progress. */
  stop(): FollowedRun | undefined {
    const run = this.run;
    this.run = undefined;
    return run;
  }

  /** `observer`, with each task's start and end noted for the run in progress. */
  observe(observer: RunObserver): RunObserver {
    return {
      taskStarted: (name, startedAt, sample, run) => {
        if (this.run) this.run.running = { name, startedAt };
        observer.taskStarted?.(name, startedAt, sample, run);
      },
      taskEnded: (entry, run) => {
        if (this.run) {
          this.run.running = undefined;
          // A task told again (an SQLStream that failed as a later task read it) keeps its place.
          const told = this.run.ended.findIndex((t) => t.name === entry.name);
          if (told >= 0) this.run.ended[told] = entry;
          else this.run.ended.push(entry);
        }
        observer.taskEnded?.(entry, run);
      },
    };
  }
}

/**
 * The report of a run the job ended in the middle of: the task that ended the job counts as
 * done, as node would have it, unless the process was killed under it after `killedBy` (the
 * grace after a signal ran out, or a second signal): then it failed; the tasks after it are skipped.
 */
export function cutShortReport(run: FollowedRun, killedBy?: string): RunReport {
  const tasks: TaskReport[] = [...run.ended];
  for (const name of run.planned.slice(run.ended.length)) {
    const running = run.running?.name === name ? run.running : undefined;
    const durationMs = running ? Date.now() - Date.parse(running.startedAt) : 0;
    if (!running) tasks.push({ name, status: 'skipped', durationMs });
    else if (killedBy === undefined) tasks.push({ name, status: 'ok', startedAt: running.startedAt, durationMs });
    else {
      const error = `interrupted by ${killedBy}: the job did not stop in time and was killed`;
      tasks.push({ name, status: 'failed', startedAt: running.startedAt, durationMs, error });
    }
  }
  return { tasks };
}
