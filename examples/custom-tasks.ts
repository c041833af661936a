/**
 * A small job made of custom tasks: no database, no AWS. It shows registration, outputs
 * (`X.output` and `outputOf`), format keywords, a custom resource shared by consecutive
 * tasks, and `runWithExceptions`.
 *
 * Run it with `npm run demo`, or `npx tsx examples/custom-tasks.ts`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigraysRun, outputOf, register, Resource, Task, updateFormatKws, type ConfigValues } from 'bigrays';

interface Reading {
  day: string;
  celsius: number;
}

/** A resource: a scratch directory, opened once, shared by consecutive tasks, removed when the run ends. */
class ScratchDir extends Resource<string> {
  open(_config: ConfigValues): string {
    return mkdtempSync(join(tmpdir(), 'bigrays-demo-'));
  }

  close(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
  }
}
const scratch = new ScratchDir();

@register
class GenerateReadings extends Task<Reading[]> {
  run(): Reading[] {
    const days = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04'];
    return days.map((day, i) => ({ day, celsius: 18 + ((i * 7) % 5) }));
  }
}

@register
class ToFahrenheit extends Task<Array<Reading & { fahrenheit: number }>> {
  input = GenerateReadings.output; // resolved when this task runs
  run() {
    return (this.input as Reading[]).map((r) => ({ ...r, fahrenheit: r.celsius * 1.8 + 32 }));
  }
}

@register
class SaveReport extends Task<string> {
  requiredResource = scratch;
  filename = 'report-{station}-{begin}.txt';
  run(): string {
    const rows = outputOf(ToFahrenheit); // typed from ToFahrenheit.run()
    const path = join(scratch.handle, this.filename);
    writeFileSync(path, rows.map((r) => `${r.day}\t${r.fahrenheit.toFixed(1)}F`).join('\n') + '\n');
    this.recordMetrics({ rows: rows.length });
    return path;
  }
}

@register
class Summarize extends Task<string> {
  requiredResource = scratch; // the same directory is still open: no second mkdtemp
  run(): string {
    const lines = readFileSync(outputOf(SaveReport), 'utf8').trim().split('\n');
    return this.render(`${lines.length} readings for {station}`);
  }
}

@register
class Announce extends Task<void> {
  runWithExceptions = true; // runs even if a task above failed
  run(): void {
    console.log(`Summary: ${outputOf(Summarize)}`);
    console.log(`Report written to ${outputOf(SaveReport)} (a scratch file, removed when the run ends)`);
  }
}

updateFormatKws({ station: 'north', begin: '2026-01-01' });

bigraysRun().then(
  (report) => {
    for (const task of report.tasks) {
      console.log(`${task.name.padEnd(18)} ${task.status.padEnd(8)} ${String(task.durationMs).padStart(5)} ms${task.rows === undefined ? '' : `  ${task.rows} rows`}`);
    }
  },
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
);
