/**
 * The `format` and `compression` attributes ToS3 and ToCSV share: checked before the run,
 * read while it runs, and the content headers they imply.
 */
import { DATA_FORMATS, listed } from '../data/formats/table';
import { COMPRESSIONS, type Compression, type DataFormat } from '../data/payload';
import { TaskInterfaceError } from '../errors';
import { shown, taskMessage } from '../messages';
import type { BaseTask } from '../task';

/** The attributes a task that writes rows has. */
export interface FormatAttributes {
  format: DataFormat;
  compression?: Compression;
}

/** What is wrong with `format` and `compression`, each starting with the attribute's name. */
export function formatProblems(task: FormatAttributes): string[] {
  const problems: string[] = [];
  if (!DATA_FORMATS.includes(task.format)) {
    problems.push(`format must be one of ${listed(DATA_FORMATS)}, got ${shown(task.format)}`);
  }
  if (task.compression !== undefined && task.compression !== null && !COMPRESSIONS.includes(task.compression)) {
    problems.push(`compression must be one of ${listed(COMPRESSIONS)}, got ${shown(task.compression)}`);
  }
  return problems;
}

/** The format and compression to write with; `target` (key or filename) ending in `.gz` means gzip unless said otherwise. */
export function formatOptions(task: BaseTask<unknown> & FormatAttributes, target: string): { format: DataFormat; compression: Compression } {
  const problems = formatProblems(task);
  if (problems.length > 0) {
    throw new TaskInterfaceError(taskMessage(task, problems.join('; ')), {
      taskName: task.taskName,
      attributes: { [task.taskName]: problems.map((p) => p.split(' ')[0]) },
    });
  }
  const compression = task.compression ?? (target.toLowerCase().endsWith('.gz') ? 'gzip' : 'none');
  return { format: task.format, compression };
}
