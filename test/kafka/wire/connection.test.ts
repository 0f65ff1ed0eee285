// Connecting: versions negotiated with the real broker, and the one-line failures for a
// refused port, an unknown host and a port that answers but not as Kafka.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../../src/kafka/wire/connection.js';
import { KafkaConnectionError } from '../../../src/kafka/wire/errors.js';
import { parseHostPort } from '../../../src/kafka/wire/cluster.js';
import { kafkaFromTests } from '../../support/kafka-env.js';
import { testCluster } from '../../support/wire-client.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The error Connection.open fails with, and how long it took. */
async function openFailure(host: string, port: number): Promise<{ error: KafkaConnectionError; ms: number }> {
  const started = performance.now();
  const error = await Connection.open({ host, port, connectTimeoutMs: 5_000 }).then(
    (c) => {
      c.close();
      throw new Error(`connected to ${host}:${port}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaConnectionError);
  return { error: error as KafkaConnectionError, ms: performance.now() - started };
}

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Connection', () => {
  it('negotiates the highest common version of each API with the broker', async () => {
    const connection = await Connection.open({ ...parseHostPort(kafkaFromTests().bootstrap) });
    try {
      expect(connection.version('Produce')).toBe(9);
      expect(connection.version('Fetch')).toBe(12);
      expect(connection.version('ApiVersions')).toBe(3);
      const metadata = await connection.request('Metadata', { topics: [] });
      expect(metadata.brokers.length).toBeGreaterThan(0);
    } finally {
      connection.close();
    }
  });

  it('pipelines requests on one connection and matches the answers', async () => {
    const cluster = testCluster();
    try {
      const connection = await cluster.connect();
      const answers = await Promise.all(Array.from({ length: 20 }, () => connection.request('Metadata', { topics: [] })));
      expect(answers.every((a) => a.brokers.length > 0)).toBe(true);
    } finally {
      await cluster.close();
    }
  });

  it('after a connection to a broker died, callers asking at once all get the one new connection (two would let the broker reorder their requests)', async () => {
    const cluster = testCluster();
    try {
      await cluster.refresh([]);
      const nodeId = cluster.brokerIds()[0]!;
      const first = await cluster.connection(nodeId);
      first.close();
      const again = await Promise.all(Array.from({ length: 5 }, () => cluster.connection(nodeId)));
      expect(again.every((c) => c === again[0])).toBe(true);
      expect(again[0]).not.toBe(first);
      expect(again[0]!.closed).toBe(false);
      expect(await cluster.connection(nodeId)).toBe(again[0]);
    } finally {
      await cluster.close();
    }
  });

  it('a refused port fails at once, in one line', async () => {
    const port = await freePort();
    const { error, ms } = await openFailure('127.0.0.1', port);
    expect(error.message).toBe(`Cannot connect to Kafka at 127.0.0.1:${port}: connection refused (nothing listens on that port)`);
    expect(ms).toBeLessThan(1_000);
  });

  it('an unknown host fails fast, naming the host', async () => {
    const { error, ms } = await openFailure('no-such-broker.invalid', 9092);
    expect(error.message).toBe('Cannot connect to Kafka at no-such-broker.invalid:9092: host "no-such-broker.invalid" is unknown');
    expect(error.message).not.toContain('\n');
    expect(ms).toBeLessThan(1_500);
  });

  it('an HTTP server is named as a port that is not Kafka', async () => {
    const server = createServer((_req, res) => res.end('hello'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { error, ms } = await openFailure('127.0.0.1', port);
    expect(error.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port} answered, but not as Kafka`));
    expect(error.message).not.toContain('\n');
    expect(ms).toBeLessThan(1_000);
  });
});
