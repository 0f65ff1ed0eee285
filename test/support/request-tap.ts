// Watches the Kafka requests a client writes on a socket: `onRequest` sees each request's
// api key and correlation id as it starts, and may drop the connection instead of sending
// it, or hold it back while later requests go first. Requests may be written in several chunks; each is recognised by its header (size
// int32, api key int16, version int16, correlation id int32). For tests that make a real
// broker connection misbehave on cue (test/kafka/spam-lost-answer.test.ts,
// test/kafka/group-member.test.ts).
import type { Socket } from 'node:net';

export interface RequestStart {
  apiKey: number;
  correlationId: number;
}

/**
 * `onRequest` returns 'drop' to destroy the socket instead of writing that request, or a
 * promise to hold the request back until it settles (requests written meanwhile go first:
 * the broker then reads them in another order than the client wrote them).
 */
export function tapRequests(socket: Socket, onRequest: (request: RequestStart) => 'send' | 'drop' | Promise<void>): void {
  const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
  /** Bytes of the request being written that are still to come. */
  let rest = 0;
  /** The chunks of the request being written, when it is held back. */
  let held: unknown[][] | undefined;
  socket.write = ((chunk: unknown, ...more: unknown[]) => {
    const bytes = chunk as Buffer;
    if (rest > 0) {
      rest -= bytes.length;
      if (held) {
        held.push([chunk, ...more]);
        return true;
      }
      return write(chunk, ...more);
    }
    rest = 4 + bytes.readInt32BE(0) - bytes.length;
    held = undefined;
    const decision = onRequest({ apiKey: bytes.readInt16BE(4), correlationId: bytes.readInt32BE(8) });
    if (decision === 'drop') {
      socket.destroy(new Error('connection dropped by the test'));
      return false;
    }
    if (decision !== 'send') {
      const chunks = (held = [[chunk, ...more]]);
      void decision.then(() => {
        if (!socket.destroyed) for (const [c, ...m] of chunks) write(c, ...m);
      });
      return true;
    }
    return write(chunk, ...more);
  }) as typeof socket.write;
}
