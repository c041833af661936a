/**
 * A query's columns (`FrameColumns`) written as CSV lines a block of rows at a time: each
 * column's fields for the block made in one loop over how the column holds its values (a number
 * column's digits, a boolean column's bytes, a text column's strings), then the lines joined from
 * them. The same bytes as the CSV writer's field by field (csv.ts): NULL empty and unquoted, ''
 * as `""`, text quoted when it holds a comma, a quote, CR or LF, `-0` kept.
 */
import type { ColumnView, FrameColumns } from './frame-columns';

/** Rows of one block. */
const BLOCK_ROWS = 1024;

/** A field that must be quoted: it holds a comma, a quote, CR or LF. */
const NEEDS_QUOTES = /[",\r\n]/;
const QUOTES = /"/g;

/** The CSV writer's own field of any value (errors name the column and the row). */
export type CsvField = (value: unknown, column: string, row: number) => string;

type WellFormed = { isWellFormed(): boolean };

export class FrameCsv {
  private next = 0;
  private readonly views: ColumnView[];
  private readonly fields: string[][];

  /** `field` writes what the columns do not hold in bulk; rows are numbered from `rowsBefore` + 1. */
  constructor(private readonly columns: FrameColumns, private readonly field: CsvField, private readonly rowsBefore: number) {
    this.views = columns.names.map((_, c) => columns.columnView(c));
    this.fields = columns.names.map(() => new Array<string>(BLOCK_ROWS));
  }

  /** Rows written so far. */
  get rows(): number {
    return this.next;
  }

  /** The lines of the next block of rows; undefined once every row is written. */
  block(): string | undefined {
    const from = this.next;
    const to = Math.min(from + BLOCK_ROWS, this.columns.length);
    if (from >= to || this.views.length === 0) return undefined;
    for (let c = 0; c < this.views.length; c++) this.fill(c, from, to);
    const fields = this.fields;
    const last = fields.length - 1;
    let text = '';
    for (let i = 0; i < to - from; i++) {
      let line = '';
      for (let c = 0; c < last; c++) line += `${fields[c][i]},`;
      text += `${line}${fields[last][i]}\n`;
    }
    this.next = to;
    return text;
  }

  private fill(column: number, from: number, to: number): void {
    const view = this.views[column];
    const out = this.fields[column];
    switch (view.kind) {
      case 'number': {
        const { numbers, nulls } = view;
        for (let r = from; r < to; r++) {
          const value = numbers[r];
          out[r - from] = nulls !== undefined && nulls[r] === 1 ? '' : value === 0 && 1 / value < 0 ? '-0' : `${value}`;
        }
        return;
      }
      case 'boolean': {
        const { booleans } = view;
        for (let r = from; r < to; r++) {
          const byte = booleans[r];
          out[r - from] = byte === 2 ? '' : byte === 1 ? 'true' : 'false';
        }
        return;
      }
      case 'text': {
        const { texts } = view;
        const name = this.columns.names[column];
        for (let r = from; r < to; r++) {
          const value = texts.get(r);
          if (value === null) out[r - from] = '';
          else if (value === '') out[r - from] = '""';
          else if (!(value as unknown as WellFormed).isWellFormed()) out[r - from] = this.field(value, name, this.rowsBefore + r + 1);
          else out[r - from] = NEEDS_QUOTES.test(value) ? `"${value.replace(QUOTES, '""')}"` : value;
        }
        return;
      }
      case 'any': {
        const { values } = view;
        const name = this.columns.names[column];
        for (let r = from; r < to; r++) out[r - from] = this.field(values[r], name, this.rowsBefore + r + 1);
        return;
      }
      default:
        out.fill('', 0, to - from);
    }
  }
}
