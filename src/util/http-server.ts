/** Small HTTP server plumbing shared by every local server (sink, broker, channel, workers). */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseError } from '../errors.js';

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Starts `server` on host:port (0 = a free port) and returns its base URL. `portFlag` is the
 * command-line flag that chose the port (`--sink-port`), for the hint when it is taken.
 */
export async function listen(server: Server, port: number, host: string, portFlag?: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(new FirehoseError('PORT_IN_USE', `Cannot listen on ${host}:${port}: ${error.code ?? error.message}`, {
        hint: portFlag ? `Pick another ${portFlag} (0 chooses a free one).` : 'Stop what listens there, or choose another port.',
        cause: error,
      }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}/`;
}

/** Stops accepting connections and drops idle keep-alive ones; resolves once closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    server.closeAllConnections();
  });
}

export function remoteOf(request: IncomingMessage): string {
  return `${request.socket.remoteAddress}:${request.socket.remotePort}`;
}
