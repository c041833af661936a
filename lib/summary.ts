/** A run report as text: one line a task, then the totals (the command prints it; so does an interrupted job). */
import type { RunReport } from './report';

/** `812 ms`, `6.02 s`, `61.3 s`. */
export function durationText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `709 B`, `5.0 MiB`; '' when unknown. */
export function bytesText(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function table(header: string[], rows: string[][], rightAligned: number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The run summary: one line a task, then the totals. */
export function summary(report: RunReport, elapsedMs: number): string {
  // The attempts column shows only when a task was tried more than once.
  const retried = report.tasks.some((t) => (t.attempts ?? 1) > 1);
  // The run column shows only when runs that overlapped share the summary.
  const runs = report.tasks.some((t) => t.run !== undefined);
  const rows = report.tasks.map((t) => [
    t.name,
    ...(runs ? [t.run ?? ''] : []),
    t.reason === undefined ? t.status : `${t.status} (${t.reason})`,
    t.status === 'skipped' && t.startedAt === undefined ? '' : durationText(t.durationMs),
    t.rows === undefined ? '' : String(t.rows),
    bytesText(t.bytes),
    ...(retried ? [t.attempts === undefined ? '' : String(t.attempts)] : []),
  ]);
  const count = (status: string) => report.tasks.filter((t) => t.status === status).length;
  const totals = `${count('ok')} ok, ${count('failed')} failed, ${count('skipped')} skipped in ${durationText(elapsedMs)}`;
  const header = ['Task', ...(runs ? ['Run'] : []), 'Status', 'Duration', 'Rows', 'Bytes', ...(retried ? ['Attempts'] : [])];
  const right = runs ? [3, 4, 5, 6] : [2, 3, 4, 5];
  return `${table(header, rows, right)}\n\n${totals}`;
}

