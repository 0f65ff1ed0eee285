// What one client may cost the embedded broker: a Fetch answer within the
// byte limits it asked for, a request naming too many partitions refused
// before it is decoded, long requests that let other connections be answered
// meanwhile, one budget for bytes of unfinished requests on all connections,
// a deadline for a request to arrive whole, and a cap on the topics one
// Metadata may auto-create.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bufferedRequestBytes } from '../../src/embedded-kafka/connection.js';
import { countRequestItems } from '../../src/embedded-kafka/request-items.js';
import { API_KEY, apiByKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { encodeMessage, type Message } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../../src/embedded-kafka/server.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { encodeBatch } from '../support/record-batch.js';
import { waitFor } from '../support/wait.js';

let broker: EmbeddedBroker | undefined;
let logged: string[] = [];
const clients: Array<RawClient | Socket> = [];

async function start(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  logged = [];
  const log = (line: string) => void logged.push(line);
  broker = await startEmbeddedBroker({ port: 0, log: { debug: log, info: log, warn: log }, ...options });
  return broker;
}

async function open(): Promise<RawClient> {
  const client = await RawClient.open(broker!.port);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) (client instanceof RawClient ? client.socket : client).destroy();
  await broker?.stop();
  broker = undefined;
});

const topicName = () => `firehose-test-${randomBytes(4).toString('hex')}`;

function fetchBody(partitions: Array<{ topic: string; partition: number; partitionMaxBytes: number }>, maxBytes: number, maxWaitMs = 0): Message {
  const byTopic = new Map<string, Message[]>();
  for (const p of partitions) {
    const list = byTopic.get(p.topic) ?? [];
    list.push({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: p.partitionMaxBytes });
    byTopic.set(p.topic, list);
  }
  return {
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [...byTopic].map(([topic, parts]) => ({ topic, partitions: parts })), forgottenTopicsData: [], rackId: '',
  };
}

/** The sizes of the whole batches in a Fetch answer's records. */
function batchSizes(records: Buffer | null): number[] {
  const sizes: number[] = [];
  for (let at = 0; records && at + 12 <= records.length; ) {
    const size = 12 + records.readInt32BE(at + 8);
    sizes.push(size);
    at += size;
  }
  return sizes;
}

async function createTopic(client: RawClient, name: string, partitions: number): Promise<void> {
  const created = await client.request(API_KEY.CreateTopics, 4, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
  expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
}

/** Appends `count` batches of one ~1 KB record each to a partition. */
async function fill(client: RawClient, topic: string, partition: number, count: number): Promise<number> {
  let size = 0;
  for (let i = 0; i < count; i++) {
    const records = encodeBatch({ records: [{ key: null, value: `${i}:`.padEnd(1000, 'x') }], timestamp: BigInt(Date.now()) });
    size = records.length;
    const answer = await client.request(API_KEY.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
    expect(answer.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
  }
  return size;
}

/** A request frame as a client sends it (size prefix included). */
function requestFrame(apiKey: number, version: number, body: Message): Buffer {
  const api = apiByKey(apiKey)!;
  const writer = new Writer().int32(0).int16(apiKey).int16(version).int32(1).string('limits-test');
  if (version >= api.request.flexibleFrom) writer.uvarint(0);
  encodeMessage(writer, api.request, version, body);
  const frame = writer.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

function rawSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(broker!.port, '127.0.0.1');
    clients.push(socket);
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket)).once('error', reject);
  });
}

const isClosed = (socket: Socket) => socket.destroyed || socket.readyState === 'closed';
const closedOf = (socket: Socket) => new Promise<void>((resolve) => (isClosed(socket) ? resolve() : socket.once('close', () => resolve())));

