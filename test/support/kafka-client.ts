// A firehose KafkaClient on the test broker, for tests that call core modules directly.
import { resolveConnection } from '../../src/config/connection.js';
import { createKafkaClient, type KafkaClient } from '../../src/kafka/connect.js';
import { silentLogger } from '../../src/logger.js';
import { kafkaFromTests } from './kafka-env.js';

export async function testKafkaClient(): Promise<KafkaClient> {
  return createKafkaClient(resolveConnection({ bootstrap: kafkaFromTests().bootstrap }, {}, {}), { env: {}, log: silentLogger });
}

/** Creates a topic with `partitions` partitions through the admin API. */
export async function createTestTopic(client: KafkaClient, topic: string, partitions = 3): Promise<void> {
  const admin = await client.admin();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
}
