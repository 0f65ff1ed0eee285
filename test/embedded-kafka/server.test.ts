// The embedded broker on a real socket: what a misbehaving client gets, and
// the behaviours no other suite reaches (ApiVersions fallback, codecs,
// auto-create off, record deletion).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVED_APIS } from '../../src/embedded-kafka/apis.js';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { Message } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { encodeBatch } from '../support/record-batch.js';
import { seededRandom } from '../support/random.js';

let broker: EmbeddedBroker;
const logged: string[] = [];

beforeAll(async () => {
  const log = (line: string) => void logged.push(line);
  broker = await startEmbeddedBroker({ port: 0, autoCreateTopics: false, maxRequestBytes: 64 * 1024, log: { debug: log, info: log, warn: log } });
});
afterAll(() => broker?.stop());

/** One batch holding `values` without keys (0 none, 1 gzip, 2 snappy bits). */
function recordBatch(values: string[], compression = 0): Buffer {
  return encodeBatch({ records: values.map((value) => ({ key: null, value })), compression, timestamp: BigInt(Date.now()) });
}

async function createTopic(client: RawClient, name: string): Promise<void> {
  const created = await client.request(API_KEY.CreateTopics, 4, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
  expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
}

function produce(client: RawClient, topic: string, records: Buffer): Promise<Message> {
  return client.request(API_KEY.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
}

describe('embedded broker: protocol edges', () => {
  it('answers an ApiVersions version it does not serve with UNSUPPORTED_VERSION and its ranges (v0 body)', async () => {
    const client = await RawClient.open(broker.port);
    const answer = await client.request(API_KEY.ApiVersions, 4 as number, {});
    expect(answer.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(answer.apiKeys.find((k: Message) => k.apiKey === API_KEY.ApiVersions)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 });
    // The connection stays usable: the client retries at a version we serve.
    const retry = await client.request(API_KEY.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(retry.errorCode).toBe(ErrorCode.NONE);
    expect(retry.apiKeys.map((k: Message) => k.apiKey)).toContain(API_KEY.Fetch);
    client.close();
  });

  it('closes the connection on a malformed frame, an unknown API or an oversize request, and keeps serving others', async () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['garbage', Buffer.from([0, 0, 0, 3, 1, 2, 3]), /malformed request/],
      ['unknown API', new Writer().int32(10).int16(999).int16(0).int32(1).int16(-1).toBuffer(), /API key 999/],
      ['oversize', new Writer().int32(10_000_000).toBuffer(), /over the 65536-byte limit/],
    ];
    for (const [name, bytes, line] of cases) {
      const client = await RawClient.open(broker.port);
      client.sendRaw(bytes);
      await client.closed;
      expect(logged.some((l) => line.test(l)), `${name}: ${logged.join('\n')}`).toBe(true);
    }
    const healthy = await RawClient.open(broker.port);
    const meta = await healthy.request(API_KEY.Metadata, 1, { topics: null });
    expect(meta.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: broker.port, rack: null }]);
    healthy.close();
  });

  it('does not create unknown topics when auto-create is off', async () => {
    const client = await RawClient.open(broker.port);
    const meta = await client.request(API_KEY.Metadata, 8, { topics: [{ name: 'never-created' }], allowAutoTopicCreation: true });
    expect(meta.topics[0]).toMatchObject({ name: 'never-created', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    client.close();
  });

  it('stores batches of any codec as they came, and names a codec Kafka does not define', async () => {
    const client = await RawClient.open(broker.port);
    await createTopic(client, 'codecs');
    const gz = await produce(client, 'codecs', recordBatch(['a', 'b'], 1));
    expect(gz.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    const snappy = await produce(client, 'codecs', recordBatch(['c'], 2));
    expect(snappy.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });
    const undefinedCodec = await client.request(API_KEY.Produce, 8, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'codecs', partitionData: [{ index: 0, records: recordBatch(['d'], 6) }] }] });
    expect(undefinedCodec.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(undefinedCodec.responses[0].partitionResponses[0].errorMessage).toMatch(/codec 6, which Kafka does not define/);
    client.close();
  });

  it('long-polls a fetch until records arrive, then answers with them', async () => {
    const client = await RawClient.open(broker.port);
    await createTopic(client, 'longpoll');
    const fetching = client.request(API_KEY.Fetch, 11, {
      replicaId: -1, maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'longpoll', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const producer = await RawClient.open(broker.port);
    await produce(producer, 'longpoll', recordBatch(['x', 'y', 'z']));
    const answer = await fetching;
    const partition = answer.responses[0].partitions[0];
    expect(partition.highWatermark).toBe(3n);
    expect((partition.records as Buffer).readBigInt64BE(0)).toBe(0n); // the batch, as stored
    client.close();
    producer.close();
  });

  it('answers a fetch naming no partition at once, as Kafka does (Java\'s consumer sends one on close and waits for it)', async () => {
    const client = await RawClient.open(broker.port);
    const started = Date.now();
    const answer = await client.request(API_KEY.Fetch, 12, {
      replicaId: -1, maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [], forgottenTopicsData: [], rackId: '',
    });
    expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, responses: [] });
    // Long-polled, it would have taken its whole 30 s maxWait.
    expect(Date.now() - started).toBeLessThan(10_000);
    client.close();
  });

  it('is the coordinator for transactional ids (key type 1) as for groups (key type 0)', async () => {
    const client = await RawClient.open(broker.port);
    const answer = await client.request(API_KEY.FindCoordinator, 3, { key: 'tx-1', keyType: 1 });
    expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 0, port: broker.port });
    const group = await client.request(API_KEY.FindCoordinator, 3, { key: 'g', keyType: 0 });
    expect(group).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 0, port: broker.port });
    client.close();
  });

  it('deletes records before an offset and moves the log start', async () => {
    const client = await RawClient.open(broker.port);
    await createTopic(client, 'trim');
    await produce(client, 'trim', recordBatch(['1', '2']));
    await produce(client, 'trim', recordBatch(['3']));
    const trimmed = await client.request(API_KEY.DeleteRecords, 1, { topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, offset: 2n }] }], timeoutMs: 1000 });
    expect(trimmed.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 2n });
    const earliest = await client.request(API_KEY.ListOffsets, 2, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, timestamp: -2n }] }] });
    expect(earliest.topics[0].partitions[0].offset).toBe(2n);
    client.close();
  });
});