describe('Fetch byte limits', () => {
  it('answers a tiny maxBytes with one whole batch, and fills up to maxBytes otherwise', async () => {
    await start();
    const client = await open();
    const topic = topicName();
    await createTopic(client, topic, 1);
    const batch = await fill(client, topic, 0, 20);

    const tiny = await client.request(API_KEY.Fetch, 11, fetchBody([{ topic, partition: 0, partitionMaxBytes: 1 << 20 }], 1));
    expect(batchSizes(tiny.responses[0].partitions[0].records)).toEqual([batch]);

    const some = await client.request(API_KEY.Fetch, 11, fetchBody([{ topic, partition: 0, partitionMaxBytes: 1 << 20 }], batch * 3 + 10));
    expect(batchSizes(some.responses[0].partitions[0].records)).toEqual([batch, batch, batch]);

    // partitionMaxBytes binds as well as maxBytes.
    const perPartition = await client.request(API_KEY.Fetch, 11, fetchBody([{ topic, partition: 0, partitionMaxBytes: batch * 2 }], 1 << 20));
    expect(batchSizes(perPartition.responses[0].partitions[0].records)).toEqual([batch, batch]);
  });

  it('gives only the first partition with data a batch over the limits; later ones get nothing that does not fit', async () => {
    await start();
    const client = await open();
    const topic = topicName();
    await createTopic(client, topic, 3);
    const batch = await fill(client, topic, 1, 3);
    await fill(client, topic, 2, 3);
    const answer = await client.request(
      API_KEY.Fetch,
      11,
      fetchBody([0, 1, 2].map((partition) => ({ topic, partition, partitionMaxBytes: 10 })), 1 << 20),
    );
    const [empty, first, second] = answer.responses[0].partitions as Message[];
    expect(batchSizes(empty!.records)).toEqual([]);
    expect(batchSizes(first!.records)).toEqual([batch]);
    expect(second!.errorCode).toBe(ErrorCode.NONE);
    expect(second!.highWatermark).toBe(3n);
    expect(batchSizes(second!.records)).toEqual([]);
  });

  it("caps a Fetch at the broker's fetchMaxBytes, however often a partition is named", async () => {
    await start({ fetchMaxBytes: 20_000 });
    const client = await open();
    const topic = topicName();
    await createTopic(client, topic, 1);
    const batch = await fill(client, topic, 0, 50);
    // A small request (one partition named 200 times) that asks for 2 GiB.
    const named = Array.from({ length: 200 }, () => ({ topic, partition: 0, partitionMaxBytes: 0x7fffffff }));
    expect(requestFrame(API_KEY.Fetch, 11, fetchBody(named, 0x7fffffff)).length).toBeLessThan(8_000);
    const answer = await client.request(API_KEY.Fetch, 11, fetchBody(named, 0x7fffffff));
    const total = (answer.responses[0].partitions as Message[]).reduce((sum, p) => sum + batchSizes(p.records).reduce((a, b) => a + b, 0), 0);
    expect(total).toBeGreaterThanOrEqual(batch);
    expect(total).toBeLessThanOrEqual(20_000);
  });
});

