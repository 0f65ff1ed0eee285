// firehose's own Kafka client (src/kafka/wire/) on the test broker, for its tests.
import { Cluster } from '../../src/kafka/wire/cluster.js';
import { kafkaFromTests } from './kafka-env.js';

/** A Cluster on the test broker's plaintext listener; close it in afterEach. */
export function testCluster(bootstrap = kafkaFromTests().bootstrap): Cluster {
  return new Cluster({ bootstrap: [bootstrap], clientId: 'firehose-wire-test', connectTimeoutMs: 5_000 });
}
