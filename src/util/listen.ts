import type { Server } from 'node:net';

/**
 * Starts a TCP server on host:port (0 = a free port), exclusively (no sharing with a cluster
 * worker), and resolves with the port it got; the listen error (EADDRINUSE, ...) rejects as it
 * is, for the caller to word with its own flag.
 */
export function listenTcp(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}
