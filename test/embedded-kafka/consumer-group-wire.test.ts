// KIP-848 on the wire, through RawClient against the suite's broker: the same requests go
// to Apache Kafka 4.x in the main run and to the embedded broker in the embedded run, so the
// answers checked here are Kafka's own. ConsumerGroupHeartbeat v1 (join, heartbeat, fencing,
// leave), ConsumerGroupDescribe, OffsetCommit v9 / OffsetFetch v9 with the member epoch,
// ListGroups v5's type filter, DescribeGroups of a consumer group, and a classic JoinGroup
// into it (where the embedded broker differs, and says so).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { Message } from '../../src/protocol/schema.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { waitFor } from '../support/wait.js';

const kafka = kafkaFromTests();
let client: RawClient;
let topic: string;
let topicId: string;

/** Errors a coordinator answers while it is still starting (Apache Kafka's __consumer_offsets). */
const NOT_READY = new Set<number>([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

beforeAll(async () => {
  const [host, port] = [kafka.bootstrap.slice(0, kafka.bootstrap.lastIndexOf(':')), Number(kafka.bootstrap.slice(kafka.bootstrap.lastIndexOf(':') + 1))];
  client = await RawClient.open(port, host);
  topic = uniqueName('kip848-wire');
  const created = await client.request(API_KEY.CreateTopics, 4, {
    topics: [{ name: topic, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false,
  });
  expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
  topicId = await waitFor(async () => {
    const meta = await client.request(API_KEY.Metadata, 12, { topics: [{ topicId: '0'.repeat(32), name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const t = meta.topics[0];
    return t.errorCode === ErrorCode.NONE && t.partitions.length === 2 ? (t.topicId as string) : undefined;
  }, { timeoutMs: 30_000, what: `topic ${topic} with its id` });
  // Apache Kafka's group coordinator learns of the topic from its own metadata image, a moment
  // after Metadata answers with it: until then a member is given nothing. Probe groups join and
  // leave until one is given both partitions, so the tests' first join sees the topic.
  await waitFor(async () => {
    const probe = uniqueName('kip848-probe');
    const memberId = newMemberId();
    const joined = await heartbeat(joinBody(probe, memberId));
    await heartbeat({ ...joinBody(probe, memberId), memberEpoch: -1, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: null });
    return joined.assignment?.topicPartitions?.[0]?.partitions?.length === 2;
  }, { timeoutMs: 30_000, what: `the group coordinator to see topic ${topic}` });
});

afterAll(() => client?.close());

/** A Java-like member id: 16 random bytes in base64url (KIP-1082, ConsumerGroupHeartbeat v1). */
const newMemberId = () => randomBytes(16).toString('base64url');

async function heartbeat(body: Message, version = 1): Promise<Message> {
  return waitFor(async () => {
    // Apache Kafka creates __consumer_offsets on the first FindCoordinator.
    await client.request(API_KEY.FindCoordinator, 3, { key: body.groupId, keyType: 0 });
    const answer = await client.request(API_KEY.ConsumerGroupHeartbeat, version, body);
    return NOT_READY.has(answer.errorCode) ? undefined : answer;
  }, { timeoutMs: 30_000, what: 'the group coordinator to answer ConsumerGroupHeartbeat' });
}

function joinBody(groupId: string, memberId: string, over: Message = {}): Message {
  return { groupId, memberId, memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [topic], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [], ...over };
}

describe('KIP-848 requests, answered as Apache Kafka 4.x answers them', () => {
  it('a member joins, commits and fetches at its epoch, is described and listed, and leaves', async () => {
    const groupId = uniqueName('kip848-wire');
    const memberId = newMemberId();
    const joined = await heartbeat(joinBody(groupId, memberId));
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, memberId, memberEpoch: 1, heartbeatIntervalMs: 500 });
    expect(joined.assignment.topicPartitions).toEqual([{ topicId, partitions: [0, 1] }]);

    // An epoch the coordinator never gave, and a member it does not know.
    expect((await heartbeat({ ...joinBody(groupId, memberId), memberEpoch: 5, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: null })).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    expect((await heartbeat({ ...joinBody(groupId, newMemberId()), memberEpoch: 1 })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // The member is still in at epoch 1 (a fenced request changes nothing).
    expect(await heartbeat({ ...joinBody(groupId, memberId), memberEpoch: 1, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: null })).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1, assignment: null });

    const commit = async (version: number, epoch: number) => (await client.request(API_KEY.OffsetCommit, version, {
      groupId, generationId: epoch, memberId, groupInstanceId: null,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    })).topics[0].partitions[0].errorCode;
    expect(await commit(9, 1)).toBe(ErrorCode.NONE);
    expect(await commit(9, 0)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(await commit(8, 1)).toBe(ErrorCode.UNSUPPORTED_VERSION);

    const fetchAt = async (epoch: number) => (await client.request(API_KEY.OffsetFetch, 9, {
      groups: [{ groupId, memberId, memberEpoch: epoch, topics: [{ name: topic, partitionIndexes: [0] }] }], requireStable: false,
    })).groups[0];
    const fetched = await fetchAt(1);
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.topics[0].partitions[0]).toMatchObject({ partitionIndex: 0, committedOffset: 3n, errorCode: ErrorCode.NONE });
    expect((await fetchAt(0)).errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);

    const described = (await client.request(API_KEY.ConsumerGroupDescribe, 0, { groupIds: [groupId], includeAuthorizedOperations: false })).groups[0];
    expect(described).toMatchObject({ errorCode: ErrorCode.NONE, groupId, groupEpoch: 1, assignmentEpoch: 1, assignorName: 'uniform' });
    expect(described.groupState.toLowerCase()).toBe('stable');
    expect(described.members).toHaveLength(1);
    expect(described.members[0]).toMatchObject({ memberId, memberEpoch: 1, subscribedTopicNames: [topic], assignment: { topicPartitions: [{ topicId, topicName: topic, partitions: [0, 1] }] } });

    const listed = async (typesFilter: string[]) =>
      (await client.request(API_KEY.ListGroups, 5, { statesFilter: [], typesFilter })).groups.filter((g: Message) => g.groupId === groupId);
    expect(await listed(['consumer'])).toEqual([{ groupId, protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' }]);
    expect(await listed(['classic'])).toEqual([]);
    // DescribeGroups (classic groups only) says Dead of it, without an error.
    const classic = (await client.request(API_KEY.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false })).groups[0];
    expect(classic).toMatchObject({ errorCode: ErrorCode.NONE, groupState: 'Dead' });

    const left = await heartbeat({ ...joinBody(groupId, memberId), memberEpoch: -1, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: null });
    expect(left).toMatchObject({ errorCode: ErrorCode.NONE, memberId, memberEpoch: -1 });
    expect(await listed([])).toEqual([{ groupId, protocolType: 'consumer', groupState: 'Empty', groupType: 'consumer' }]);
    // Its offsets stay.
    expect((await client.request(API_KEY.OffsetFetch, 9, { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }], requireStable: false })).groups[0].topics)
      .toEqual([{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: expect.any(Number), metadata: '', errorCode: ErrorCode.NONE }] }]);
  });

  it('refuses a v1 member without an id and an assignor it does not have', async () => {
    const groupId = uniqueName('kip848-wire');
    expect(await heartbeat(joinBody(groupId, ''))).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "MemberId can't be empty." });
    expect((await heartbeat(joinBody(groupId, newMemberId(), { serverAssignor: 'sticky' }))).errorCode).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR);
  });

  it('a classic JoinGroup into a consumer group with a member is taken in (Kafka 4.x mixes them): first MEMBER_ID_REQUIRED, then the member epoch as its generation', async () => {
    const groupId = uniqueName('kip848-wire');
    expect((await heartbeat(joinBody(groupId, newMemberId()))).errorCode).toBe(ErrorCode.NONE);
    const joined = await client.request(API_KEY.JoinGroup, 9, {
      groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, topic.length, ...Buffer.from(topic), 0xff, 0xff, 0xff, 0xff]) }], reason: null,
    });
    expect(joined.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const again = await client.request(API_KEY.JoinGroup, 9, {
      groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: joined.memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, topic.length, ...Buffer.from(topic), 0xff, 0xff, 0xff, 0xff]) }], reason: null,
    });
    expect(again).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, protocolType: 'consumer', protocolName: 'range', leader: '', memberId: joined.memberId, members: [] });
    const described = (await client.request(API_KEY.ConsumerGroupDescribe, 0, { groupIds: [groupId], includeAuthorizedOperations: false })).groups[0];
    expect(described.members.map((m: Message) => m.memberId)).toContain(joined.memberId);
  });
});
