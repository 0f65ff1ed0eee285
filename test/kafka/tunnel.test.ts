// The socket stand-in over a tunnel stream (src/kafka/tunnel.ts), with an in-memory
// tunnel: writes before the stream is open are kept, failures become 'error'.
import { connect } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/config/connection.js';
import { FirehoseError } from '../../src/errors.js';
import { createKafkaClient } from '../../src/kafka/connect.js';
import { listTopics } from '../../src/kafka/topics.js';
import { TunnelSocket, tunnelStreamFactory, type BrokerTunnel } from '../../src/kafka/tunnel.js';
import { silentLogger } from '../../src/logger.js';
import { kafkaFromTests } from '../support/kafka-env.js';

/** A stream whose far end echoes in upper case, and reports what it got. */
function upperEcho(): { stream: Duplex; received: string[] } {
  const toFar = new PassThrough();
  const fromFar = new PassThrough();
  const received: string[] = [];
  toFar.on('data', (c: Buffer) => { received.push(c.toString()); fromFar.write(c.toString().toUpperCase()); });
  toFar.on('end', () => fromFar.end());
  return { stream: Duplex.from({ readable: fromFar, writable: toFar }), received };
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (c: Buffer) => { text += c.toString(); });
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

describe('TunnelSocket', () => {
  it('keeps writes made before the tunnel is open, then connects, echoes and ends', async () => {
    const far = upperEcho();
    let open!: (d: Duplex) => void;
    let connected = 0;
    const socket = new TunnelSocket(new Promise<Duplex>((r) => { open = r; }), () => { connected += 1; });
    socket.setKeepAlive().unref();
    socket.write('hello ');
    socket.write('kafka');
    const text = readAll(socket);
    expect(connected).toBe(0);
    open(far.stream);
    await new Promise((r) => socket.once('connect', r));
    expect(connected).toBe(1);
    socket.end();
    expect(await text).toBe('HELLO KAFKA');
    expect(far.received.join('')).toBe('hello kafka');
  });

  it('turns a failure to open into the socket\'s error', async () => {
    const error = new FirehoseError('KAFKA_SERVICE_NOT_FOUND', 'No Service nope in namespace kafka.');
    const socket = new TunnelSocket(Promise.reject(error));
    await expect(new Promise((_, reject) => socket.on('error', reject))).rejects.toBe(error);
  });
});

describe('tunnelStreamFactory', () => {
  it('opens one stream per address the client dials, and tells onOpenError about failures', async () => {
    const opened: string[] = [];
    const failures: string[] = [];
    const tunnel: BrokerTunnel = {
      async open(host, port) {
        opened.push(`${host}:${port}`);
        if (host === 'gone.kafka') throw new Error('no such service');
        return upperEcho().stream;
      },
    };
    const factory = tunnelStreamFactory(tunnel, { onOpenError: (_e, address) => failures.push(address) });
    const socket = factory('my-cluster-kafka-0.my-cluster-kafka-brokers.kafka.svc', 9092);
    await new Promise((resolve) => socket.once('connect', resolve));
    const bad = factory('gone.kafka', 9092);
    await new Promise((r) => bad.on('error', r));
    expect(opened).toEqual(['my-cluster-kafka-0.my-cluster-kafka-brokers.kafka.svc:9092', 'gone.kafka:9092']);
    expect(failures).toEqual(['gone.kafka:9092']);
  });
});

describe('the Kafka client over a tunnel (the real test broker)', () => {
  it('runs TLS with a client certificate inside the tunnel', async () => {
    const kafka = kafkaFromTests();
    const [tlsHost, tlsPort] = kafka.tlsBootstrap.split(':');
    const opened: string[] = [];
    // Every address leads to the broker's SSL listener, as port-forward leads to the pod.
    const tunnel: BrokerTunnel = {
      async open(host, port) {
        opened.push(`${host}:${port}`);
        const socket = connect({ host: tlsHost, port: Number(tlsPort) });
        await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        return socket;
      },
    };
    const settings = resolveConnection({ bootstrap: kafka.tlsBootstrap, caFile: kafka.tls.caFile, certFile: kafka.tls.certFile, keyFile: kafka.tls.keyFile }, {}, {});
    const client = await createKafkaClient(settings, { env: {}, log: silentLogger, tunnel });
    try {
      const admin = await client.admin();
      expect(Array.isArray(await admin.listTopics())).toBe(true);
    } finally {
      await client.close();
    }
    expect(opened[0]).toBe(kafka.tlsBootstrap);
  });

  it('fails at once with the tunnel\'s own error, not after retries', async () => {
    const refused = new FirehoseError('CLUSTER_FORBIDDEN', 'Not allowed to port-forward to pod kafka/my-cluster-kafka-0 port 9092 (pods/portforward in kafka).');
    const tunnel: BrokerTunnel = { open: async () => { throw refused; } };
    const settings = resolveConnection({ bootstrap: 'my-cluster-kafka-bootstrap.kafka:9092', connectTimeout: '30s' }, {}, {});
    const client = await createKafkaClient(settings, { env: {}, log: silentLogger, tunnel });
    const started = Date.now();
    await expect(listTopics(client)).rejects.toBe(refused);
    expect(Date.now() - started).toBeLessThan(5_000);
    await client.close();
  });
});
