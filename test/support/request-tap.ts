// Watches the Kafka requests a client writes on a socket: `onRequest` sees each request's
// api key and correlation id as it starts, and may drop the connection instead of sending
// it. Requests may be written in several chunks; each is recognised by its header (size
// int32, api key int16, version int16, correlation id int32). For tests that make a real
// broker connection misbehave on cue (test/kafka/spam-lost-answer.test.ts,
// test/kafka/group-member.test.ts).
import type { Socket } from 'node:net';

export interface RequestStart {
  apiKey: number;
  correlationId: number;
}

/** `onRequest` returns 'drop' to destroy the socket instead of writing that request. */
export function tapRequests(socket: Socket, onRequest: (request: RequestStart) => 'send' | 'drop'): void {
  const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
  /** Bytes of the request being written that are still to come. */
  let rest = 0;
  socket.write = ((chunk: unknown, ...more: unknown[]) => {
    const bytes = chunk as Buffer;
    if (rest > 0) {
      rest -= bytes.length;
      return write(chunk, ...more);
    }
    rest = 4 + bytes.readInt32BE(0) - bytes.length;
    if (onRequest({ apiKey: bytes.readInt16BE(4), correlationId: bytes.readInt32BE(8) }) === 'drop') {
      socket.destroy(new Error('connection dropped by the test'));
      return false;
    }
    return write(chunk, ...more);
  }) as typeof socket.write;
}
