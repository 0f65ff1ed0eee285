// firehose's own Kafka client (src/kafka/wire/) on the test broker, for its tests. Topics
// are made with the client itself, so these tests need nothing from the CLI.
import { Cluster } from '../../src/kafka/wire/cluster.js';
import { Connection } from '../../src/kafka/wire/connection.js';
import { responseError } from '../../src/kafka/wire/errors.js';
import { Fetcher } from '../../src/kafka/wire/fetcher.js';
import { GroupConsumer, type GroupConsumerOptions } from '../../src/kafka/wire/group.js';
import { Producer } from '../../src/kafka/wire/producer.js';
import { BATCH_OFFSETS, COMPRESSION_CODECS } from '../../src/protocol/records.js';
import { kafkaFromTests, uniqueName } from './kafka-env.js';

/** A Cluster on the test broker's plaintext listener; close it in afterEach. */
export function testCluster(bootstrap = kafkaFromTests().bootstrap): Cluster {
  return new Cluster({ bootstrap: [bootstrap], clientId: 'firehose-wire-test', connectTimeoutMs: 5_000 });
}

/**
 * Creates a fresh topic with CreateTopics and waits until every partition answers at its
 * leader (ListOffsets); returns its name. Apache Kafka names a new partition's leader in
 * Metadata a moment before that broker serves it, and an acks=0 Produce it refuses in that
 * moment is dropped, connection and all.
 */
export async function newWireTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = uniqueName(prefix);
  const cluster = testCluster();
  try {
    const connection = await cluster.connect();
    const answer = await connection.request('CreateTopics', { topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1 }], timeoutMs: 30_000 });
    const created = answer.topics[0];
    if (!created || created.errorCode !== 0) throw responseError(created?.errorCode ?? -1, `creating ${topic}: ${created?.errorMessage ?? 'no answer'}`);
    await cluster.topic(topic);
    await new Fetcher(cluster).listOffsets(topic, Array.from({ length: partitions }, (_, p) => p), 'latest');
  } finally {
    await cluster.close();
  }
  return topic;
}

/** Writes `values` to `topic` with the wire producer, value i to partition i % partitions (0 when not given). */
export async function produceWire(topic: string, values: string[], partitions = 1): Promise<void> {
  const cluster = testCluster();
  try {
    const producer = new Producer(cluster, { acks: -1 });
    await producer.connect();
    for (const [i, value] of values.entries()) {
      const wait = producer.send(topic, { key: null, value, partition: i % partitions });
      if (wait) await wait;
    }
    await producer.flush();
  } finally {
    await cluster.close();
  }
}

/** Whether this Node has zstd (node:zlib, 22.15+ / 23.8+): firehose reads zstd batches only where it does. */
export const hasZstd = typeof (await import('node:zlib') as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';

/**
 * The codecs of the batches stored in `topic`-`partition` (their attributes' low bits), in
 * order, from one raw Fetch at offset 0 to the partition's leader: what the broker kept, as
 * the producer sent it.
 */
export async function storedCodecs(topic: string, partition: number, bootstrap = kafkaFromTests().bootstrap): Promise<string[]> {
  const cluster = testCluster(bootstrap);
  try {
    const t = await cluster.topic(topic);
    const connection = await cluster.connection(t.leaders[partition]!);
    const answer = await connection.request('Fetch', {
      replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '',
    });
    const records = answer.responses[0]!.partitions[0]!.records!;
    const codecs: string[] = [];
    for (let at = 0; at + BATCH_OFFSETS.recordCount < records.length; at += 12 + records.readInt32BE(at + BATCH_OFFSETS.batchLength)) {
      codecs.push(COMPRESSION_CODECS[records.readInt16BE(at + BATCH_OFFSETS.attributes) & 7]!);
    }
    return codecs;
  } finally {
    await cluster.close();
  }
}

/** The codec of the first batch stored in `topic`-`partition`. */
export async function storedCodec(topic: string, partition: number, bootstrap?: string): Promise<string> {
  return (await storedCodecs(topic, partition, bootstrap))[0]!;
}

/** Runs `work` on a connection to the group's coordinator. */
async function onCoordinator<T>(groupId: string, work: (coordinator: Connection) => Promise<T>): Promise<T> {
  const cluster = testCluster();
  try {
    const any = await cluster.connect();
    const found = await any.request('FindCoordinator', { key: groupId, keyType: 0 });
    if (found.errorCode !== 0) throw responseError(found.errorCode, `finding the coordinator of ${groupId}`);
    const coordinator = await Connection.open({ host: found.host, port: found.port, clientId: 'firehose-wire-test' });
    try {
      return await work(coordinator);
    } finally {
      coordinator.close();
    }
  } finally {
    await cluster.close();
  }
}

/** The group's state, chosen assignor and members as its coordinator describes them. */
export async function describeWireGroup(groupId: string): Promise<{ state: string; protocol: string; members: Array<{ memberId: string; clientId: string }> }> {
  return onCoordinator(groupId, async (coordinator) => {
    const answer = await coordinator.request('DescribeGroups', { groups: [groupId] });
    const group = answer.groups[0]!;
    if (group.errorCode !== 0) throw responseError(group.errorCode, `describing ${groupId}`);
    return { state: group.groupState, protocol: group.protocolData, members: group.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId })) };
  });
}

/** Removes a member from its group from outside (LeaveGroup v3+ naming it), as an admin would: its next heartbeat learns it is gone. */
export async function removeGroupMember(groupId: string, memberId: string): Promise<void> {
  await onCoordinator(groupId, async (coordinator) => {
    const answer = await coordinator.request('LeaveGroup', { groupId, members: [{ memberId, groupInstanceId: null, reason: 'removed by the test' }] });
    const code = answer.errorCode || answer.members.find((m) => m.errorCode !== 0)?.errorCode || 0;
    if (code !== 0) throw responseError(code, `removing ${memberId} from ${groupId}`);
  });
}

/** A group member reading in the background; what it read so far, in order. */
export interface RunningMember {
  consumer: GroupConsumer;
  /** The member's own cluster (its connections). */
  cluster: Cluster;
  records: Array<{ partition: number; offset: number; value: string }>;
  /** The read loop's failure, if it failed. */
  error: Error | undefined;
  /** Closes the member (commit, leave), ends its loop and closes its cluster. */
  close(): Promise<void>;
}

/** Starts a wire group member that reads every batch it is given into `records`. */
export function runGroupMember(options: GroupConsumerOptions, process?: (batch: { partition: number; records: unknown[] }) => Promise<void>): RunningMember {
  const cluster = testCluster();
  const consumer = new GroupConsumer(cluster, { offsetReset: 'earliest', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 20_000, fetch: { maxWaitMs: 100 }, ...options });
  const member: RunningMember = {
    consumer,
    cluster,
    records: [],
    error: undefined,
    close: async () => {
      await consumer.close();
      await loop;
      await cluster.close();
    },
  };
  const loop = (async () => {
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) member.records.push({ partition: batch.partition, offset: r.offset, value: r.value!.toString() });
      await process?.(batch);
    }
  })().catch((error: Error) => {
    member.error = error;
  });
  return member;
}
