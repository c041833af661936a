/**
 * A query's result held once, column by column, as it is read: numbers in a Float64Array,
 * booleans in a Uint8Array, strings joined a batch at a time (`TextColumn`) — no array per
 * row. A column whose values are not all of one kind keeps them as they are, in one plain
 * array. Every value reads back exactly as it was put in (`-0`, NaN, `null`, bigint, Buffer…).
 */
import { grownArray, TextColumn } from './text-column';
import type { TextSpill } from './text-spill';

const INITIAL_CAPACITY = 1024;

/** Booleans' bytes: false, true, NULL. */
const FALSE = 0;
const TRUE = 1;
const NULL_BOOLEAN = 2;

/**
 * One column's values as they are held, for a writer that reads them in bulk: numbers (NULL
 * where `nulls` is 1), booleans (bytes: 0 false, 1 true, 2 NULL), text, any values, or NULLs only.
 */
export type ColumnView =
  | { kind: 'empty' }
  | { kind: 'number'; numbers: Float64Array; nulls: Uint8Array | undefined }
  | { kind: 'boolean'; booleans: Uint8Array }
  | { kind: 'text'; texts: TextColumn }
  | { kind: 'any'; values: readonly unknown[] };

/** One column's values, grown as rows come. */
class ColumnBuilder {
  /** What the column holds so far: nothing but NULLs yet, numbers, booleans, or anything. */
  private kind: 'empty' | 'number' | 'boolean' | 'text' | 'any' = 'empty';
  private numbers: Float64Array | undefined;
  /** 1 where a number column's value is NULL (made at the first NULL after a number). */
  private nulls: Uint8Array | undefined;
  private booleans: Uint8Array | undefined;
  private texts: TextColumn | undefined;
  private values: unknown[] | undefined;
  /** NULLs before the first value, while the kind is not known. */
  private leadingNulls = 0;
  private length = 0;

  constructor(private readonly spill?: TextSpill) {}

  push(value: unknown): void {
    const index = this.length++;
    switch (this.kind) {
      case 'number':
        if (typeof value === 'number') return this.putNumber(index, value);
        if (value === null) return this.putNumberNull(index);
        break;
      case 'boolean':
        if (typeof value === 'boolean') return this.putByte(index, value ? TRUE : FALSE);
        if (value === null) return this.putByte(index, NULL_BOOLEAN);
        break;
      case 'text':
        if (typeof value === 'string' || value === null) return (this.texts as TextColumn).push(value);
        break;
      case 'any':
        (this.values as unknown[]).push(value);
        return;
      case 'empty':
        if (value === null) {
          this.leadingNulls += 1;
          return;
        }
        this.length -= 1;
        this.begin(value);
        this.push(value);
        return;
    }
    // A value of another kind: the column keeps its values in a plain array from now on.
    this.length -= 1;
    this.widen();
    this.push(value);
  }

  /** `push` of a number or NULL, at once when the column holds numbers. */
  pushNumber(value: number | null): void {
    if (this.kind !== 'number') return this.push(value);
    const index = this.length++;
    if (value === null) this.putNumberNull(index);
    else this.putNumber(index, value);
  }

  /** `push` of `count` strings (or NULLs) joined into `text`, as `TextColumn.pushJoined` takes them. */
  pushJoined(text: string, ends: Uint32Array, nulls: Uint8Array | undefined, count: number): void {
    if (this.kind === 'empty') {
      let allNull = nulls !== undefined;
      for (let i = 0; allNull && i < count; i++) allNull = nulls![i] === 1;
      if (allNull) {
        this.length += count;
        this.leadingNulls += count;
        return;
      }
      this.begin('');
    }
    if (this.kind === 'text') {
      (this.texts as TextColumn).pushJoined(text, ends, nulls, count);
      this.length += count;
      return;
    }
    for (let i = 0; i < count; i++) this.push(nulls !== undefined && nulls[i] === 1 ? null : text.slice(i === 0 ? 0 : ends[i - 1], ends[i]));
  }

  /** The value at `index`, as it was put in. */
  get(index: number): unknown {
    switch (this.kind) {
      case 'number':
        return this.nulls !== undefined && this.nulls[index] === 1 ? null : (this.numbers as Float64Array)[index];
      case 'boolean': {
        const byte = (this.booleans as Uint8Array)[index];
        return byte === NULL_BOOLEAN ? null : byte === TRUE;
      }
      case 'text':
        return (this.texts as TextColumn).get(index);
      case 'any':
        return (this.values as unknown[])[index];
      default:
        return null;
    }
  }

  view(): ColumnView {
    switch (this.kind) {
      case 'number':
        return { kind: 'number', numbers: this.numbers as Float64Array, nulls: this.nulls };
      case 'boolean':
        return { kind: 'boolean', booleans: this.booleans as Uint8Array };
      case 'text':
        return { kind: 'text', texts: this.texts as TextColumn };
      case 'any':
        return { kind: 'any', values: this.values as unknown[] };
      default:
        return { kind: 'empty' };
    }
  }

  /** The column's values as a plain array. */
  toArray(length: number): unknown[] {
    if (this.kind === 'any') return this.values as unknown[];
    const values = new Array<unknown>(length);
    for (let i = 0; i < length; i++) values[i] = this.get(i);
    return values;
  }

  /** Lets go of the room grown for rows that never came. */
  trim(): void {
    const length = this.length;
    this.texts?.finish();
    if (this.numbers && this.numbers.length > length) this.numbers = this.numbers.slice(0, length);
    if (this.nulls && this.nulls.length > length) this.nulls = this.nulls.slice(0, length);
    if (this.booleans && this.booleans.length > length) this.booleans = this.booleans.slice(0, length);
  }

