// Large answers on real sockets: a Metadata answer over many topics is whole and
// carries its own correlation id, and no byte of one connection's records ever
// shows up in another connection's answer (a writer bug once sent unwritten
// memory, other clients' record values among it).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { Reader } from '../../src/protocol/reader.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { encodeBatch } from '../support/record-batch.js';

let broker: EmbeddedBroker;
const TOPICS = 400;

beforeAll(async () => {
  broker = await startEmbeddedBroker({ port: 0, autoCreateTopics: false });
  const admin = await RawClient.open(broker.port);
  const topics = Array.from({ length: TOPICS }, (_, t) => ({ name: `many-${t}`, numPartitions: t === 0 ? 1000 : 2, replicationFactor: 1, assignments: [], configs: [] }));
  const created = await admin.request(API_KEY.CreateTopics, 4, { topics, timeoutMs: 10_000, validateOnly: false });
  expect(created.topics.every((t: { errorCode: number }) => t.errorCode === ErrorCode.NONE)).toBe(true);
  admin.close();
});
afterAll(() => broker?.stop());

describe('large answers', () => {
  it('a Metadata answer over 400 topics (one with 1000 partitions) is complete at every version', async () => {
    const client = await RawClient.open(broker.port);
    for (const version of [1, 4, 8, 9, 12]) {
      const meta = await client.request(API_KEY.Metadata, version, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      const mine = meta.topics.filter((t: { name: string }) => t.name.startsWith('many-'));
      expect(mine, `v${version}`).toHaveLength(TOPICS);
      const big = mine.find((t: { name: string }) => t.name === 'many-0');
      expect(big.partitions.map((p: { partitionIndex: number }) => p.partitionIndex).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 1000 }, (_, p) => p));
      expect(meta.brokers[0].port).toBe(broker.port);
    }
    client.close();
  });

  it('never puts one connection\'s record values into another connection\'s answers', async () => {
    const marker = randomBytes(12).toString('hex');
    const producer = await RawClient.open(broker.port);
    const reader = await RawClient.open(broker.port);
    const values = Array.from({ length: 50 }, (_, i) => `${marker}-${i}-${'v'.repeat(200)}`);
    const correlations = new Set<number>();
    for (let round = 0; round < 30; round++) {
      // Records that hold the marker go through the broker's memory between the Metadata answers.
      const produced = producer.request(API_KEY.Produce, 7, {
        transactionalId: null, acks: 1, timeoutMs: 5000,
        topicData: [{ name: `many-${1 + (round % 10)}`, partitionData: [{ index: 0, records: encodeBatch({ records: values.map((value) => ({ key: marker, value })) }) }] }],
      });
      const frame = await reader.requestFrame(API_KEY.Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      expect((await produced).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
      expect(frame.length).toBeGreaterThan(16 * 1024);
      expect(frame.includes(marker), `round ${round}: the marker is in a Metadata answer`).toBe(false);
      correlations.add(new Reader(frame).int32());
    }
    expect(correlations.size).toBe(30);
    producer.close();
    reader.close();
  });
});
