/**
 * The session's one driver connection, as a dialect reaches it through knex: from a
 * transaction, or taken from knex's pool and given back; and the bytes its socket moved.
 */
import type { Knex } from 'knex';

/** The driver connection of a knex transaction (the session's one connection). */
export async function transactionConnection(trx: Knex.Transaction): Promise<unknown> {
  return (trx.client as { acquireConnection(): Promise<unknown> }).acquireConnection();
}

/** The session's one driver connection, taken from knex's pool, and how to give it back. */
export async function acquire(knex: Knex): Promise<{ connection: unknown; release: () => Promise<void> }> {
  const client = knex.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<unknown> };
  const connection = await client.acquireConnection();
  return {
    connection,
    release: async () => {
      await client.releaseConnection(connection);
    },
  };
}

/** Runs `fn` with the session's one driver connection, given back to knex's pool after. */
export async function withConnection<T>(knex: Knex, fn: (connection: unknown) => Promise<T> | T): Promise<T> {
  const { connection, release } = await acquire(knex);
  try {
    return await fn(connection);
  } finally {
    await release();
  }
}

/** A socket's count of bytes read and sent (not merely queued): it grows while the peer answers. */
export function socketBytes(socket: { bytesRead: number; bytesWritten?: number; writableLength: number } | undefined): number {
  if (!socket) return 0;
  return socket.bytesRead + (socket.bytesWritten ?? 0) - socket.writableLength;
}