  /** The first value decides the storage; the NULLs before it are written into it. */
  private begin(value: unknown): void {
    const before = this.leadingNulls;
    const capacity = Math.max(INITIAL_CAPACITY, before * 2);
    if (typeof value === 'number') {
      this.kind = 'number';
      this.numbers = new Float64Array(capacity);
      for (let i = 0; i < before; i++) this.putNumberNull(i);
    } else if (typeof value === 'boolean') {
      this.kind = 'boolean';
      this.booleans = new Uint8Array(capacity).fill(NULL_BOOLEAN, 0, before);
    } else if (typeof value === 'string') {
      this.kind = 'text';
      this.texts = new TextColumn(this.spill);
      for (let i = 0; i < before; i++) this.texts.push(null);
    } else {
      this.kind = 'any';
      this.values = new Array<unknown>(before).fill(null);
    }
  }

  /** Turns a typed column into a plain array of its values, to hold a value of another kind. */
  private widen(): void {
    const values: unknown[] = [];
    for (let i = 0; i < this.length; i++) values.push(this.get(i));
    this.kind = 'any';
    this.values = values;
    this.numbers = undefined;
    this.nulls = undefined;
    this.booleans = undefined;
    this.texts = undefined;
  }

  private putNumber(index: number, value: number): void {
    let numbers = this.numbers as Float64Array;
    if (index >= numbers.length) numbers = this.numbers = grownArray(numbers, index);
    numbers[index] = value;
  }

  private putNumberNull(index: number): void {
    this.putNumber(index, 0);
    let nulls = this.nulls;
    if (nulls === undefined || index >= nulls.length) nulls = this.nulls = grownArray(nulls ?? new Uint8Array(0), index, (this.numbers as Float64Array).length);
    nulls[index] = 1;
  }

  private putByte(index: number, byte: number): void {
    let booleans = this.booleans as Uint8Array;
    if (index >= booleans.length) booleans = this.booleans = grownArray(booleans, index);
    booleans[index] = byte;
  }
}

/** A query result as columns: names, then values read by column and row. */
export class FrameColumns {
  private readonly builders: ColumnBuilder[];
  private rowCount = 0;

  /** Text past `spill`'s bound goes to its temporary file (none: all of it in memory). */
  constructor(private columnNames: readonly string[], private readonly spill?: TextSpill) {
    this.builders = columnNames.map(() => new ColumnBuilder(spill));
  }

  /** The column names, in order. */
  get names(): readonly string[] {
    return this.columnNames;
  }

  /** Names the columns anew (as many names as columns). */
  rename(names: readonly string[]): void {
    if (names.length !== this.builders.length) throw new RangeError(`${names.length} names for ${this.builders.length} columns`);
    this.columnNames = names;
  }

  /** Rows so far. */
  get length(): number {
    return this.rowCount;
  }

  /** Adds a row: its values in column order. */
  push(row: readonly unknown[]): void {
    const builders = this.builders;
    for (let c = 0; c < builders.length; c++) builders[c].push(row[c]);
    this.rowCount += 1;
  }

  /**
   * Adds one value to column `column` alone, for a reader that fills the columns one by one
   * (`pushNumber` a number or NULL, `pushJoined` strings joined) and then says how many rows it
   * added (`addRows`).
   */
  pushValue(column: number, value: unknown): void {
    this.builders[column].push(value);
  }

  pushNumber(column: number, value: number | null): void {
    this.builders[column].pushNumber(value);
  }

  pushJoined(column: number, text: string, ends: Uint32Array, nulls: Uint8Array | undefined, count: number): void {
    this.builders[column].pushJoined(text, ends, nulls, count);
  }

  addRows(count: number): void {
    this.rowCount += count;
  }

  /** Gives back the room of the text spilled to a temporary file; its values cannot be read after. */
  close(): void {
    this.spill?.close();
  }

  /** Done adding rows: the room grown for more is let go. */
  finish(): this {
    for (const builder of this.builders) builder.trim();
    return this;
  }

  /** The value of column `column` (an index) in row `row`. */
  value(column: number, row: number): unknown {
    return this.builders[column].get(row);
  }

  /** Row `row`'s values in column order, a new array. */
  row(row: number): unknown[] {
    const builders = this.builders;
    const values = new Array<unknown>(builders.length);
    for (let c = 0; c < builders.length; c++) values[c] = builders[c].get(row);
    return values;
  }

  /** Every row, each a new array of its values, made as it is read. */
  *rows(): Generator<unknown[]> {
    for (let r = 0; r < this.rowCount; r++) yield this.row(r);
  }

  /** Every row as an array of its values, all at once. */
  rowArrays(): unknown[][] {
    const rows = new Array<unknown[]>(this.rowCount);
    for (let r = 0; r < this.rowCount; r++) rows[r] = this.row(r);
    return rows;
  }

  /** Column `column`'s values as they are held (see `ColumnView`), once the rows are all added. */
  columnView(column: number): ColumnView {
    return this.builders[column].view();
  }

  /** Column `column`'s values as a plain array. */
  columnValues(column: number): unknown[] {
    return this.builders[column].toArray(this.rowCount);
  }

  /** The columns of rows given as arrays; each row is let go of once read. */
  static fromRows(names: readonly string[], rows: unknown[][], spill?: TextSpill): FrameColumns {
    const columns = new FrameColumns(names, spill);
    for (let r = 0; r < rows.length; r++) {
      columns.push(rows[r]);
      (rows as unknown[])[r] = undefined;
    }
    rows.length = 0;
    return columns.finish();
  }
}
