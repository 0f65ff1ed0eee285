// A firehose KafkaClient on the test broker, for tests that call core modules directly.
import { resolveConnection } from '../../src/config/connection.js';
import { createKafkaClient, type KafkaClient } from '../../src/kafka/connect.js';
import { silentLogger } from '../../src/logger.js';
import { kafkaFromTests } from './kafka-env.js';
import { waitFor } from './wait.js';

export async function testKafkaClient(): Promise<KafkaClient> {
  return createKafkaClient(resolveConnection({ bootstrap: kafkaFromTests().bootstrap }, {}, {}), { env: {}, log: silentLogger });
}

/** Creates a topic with `partitions` partitions through the admin API and waits until every partition has a leader. */
export async function createTestTopic(client: KafkaClient, topic: string, partitions = 3): Promise<void> {
  const admin = await client.admin();
  await admin.createTopics([{ name: topic, partitions, replicationFactor: 1 }]);
  await waitFor(async () => {
    const t = await admin.topic(topic);
    return t?.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0);
  }, { timeoutMs: 30_000, what: `topic ${topic} to have a leader for each of its ${partitions} partitions` });
}
