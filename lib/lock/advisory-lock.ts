/**
 * A job's run lock as a PostgreSQL advisory lock: `pg_try_advisory_lock(key)`, the key 64 bits
 * of a digest of `bigrays:<job>`, taken on a connection of the lock's own (not the job's
 * session) and kept for the run. The connection's `application_name` says who holds it, so a
 * second run reads the holder from `pg_locks` joined to `pg_stat_activity`. A holder that is
 * killed loses its connection, and the server frees its lock; a run whose connection drops has
 * lost its lock, and is told.
 *
 * `application_name` keeps at most 63 bytes: it reads `bigrays lock <started> <pid> <host>`
 * (the start time as `20261206T020000Z`, the host cut to what fits).
 */
import { createHash } from 'node:crypto';
import type { ConfigValues } from '../config';
import { logger } from '../log';
import { connectError } from '../resources/sql/connect-error';
import type { SessionSettings } from '../resources/sql/dialect';
import { sessionLimits } from '../resources/sql/session';
import { scrub } from '../secrets';
import { within } from '../timing';
import { BigraysError, ResourceError } from '../errors';
import { describeHolder, type LockHolder } from './holder';
import type { HeldLock, LockAttempt, LockPlace, OnLockLost } from './lock-place';

const log = logger('lock');

/** How long letting go of the lock's connection may take before its socket is dropped. */
const CLOSE_MS = 3000;
/** How long the lock's connection may take to answer whether it is still there. */
const CHECK_MS = 10_000;
/** What PostgreSQL keeps of an application_name. */
const APPLICATION_NAME_BYTES = 63;
const PREFIX = 'bigrays lock ';

/** The parts of pg's Client the lock uses. */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'end', listener: () => void): void;
  connection?: { stream?: { destroy(): void } };
}

/** The advisory lock key of `job`: a signed 64-bit integer, as text. */
export function advisoryKey(job: string): string {
  return createHash('sha256').update(`bigrays:${job}`).digest().readBigInt64BE(0).toString();
}

/** `holder` as the lock connection's application_name. */
export function applicationName(holder: LockHolder): string {
  const started = holder.startedAt.replace(/[-:]/g, '').replace(/\.\d+/, '');
  const text = `${PREFIX}${started} ${holder.pid} ${holder.host}`;
  return Buffer.from(text, 'utf8').subarray(0, APPLICATION_NAME_BYTES).toString('utf8').replace(/\uFFFD$/, '');
}

/** The holder an application_name names, when it is a lock connection's. */
export function holderOf(name: string): LockHolder | undefined {
  const match = /^bigrays lock (\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z (\d+) (.*)$/.exec(name);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, pid, host] = match;
  return { host, pid: Number(pid), startedAt: `${y}-${mo}-${d}T${h}:${mi}:${s}Z` };
}

/** The session holding the advisory lock `key` in this database (classid and objid are its high and low 32 bits). */
const HOLDER_SQL = `select a.application_name, l.pid from pg_locks l left join pg_stat_activity a on a.pid = l.pid
  where l.locktype = 'advisory' and l.granted and l.objsubid = 1 and l.classid = $1::oid and l.objid = $2::oid
    and l.database = (select oid from pg_database where datname = current_database())
  limit 1`;

export class AdvisoryLockPlace implements LockPlace {
  readonly where: string;
  private readonly key: string;
  private client?: Promise<PgClient>;

  constructor(job: string, private readonly holder: LockHolder, private readonly settings: SessionSettings, private readonly config: ConfigValues) {
    this.key = advisoryKey(job);
    this.where = `a PostgreSQL advisory lock on ${settings.address}`;
  }

  /** The lock's own connection, opened on first use with the DSN's settings and its connect timeout. */
  private connection(): Promise<PgClient> {
    this.client ??= (async () => {
      const limits = sessionLimits(this.config);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Client } = require('pg') as { Client: new (config: Record<string, unknown>) => PgClient };
      const client = new Client({
        ...this.settings.connection,
        application_name: applicationName(this.holder),
        connectionTimeoutMillis: limits.connectMs,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      // A lost connection loses the lock: said in the log, never thrown at the process.
      client.on('error', (error) => log('the run lock connection to %s failed: %s', this.settings.address, scrub(error.message, this.config)));
      const started = Date.now();
      try {
        await client.connect();
      } catch (error) {
        await closeClient(client);
        const failure = connectError(error, this.settings, limits, Date.now() - started, this.config);
        throw new ResourceError(`the run lock could not be taken: ${failure.message}`, { cause: error });
      }
      return client;
    })();
    return this.client;
  }

  async tryTake(lost: OnLockLost): Promise<LockAttempt> {
    const client = await this.connection();
    const taken = await this.run(client, 'select pg_try_advisory_lock($1::bigint) as taken', [this.key]);
    if (taken[0]?.taken === true) {
      this.client = undefined;
      return { held: new HeldAdvisoryLock(client, this.key, this.settings.address, lost, this.config) };
    }
    return { holder: await this.holderText(client) };
  }

  /** Who holds the lock, as far as this database shows it. */
  private async holderText(client: PgClient): Promise<string> {
    const unsigned = BigInt.asUintN(64, BigInt(this.key));
    const rows = await this.run(client, HOLDER_SQL, [String(unsigned >> 32n), String(unsigned & 0xffffffffn)]);
    const row = rows[0];
    if (!row) return 'it was let go just now';
    const holder = holderOf(String(row.application_name ?? ''));
    return holder ? describeHolder(holder) : `PostgreSQL backend pid ${String(row.pid)}, application_name \`${String(row.application_name ?? '')}\``;
  }

  private async run(client: PgClient, sql: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    try {
      return (await client.query(sql, values)).rows;
    } catch (error) {
      throw new BigraysError(`the run lock on ${this.settings.address} could not be taken: ${scrub((error as Error).message, this.config)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await closeClient(await client.catch(() => undefined));
  }
}

/** The advisory lock this run holds, on its connection: lost when the connection is. */
class HeldAdvisoryLock implements HeldLock {
  private lostWhy?: string;
  private releasing = false;

  constructor(
    private readonly client: PgClient,
    private readonly key: string,
    private readonly address: string,
    private readonly lost: OnLockLost,
    private readonly config: ConfigValues,
  ) {
    client.on('error', (error) => this.lose(error.message));
    client.on('end', () => this.lose('the server ended it'));
  }

  private lose(cause: string): void {
    if (this.releasing || this.lostWhy !== undefined) return;
    this.lostWhy = `the connection holding it (${this.address}) was lost: ${scrub(cause, this.config)}`;
    this.lost(this.lostWhy);
  }

  async check(): Promise<string | undefined> {
    if (this.lostWhy !== undefined) return this.lostWhy;
    const asked = this.client.query('select 1').then(() => true, (error: Error) => {
      this.lose(error.message);
      return false;
    });
    if (!(await within(asked, CHECK_MS))) this.lose(`it did not answer within ${CHECK_MS} ms`);
    return this.lostWhy;
  }

  async release(): Promise<void> {
    this.releasing = true;
    try {
      await this.client.query('select pg_advisory_unlock($1::bigint)', [this.key]);
    } catch (error) {
      // Closing the connection lets go of the lock all the same.
      log('unlocking the run lock on %s failed: %s', this.address, (error as Error).message);
    }
    await closeClient(this.client);
  }
}

/** Ends `client`'s connection; drops its socket when ending takes over CLOSE_MS. Never rejects. */
async function closeClient(client: PgClient | undefined): Promise<void> {
  if (!client) return;
  if (!(await within(client.end(), CLOSE_MS))) client.connection?.stream?.destroy();
}
