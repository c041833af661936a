/**
 * Runs of one job that ran at the same time (two `bigraysRun()` calls awaited together): their
 * tasks share the command's one summary, each row then naming its run.
 */
import { shortRunId, type RunReport } from '../report';

/** When a run was in progress, in ms since the epoch; undefined when its report does not say. */
function span(report: RunReport): [number, number] | undefined {
  const start = report.startedAt === undefined ? NaN : Date.parse(report.startedAt);
  const end = report.endedAt === undefined ? NaN : Date.parse(report.endedAt);
  return Number.isNaN(start) || Number.isNaN(end) ? undefined : [start, end];
}

/** Sets `run` on each task of the runs in `reports` that overlapped another of them in time. */
export function markOverlappingRuns(reports: readonly RunReport[]): void {
  const spans = reports.map(span);
  reports.forEach((report, i) => {
    const mine = spans[i];
    if (report.runId === undefined || !mine) return;
    const overlaps = spans.some((other, j) => j !== i && other !== undefined && other[0] < mine[1] && mine[0] < other[1]);
    if (!overlaps) return;
    for (const task of report.tasks) task.run = shortRunId(report.runId);
  });
}
