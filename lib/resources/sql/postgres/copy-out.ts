/**
 * `COPY … TO STDOUT` on a `pg` connection as a Readable of the bytes the server sends, one
 * Buffer per read from the socket: the CopyData payloads of each network chunk are copied once,
 * side by side, into one buffer. (pg-copy-streams' reader makes a Buffer per row before joining
 * them; at a million rows that is a million objects and most of the CPU of an export.)
 *
 * It follows pg's protocol for custom queries (`submit`, `handleCommandComplete`,
 * `handleReadyForQuery`, `handleError`): while the COPY runs it reads the connection's socket
 * itself, and hands the socket back to pg at CopyDone, or at an ErrorResponse so that pg reports
 * the error as it would for any query.
 */
import { Readable } from 'node:stream';

const COPY_DATA = 0x64; // 'd'
const ERROR_RESPONSE = 0x45; // 'E'
/** Messages the server may send in the middle of a COPY: their contents are skipped. */
const INTERSPERSED = new Set([
  0x48, // 'H' CopyOutResponse
  0x53, // 'S' ParameterStatus
  0x4e, // 'N' NoticeResponse
  0x41, // 'A' NotificationResponse
]);

interface PgSocket {
  read(): Buffer | null;
  pause(): void;
  resume(): void;
  listeners(event: 'data'): Array<(chunk: Buffer) => void>;
  on(event: 'data' | 'readable', listener: (chunk: Buffer) => void): void;
  removeListener(event: 'data' | 'readable', listener: (chunk: Buffer) => void): void;
}

interface PgConnection {
  stream: PgSocket;
  query(text: string): void;
}

export class CopyOut extends Readable {
  /** Rows the server said it sent, once the COPY has ended. */
  rowCount: number | undefined;
  private connection?: PgConnection;
  private pgData?: (chunk: Buffer) => void;
  /** Bytes of a message header cut by the end of a network chunk. */
  private carry: Buffer | undefined;
  /** The message being read and how many of its bytes are still to come. */
  private code = 0;
  private remaining = 0;
  private wanted = false;
  private forwarding = false;
  private readonly onReadable = (): void => this.forward();

  constructor(private readonly text: string) {
    super();
  }

  /** Called by pg when the query's turn comes. */
  submit(connection: PgConnection): void {
    this.connection = connection;
    const socket = connection.stream;
    const [pgData] = socket.listeners('data');
    this.pgData = pgData;
    socket.removeListener('data', pgData);
    socket.pause();
    socket.on('readable', this.onReadable);
    connection.query(this.text);
    this.forward();
  }

  override _read(): void {
    this.wanted = true;
    this.forward();
  }

  private forward(): void {
    if (this.forwarding || !this.wanted || !this.connection) return;
    this.forwarding = true;
    const socket = this.connection.stream;
    let chunk: Buffer | null;
    while (this.wanted && this.connection && (chunk = socket.read()) !== null) this.parse(chunk);
    this.forwarding = false;
  }

  private parse(input: Buffer): void {
    const chunk = this.carry ? Buffer.concat([this.carry, input]) : input;
    this.carry = undefined;
    const end = chunk.length;
    const out = Buffer.allocUnsafe(end);
    let length = 0;
    let at = 0;
    let done = false;
    while (at < end) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, end - at);
        if (this.code === COPY_DATA) length += chunk.copy(out, length, at, at + take);
        at += take;
        this.remaining -= take;
        if (this.remaining === 0 && this.ends(this.code)) {
          done = true;
          break;
        }
        continue;
      }
      if (chunk[at] === ERROR_RESPONSE) {
        // pg reads the error and fails the query through handleError.
        this.flush(out, length);
        this.detach(chunk.subarray(at));
        return;
      }
      if (end - at < 5) {
        this.carry = Buffer.from(chunk.subarray(at));
        break;
      }
      this.code = chunk[at];
      this.remaining = chunk.readUInt32BE(at + 1) - 4;
      at += 5;
      if (this.remaining === 0 && this.ends(this.code)) {
        done = true;
        break;
      }
    }
    this.flush(out, length);
    if (done) {
      this.detach(chunk.subarray(at));
      this.push(null);
    }
  }

  /** Whether a message just read whole ends the COPY (CopyDone, or anything unexpected). */
  private ends(code: number): boolean {
    return code !== COPY_DATA && !INTERSPERSED.has(code);
  }

  private flush(out: Buffer, length: number): void {
    if (length > 0) this.wanted = this.push(out.subarray(0, length));
  }

  /** Gives the socket back to pg, with the bytes after the COPY for it to read. */
  private detach(rest: Buffer): void {
    const connection = this.connection;
    const pgData = this.pgData;
    if (!connection || !pgData) return;
    this.connection = undefined;
    this.pgData = undefined;
    const socket = connection.stream;
    socket.removeListener('readable', this.onReadable);
    socket.on('data', pgData);
    if (rest.length > 0) pgData(rest);
    // pg's own handler may pause the socket; let it flow again once that handler has returned.
    process.nextTick(() => socket.resume());
  }

  handleError(error: Error): void {
    this.destroy(error);
  }

  handleCommandComplete(message: { text?: string } | undefined): void {
    const match = /COPY (\d+)/.exec(message?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {}
}
