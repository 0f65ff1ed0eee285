// The consumer protocol's payloads inside the group APIs (Kafka's
// ConsumerProtocolSubscription.json and ConsumerProtocolAssignment.json): the
// subscription a member puts in JoinGroup's protocol metadata and the assignment the
// leader hands out in SyncGroup. Not APIs of their own: each is an int16 version
// followed by the struct, never flexible. Java, librdkafka and firehose members of
// one group read each other's, so the fields are transcribed as Kafka declares them.
import { arr, f, message } from '../schema.js';

/** The highest version of both payloads transcribed here (Kafka 2.8 and later write 3). */
export const CONSUMER_PROTOCOL_VERSION = 3;

/** The protocolType of consumer groups in JoinGroup and SyncGroup. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export const ConsumerProtocolSubscription = message(Infinity, [
  arr('topics', 'string', '0+'),
  f('userData', 'bytes', '0+', { nullableVersions: '0+', default: null }),
  arr('ownedPartitions', [f('topic', 'string', '1+'), arr('partitions', 'int32', '1+')], '1+'),
  f('generationId', 'int32', '2+', { default: -1 }),
  f('rackId', 'string', '3+', { nullableVersions: '3+', default: null }),
]);

export const ConsumerProtocolAssignment = message(Infinity, [
  arr('assignedPartitions', [f('topic', 'string', '0+'), arr('partitions', 'int32', '0+')], '0+'),
  f('userData', 'bytes', '0+', { nullableVersions: '0+', default: null }),
]);
