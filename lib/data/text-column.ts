/**
 * A column of strings (and NULLs) held compactly: the strings of a batch of rows joined into
 * one string, each value's end offset in a Uint32Array. A value is read back as a slice of its
 * batch's string: the same code units it was put in with. A million short strings are then a
 * few hundred strings to keep and to garbage-collect, not a million, and no 24 bytes of object
 * and pointer each.
 *
 * Past the result's bound (`TextSpill`), joined batches are written to a temporary file and read
 * back when a value of theirs is asked for, the batch last read kept.
 */
import type { SpilledText, TextSpill } from './text-spill';

/** Values joined into one string at most. */
const BATCH_VALUES = 4096;
/** Characters joined into one string at most (a value longer than that is a batch of its own). */
const BATCH_CHARS = 1 << 20;
const INITIAL_CAPACITY = 1024;

export class TextColumn {
  /** The joined batches (in memory, or where they lie in the spill's file), and the index of each one's first value. */
  private readonly batches: (string | SpilledText)[] = [];
  private readonly firsts: number[] = [];
  /** Values not yet joined, and their characters. */
  private pending: string[] = [];
  private pendingChars = 0;
  /** Each value's end offset in its batch's string. */
  private ends = new Uint32Array(INITIAL_CAPACITY);
  /** 1 where the value is NULL (made at the first NULL). */
  private nulls: Uint8Array | undefined;
  private count = 0;
  /** The batch last read, so that reading in order finds it at once. */
  private lastBatch = 0;
  /** The spilled batch last read back, and its text: reading in order reads each batch once. */
  private readBatch = -1;
  private readText = '';

  /** Batches past the result's bound go to `spill`'s file (none: every batch in memory). */
  constructor(private readonly spill?: TextSpill) {}

  get length(): number {
    return this.count;
  }

  push(value: string | null): void {
    const index = this.count++;
    if (index >= this.ends.length) this.ends = grownArray(this.ends, index);
    if (value === null) {
      if (this.nulls === undefined || this.nulls.length < this.ends.length) this.nulls = grownArray(this.nulls ?? new Uint8Array(0), index, this.ends.length);
      this.nulls[index] = 1;
      value = '';
    }
    if (this.pending.length > 0 && (this.pending.length >= BATCH_VALUES || this.pendingChars + value.length > BATCH_CHARS)) this.join();
    if (this.pending.length === 0) this.firsts.push(index);
    this.pendingChars += value.length;
    this.ends[index] = this.pendingChars;
    this.pending.push(value);
  }

  /**
   * Adds `count` values already joined into `text` (a batch of its own): `ends[i]` is value i's
   * end offset in `text`, `nulls[i]` 1 where it is NULL (its text then empty).
   */
  pushJoined(text: string, ends: Uint32Array, nulls: Uint8Array | undefined, count: number): void {
    if (count === 0) return;
    this.join();
    const first = this.count;
    this.count += count;
    if (this.count > this.ends.length) this.ends = grownArray(this.ends, this.count - 1);
    this.ends.set(ends.subarray(0, count), first);
    if (nulls !== undefined) {
      if (this.nulls === undefined || this.nulls.length < this.ends.length) this.nulls = grownArray(this.nulls ?? new Uint8Array(0), this.count - 1, this.ends.length);
      this.nulls.set(nulls.subarray(0, count), first);
    }
    this.firsts.push(first);
    this.batches.push(this.spill === undefined || this.spill.keeps(text.length) ? text : this.spill.write(text));
  }

  /** The value at `index`, as it was put in. */
  get(index: number): string | null {
    if (this.nulls !== undefined && this.nulls[index] === 1) return null;
    const batch = this.batchOf(index);
    if (batch >= this.batches.length) return this.pending[index - this.firsts[batch]];
    const start = index === this.firsts[batch] ? 0 : this.ends[index - 1];
    return this.batchText(batch).slice(start, this.ends[index]);
  }

  /** Done adding: the last batch joined, the room grown for more let go. */
  finish(): void {
    this.join();
    if (this.ends.length > this.count) this.ends = this.ends.slice(0, this.count);
    if (this.nulls !== undefined && this.nulls.length > this.count) this.nulls = this.nulls.slice(0, this.count);
  }

  private join(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.batches.push(this.spill === undefined || this.spill.keeps(text.length) ? text : this.spill.write(text));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Joined batch `batch`'s text, read back from the spill's file when it was written there. */
  private batchText(batch: number): string {
    const held = this.batches[batch];
    if (typeof held === 'string') return held;
    if (this.readBatch !== batch) {
      this.readText = (this.spill as TextSpill).read(held);
      this.readBatch = batch;
    }
    return this.readText;
  }

  /** The batch that holds value `index`. */
  private batchOf(index: number): number {
    const firsts = this.firsts;
    let batch = this.lastBatch;
    if (!(batch < firsts.length && firsts[batch] <= index && (batch + 1 === firsts.length || index < firsts[batch + 1]))) {
      let low = 0;
      let high = firsts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (firsts[mid] <= index) low = mid;
        else high = mid - 1;
      }
      batch = low;
      this.lastBatch = batch;
    }
    return batch;
  }
}

/** `array` copied into one with room for `index` (twice the room, or `capacity`). */
export function grownArray<T extends Float64Array | Uint8Array | Uint32Array>(
  array: T,
  index: number,
  capacity = Math.max(INITIAL_CAPACITY, array.length * 2),
): T {
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(capacity, index + 1));
  bigger.set(array);
  return bigger;
}
