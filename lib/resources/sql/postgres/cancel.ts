/**
 * Cancelling a PostgreSQL statement: a CancelRequest for the backend, on a short-lived
 * connection of its own (the session's connection is busy with the statement).
 */
import { connect as netConnect } from 'node:net';
import { CLEANUP_MS } from '../link';

/** The CancelRequest message (protocol 3): length 16, code 80877102, backend pid, secret key. */
function cancelRequest(processID: number, secretKey: number): Buffer {
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4);
  message.writeInt32BE(processID, 8);
  message.writeInt32BE(secretKey, 12);
  return message;
}

/** Sends a CancelRequest on a short-lived connection of its own; resolves when the server hangs up. */
export function sendCancel(host: string, port: number, processID: number, secretKey: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = host.startsWith('/') ? netConnect(`${host}/.s.PGSQL.${port}`) : netConnect(port, host);
    socket.unref();
    socket.setTimeout(CLEANUP_MS, () => socket.destroy());
    socket.on('connect', () => socket.end(cancelRequest(processID, secretKey)));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => resolve());
  });
}