describe('requests naming many partitions', () => {
  it('refuses a Fetch naming more than maxItemsPerRequest partitions before decoding it, and keeps answering others', async () => {
    await start({ maxItemsPerRequest: 100_000 });
    const big = await rawSocket();
    const other = await open();
    const partitions = Array.from({ length: 200_000 }, (_, partition) => ({ topic: 'nowhere', partition, partitionMaxBytes: 1024 }));
    big.write(requestFrame(API_KEY.Fetch, 11, fetchBody(partitions, 1 << 20)));
    const versions = await other.request(API_KEY.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(versions.errorCode).toBe(ErrorCode.NONE);
    await closedOf(big);
    expect(logged.some((l) => /Fetch lists more than 100000 topics, partitions or other entries \(maxItemsPerRequest\)/.test(l)), logged.join('\n')).toBe(true);
    const meta = await other.request(API_KEY.Metadata, 1, { topics: null });
    expect(meta.brokers[0].port).toBe(broker!.port);
  });

  it('answers another connection while a large Fetch is being worked through', async () => {
    await start({ maxItemsPerRequest: 100_000 });
    const big = await open();
    const other = await open();
    const partitions = Array.from({ length: 60_000 }, (_, partition) => ({ topic: 'nowhere', partition, partitionMaxBytes: 1024 }));
    const order: string[] = [];
    // The fetch handler looks each partition up: once it has, the broker is working through the request.
    const lookups = vi.spyOn(broker!.broker.topics, 'partition');
    const fetched = big.request(API_KEY.Fetch, 11, fetchBody(partitions, 1 << 20)).then((answer) => {
      order.push('fetch');
      return answer;
    });
    await waitFor(() => lookups.mock.calls.length > 0, { timeoutMs: 20_000, what: 'the broker to start on the Fetch', intervalMs: 1 });
    expect(lookups.mock.calls.length).toBeLessThan(60_000);
    const versions = await other.request(API_KEY.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    order.push('apiVersions');
    expect(versions.errorCode).toBe(ErrorCode.NONE);
    const answer = await fetched;
    expect(order).toEqual(['apiVersions', 'fetch']);
    expect(answer.responses[0].partitions).toHaveLength(60_000);
    expect(answer.responses[0].partitions[59_999]).toMatchObject({ partitionIndex: 59_999, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  });

  it('refuses a Metadata naming more topics than the limit, and answers each topic once', async () => {
    await start({ maxItemsPerRequest: 1000, autoCreateTopics: false });
    const client = await open();
    const topic = topicName();
    await createTopic(client, topic, 2);
    const twice = await client.request(API_KEY.Metadata, 9, { topics: Array.from({ length: 500 }, () => ({ name: topic })), allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(twice.topics).toHaveLength(1);
    expect(twice.topics[0].partitions).toHaveLength(2);

    const tooMany = await rawSocket();
    tooMany.write(requestFrame(API_KEY.Metadata, 9, { topics: Array.from({ length: 1001 }, (_, i) => ({ name: `t${i}` })), allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
    await closedOf(tooMany);
    expect(logged.some((l) => /Metadata lists more than 1000/.test(l)), logged.join('\n')).toBe(true);
  });

  it('answers a partition named twice in ListOffsets with INVALID_REQUEST, as Kafka does', async () => {
    await start();
    const client = await open();
    const topic = topicName();
    await createTopic(client, topic, 2);
    const answer = await client.request(API_KEY.ListOffsets, 2, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 1, timestamp: -1n }, { partitionIndex: 0, timestamp: -2n }] }],
    });
    expect((answer.topics[0].partitions as Message[]).map((p) => p.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.NONE, ErrorCode.INVALID_REQUEST]);
  });

  it('counts the entries of a frame without decoding it, stopping past the limit', () => {
    const frame = requestFrame(API_KEY.Fetch, 12, fetchBody([{ topic: 'a', partition: 0, partitionMaxBytes: 1 }, { topic: 'a', partition: 1, partitionMaxBytes: 1 }, { topic: 'b', partition: 0, partitionMaxBytes: 1 }], 1)).subarray(4);
    expect(countRequestItems(frame, 100)).toBe(5); // two topics, three partitions
    expect(countRequestItems(frame, 3)).toBe(4);
    expect(countRequestItems(frame.subarray(0, 20), 100)).toBe(0); // cut short: the decoder reports it
  });
});

describe('Metadata auto-creation', () => {
  it('creates at most maxAutoCreatesPerRequest topics per request; the rest are LEADER_NOT_AVAILABLE until asked again', async () => {
    await start({ maxAutoCreatesPerRequest: 10 });
    const client = await open();
    const prefix = topicName();
    const names = Array.from({ length: 25 }, (_, i) => `${prefix}-${i}`);
    const ask = () => client.request(API_KEY.Metadata, 9, { topics: [...names, ...names].map((name) => ({ name })), allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    const codes = async () => ((await ask()).topics as Message[]).map((t) => t.errorCode);
    const none = (list: number[]) => list.filter((c) => c === ErrorCode.NONE).length;
    const first = await codes();
    expect(first).toHaveLength(25);
    expect(none(first)).toBe(10);
    expect(first.filter((c) => c === ErrorCode.LEADER_NOT_AVAILABLE)).toHaveLength(15);
    expect(broker!.broker.topics.list()).toHaveLength(10);
    expect(logged.some((l) => /created 10 \(maxAutoCreatesPerRequest\), the other 15 are answered LEADER_NOT_AVAILABLE/.test(l)), logged.join('\n')).toBe(true);
    expect(none(await codes())).toBe(20);
    expect(none(await codes())).toBe(25);
  });
});

describe('unfinished requests', () => {
  it('closes connections whose unfinished requests would take all connections over maxBufferedBytes, and releases their bytes', async () => {
    const budget = 1024 * 1024;
    await start({ maxRequestBytes: budget, maxBufferedBytes: budget });
    const healthy = await open();
    const partial = (size: number, sent: number) => {
      const frame = Buffer.alloc(sent);
      frame.writeInt32BE(size - 4, 0);
      return frame;
    };
    const sockets: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const socket = await rawSocket();
      sockets.push(socket);
      socket.write(partial(900 * 1024, 300 * 1024));
      // Each one's bytes arrive (or close it) before the next starts, so which ones are closed is known.
      await waitFor(() => isClosed(socket) || bufferedRequestBytes(broker!.broker) >= (i + 1) * 300 * 1024, { timeoutMs: 10_000, what: `connection ${i}'s bytes`, intervalMs: 10 });
    }
    await closedOf(sockets[3]!);
    expect(sockets.slice(0, 3).map(isClosed)).toEqual([false, false, false]);
    expect(bufferedRequestBytes(broker!.broker)).toBe(900 * 1024);
    expect(logged.filter((l) => /maxBufferedBytes/.test(l)), logged.join('\n')).toHaveLength(1);

    // The broker still answers a whole request, and a closed connection's bytes are given back.
    const versions = await healthy.request(API_KEY.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(versions.errorCode).toBe(ErrorCode.NONE);
    for (const socket of sockets) socket.destroy();
    await waitFor(() => bufferedRequestBytes(broker!.broker) === 0, { timeoutMs: 10_000, what: 'the buffered bytes to be released', intervalMs: 10 });
  });

  it('closes a connection whose request is not whole frameTimeoutMs after it began; whole requests are not timed', async () => {
    await start({ frameTimeoutMs: 300 });
    const healthy = await open();
    const topic = topicName();
    await createTopic(healthy, topic, 1);
    const stalled = await rawSocket();
    const stalledPrefix = await rawSocket();
    stalled.write(Buffer.concat([Buffer.from([0, 0, 0, 100]), Buffer.alloc(10)]));
    stalledPrefix.write(Buffer.from([0, 0]));
    // A long-polling fetch longer than the frame timeout, with a whole request queued behind it.
    const fetching = healthy.request(API_KEY.Fetch, 11, fetchBody([{ topic, partition: 0, partitionMaxBytes: 1024 }], 1024, 1000));
    const queued = healthy.request(API_KEY.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    await Promise.all([closedOf(stalled), closedOf(stalledPrefix)]);
    expect(logged.filter((l) => /not complete 300 ms after it began \(14 of 104 bytes arrived; frameTimeoutMs\)/.test(l)), logged.join('\n')).toHaveLength(1);
    expect(logged.filter((l) => /not complete 300 ms after it began \(2 bytes arrived; frameTimeoutMs\)/.test(l)), logged.join('\n')).toHaveLength(1);
    expect((await fetching).responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect((await queued).errorCode).toBe(ErrorCode.NONE);
    expect(healthy.socket.destroyed).toBe(false);
    expect(bufferedRequestBytes(broker!.broker)).toBe(0);
  });
});
