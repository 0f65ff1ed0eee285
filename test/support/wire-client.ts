// firehose's own Kafka client (src/kafka/wire/) on the test broker, for its tests. Topics
// are made with the client itself, so these tests need nothing from the CLI.
import { Cluster } from '../../src/kafka/wire/cluster.js';
import { responseError } from '../../src/kafka/wire/errors.js';
import { kafkaFromTests, uniqueName } from './kafka-env.js';

/** A Cluster on the test broker's plaintext listener; close it in afterEach. */
export function testCluster(bootstrap = kafkaFromTests().bootstrap): Cluster {
  return new Cluster({ bootstrap: [bootstrap], clientId: 'firehose-wire-test', connectTimeoutMs: 5_000 });
}

/** Creates a fresh topic with CreateTopics and waits for its leaders; returns its name. */
export async function newWireTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = uniqueName(prefix);
  const cluster = testCluster();
  try {
    const connection = await cluster.connect();
    const answer = await connection.request('CreateTopics', { topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1 }], timeoutMs: 30_000 });
    const created = answer.topics[0];
    if (!created || created.errorCode !== 0) throw responseError(created?.errorCode ?? -1, `creating ${topic}: ${created?.errorMessage ?? 'no answer'}`);
    await cluster.topic(topic);
  } finally {
    await cluster.close();
  }
  return topic;
}