describe('embedded broker: random frames', () => {
  it('answers or closes the connection for 300 random requests to served APIs, and keeps serving', async () => {
    const seed = 20261124;
    const next = seededRandom(seed);
    for (let i = 0; i < 300; i++) {
      const api = SERVED_APIS[Math.floor(next() * SERVED_APIS.length)]!;
      const version = api.minVersion + Math.floor(next() * (api.maxVersion - api.minVersion + 1));
      const body = Buffer.from(Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256)));
      const frame = new Writer().int32(0).int16(api.key).int16(version).int32(i).string('fuzz').raw(body).toBuffer();
      frame.writeInt32BE(frame.length - 4, 0);
      const client = await RawClient.open(broker.port);
      const answered = new Promise<string>((resolve) => {
        client.socket.once('data', () => resolve('answered'));
        void client.closed.then(() => resolve('closed'));
      });
      client.sendRaw(frame);
      // Fetch and JoinGroup may wait for data or members: an answer, a close, or a
      // request still waiting are all fine; what must not happen is the broker dying.
      await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, 50))]);
      client.close();
    }
    const healthy = await RawClient.open(broker.port);
    const meta = await healthy.request(API_KEY.Metadata, 1, { topics: null });
    expect(meta.brokers[0].port, `seed ${seed}`).toBe(broker.port);
    healthy.close();
  });
});
