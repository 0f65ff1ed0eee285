// createTopic against a fake admin client: what kafkajs does around CreateTopics that a
// real broker shows only now and then.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KafkaClient } from '../../src/kafka/connect.js';
import { translateKafkaError } from '../../src/kafka/errors.js';
import { loadKafkaJs } from '../../src/kafka/kafkajs.js';
import { createTopic } from '../../src/kafka/topics.js';

let kafkajs: typeof import('kafkajs');
beforeAll(async () => {
  kafkajs = await loadKafkaJs();
});

/** A KafkaClient whose admin creates `topic` and then fails the way `createTopics` says. */
function fakeClient(topic: string, createTopics: () => Promise<boolean>): { client: KafkaClient; exists: () => boolean } {
  let exists = false;
  const admin = {
    listTopics: async () => (exists ? [topic] : []),
    fetchTopicMetadata: async () => ({ topics: [{ name: topic, partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }] }] }),
    createTopics: async () => {
      exists = true;
      return createTopics();
    },
    fetchTopicOffsets: async () => [{ partition: 0, offset: '0', high: '0', low: '0' }],
  };
  const client = {
    admin: async () => admin,
    brokers: ['127.0.0.1:1'],
    settings: { connectTimeoutMs: 1_000 },
    translate: (error: unknown, what: string) => translateKafkaError(error, what, ['127.0.0.1:1']),
  } as unknown as KafkaClient;
  return { client, exists: () => exists };
}

describe('createTopic', () => {
  it('a topic the broker created but its metadata does not list yet (kafkajs\'s leader wait) is created, not "does not exist"', async () => {
    const notYet = new kafkajs.KafkaJSProtocolError({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true, message: 'This server does not host this topic-partition' } as unknown as Error);
    const { client } = fakeClient('t', async () => { throw notYet; });
    await expect(createTopic(client, { topic: 't', partitions: 1, replicas: 1, configs: {} })).resolves.toMatchObject({ topic: 't', created: true });
  });

  it('other failures are still reported', async () => {
    const invalid = new kafkajs.KafkaJSProtocolError({ type: 'INVALID_REPLICATION_FACTOR', code: 38, retriable: false, message: 'Replication-factor is invalid' } as unknown as Error);
    const { client } = fakeClient('t', async () => { throw invalid; });
    await expect(createTopic(client, { topic: 't', partitions: 1, replicas: 3, configs: {} })).rejects.toMatchObject({ code: 'REPLICAS_INVALID' });
  });
});
