// Damaged answers: a proxy socket between the client and the real broker flips bytes in, or
// cuts short, the body of every answer after ApiVersions (frames stay frames). Metadata,
// offsets and fetches over it must each end, within a deadline, in data or in one of the
// client's own errors naming the broker: never a TypeError, a RangeError or a hang.
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/kafka/wire/admin.js';
import { Cluster } from '../../../src/kafka/wire/cluster.js';
import { KafkaConnectionError, KafkaResponseError } from '../../../src/kafka/wire/errors.js';
import { Fetcher } from '../../../src/kafka/wire/fetcher.js';
import { withDeadline } from '../../../src/util/deadline.js';
import { kafkaFromTests } from '../../support/kafka-env.js';
import { seededRandom } from '../../support/random.js';
import { newWireTopic, produceWire } from '../../support/wire-client.js';

/** Damages one answer frame (size prefix included): a few flipped bytes, or the body cut short. */
function damage(frame: Buffer, next: () => number): Buffer {
  const body = frame.subarray(8);
  if (body.length === 0) return frame;
  if (next() < 0.5) {
    const copy = Buffer.from(frame);
    const flips = 1 + Math.floor(next() * 4);
    for (let i = 0; i < flips; i++) copy[8 + Math.floor(next() * body.length)] ^= 1 << Math.floor(next() * 8);
    return copy;
  }
  const keep = Math.floor(next() * body.length);
  const cut = Buffer.concat([frame.subarray(4, 8), body.subarray(0, keep)]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(cut.length);
  return Buffer.concat([size, cut]);
}

/** A socket factory to the real broker whose answers, after the first on each connection (ApiVersions), are damaged. */
function damagingSockets(seed: number) {
  const next = seededRandom(seed);
  return (host: string, port: number): Duplex => {
    const socket = connect({ host, port });
    let pending = Buffer.alloc(0);
    let frames = 0;
    const proxy = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        socket.write(chunk, callback);
      },
      final(callback) {
        socket.end(callback);
      },
      destroy(error, callback) {
        socket.destroy();
        callback(error);
      },
    });
    // The net.Socket knobs the connection sets.
    Object.assign(proxy, { setNoDelay: () => proxy, setKeepAlive: () => proxy });
    socket.on('connect', () => proxy.emit('connect'));
    socket.on('error', (error) => proxy.destroy(error));
    socket.on('close', () => proxy.push(null));
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(0, 4 + pending.readInt32BE(0));
        pending = pending.subarray(frame.length);
        proxy.push(frames++ === 0 ? frame : damage(frame, next));
      }
    });
    return proxy;
  };
}

const clusters: Cluster[] = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.close()));
});

describe('damaged answers', () => {
  // The client's side of it: one broker is enough (Apache Kafka's answers are the richer ones).
  it.skipIf(kafkaFromTests().flavour === 'embedded')('metadata, offsets and fetches end in data or in the client\'s own errors, for 12 seeds', { timeout: 240_000 }, async () => {
    const topic = await newWireTopic('fuzz', 2);
    await produceWire(topic, Array.from({ length: 50 }, (_, i) => `fuzz ${i}`), 2);
    const outcomes = { data: 0, errors: 0 };
    for (let seed = 1; seed <= 12; seed++) {
      const cluster = new Cluster({ bootstrap: [kafkaFromTests().bootstrap], clientId: 'fuzz', connectTimeoutMs: 2_000, requestTimeoutMs: 2_000, socketFactory: damagingSockets(seed) });
      clusters.push(cluster);
      const admin = new Admin(cluster, 2_000);
      const fetcher = new Fetcher(cluster, { maxWaitMs: 50 });
      const operations: Array<() => Promise<unknown>> = [
        () => admin.metadata([topic]),
        () => admin.offsets(topic),
        async () => {
          const positions = new Map([[0, 0], [1, 0]]);
          for await (const batch of fetcher.fetch(topic, positions)) return batch;
          return undefined;
        },
      ];
      for (const [i, operation] of operations.entries()) {
        const outcome = await withDeadline(operation(), 20_000, () => new Error(`seed ${seed}, operation ${i}: no end within 20 s`)).then(
          () => 'data' as const,
          (error: unknown) => error,
        );
        if (outcome === 'data') {
          outcomes.data++;
          continue;
        }
        outcomes.errors++;
        const error = outcome as Error;
        expect(error instanceof KafkaConnectionError || error instanceof KafkaResponseError, `seed ${seed}, operation ${i}: ${error?.name}: ${error?.message}\n${error?.stack}`).toBe(true);
        if (error instanceof KafkaConnectionError) expect(error.message, `seed ${seed}`).toContain(error.broker);
        expect(error.message.includes('\n'), `seed ${seed}: one line`).toBe(false);
      }
      await cluster.close();
    }
    // Damage that lands in padding or a value can pass unnoticed; most does not.
    expect(outcomes.errors).toBeGreaterThan(12);
  });
});
