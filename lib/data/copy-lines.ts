/**
 * COPY's count of lines: a line break inside a quoted value is a line to COPY, so its error's
 * `line N` is row N only until the first such value. Both ways rows reach COPY (CSV text as read,
 * and rows written as COPY text) note here which rows hold such breaks.
 */

/**
 * COPY's line numbers and the rows they are in: COPY counts a line break inside a quoted value
 * as a line, so its `line N` is row N only until the first such value. Which breaks it counts
 * is `breakInside`. Only rows that hold one are noted.
 */
export class CopyLines {
  private readonly rows: number[] = [];
  /** Line breaks inside values up to and including `rows[i]`. */
  private readonly breaks: number[] = [];
  private total = 0;

  /** Row `row` has `count` line breaks inside its quoted values. */
  add(row: number, count: number): void {
    this.total += count;
    this.rows.push(row);
    this.breaks.push(this.total);
  }

  /** The row COPY's line `line` (the line at which it finished reading the row) belongs to. */
  row(line: number): number {
    let before = 0;
    for (let i = 0; i < this.rows.length; i++) {
      const ends = this.rows[i] + this.breaks[i];
      if (line === ends) return this.rows[i];
      if (line < ends) return line - before;
      before = this.breaks[i];
    }
    return line - before;
  }
}

/**
 * The character COPY counts as a line inside the quoted values of row `row` of text whose
 * records end with `eol`: PostgreSQL counts CR in CR or CRLF text and LF in LF text, but until
 * it has seen the first record's line break (so inside row 1) it counts CR whatever the text.
 */
export function breakInside(eol: string, row: number): '\r' | '\n' {
  return row === 1 || eol !== '\n' ? '\r' : '\n';
}

/** How many times `c` is in `text` from `from` to before `to`. */
export function countChar(text: string, c: string, from = 0, to = text.length): number {
  let count = 0;
  for (let i = text.indexOf(c, from); i !== -1 && i < to; i = text.indexOf(c, i + 1)) count += 1;
  return count;
}
