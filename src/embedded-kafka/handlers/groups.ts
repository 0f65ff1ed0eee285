// Consumer-group requests, handed to the group coordinator: the classic protocol's
// and KIP-848's (ConsumerGroupHeartbeat, ConsumerGroupDescribe).
import { ErrorCode } from '../../protocol/error-codes.js';
import type { Handler } from './context.js';

/** Per-partition results nested as the protocol wants them: [{ name, partitions }], in first-seen topic order. */
function byTopic<R extends { topic: string }, P>(results: R[], partition: (r: R) => P): { name: string; partitions: P[] }[] {
  const topics = new Map<string, P[]>();
  for (const r of results) {
    const list = topics.get(r.topic) ?? [];
    list.push(partition(r));
    topics.set(r.topic, list);
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}

export const handleJoinGroup: Handler<'JoinGroup'> = async (body, { broker, version, clientId, clientHost }) => {
  if (!body.groupId) return { errorCode: ErrorCode.INVALID_GROUP_ID, generationId: -1, protocolName: null, leader: '', memberId: '', members: [] };
  const result = await broker.groups.joinGroup({
    groupId: body.groupId,
    sessionTimeoutMs: body.sessionTimeoutMs,
    // v0 has no rebalance timeout: Kafka uses the session timeout.
    rebalanceTimeoutMs: body.rebalanceTimeoutMs >= 0 ? body.rebalanceTimeoutMs : body.sessionTimeoutMs,
    memberId: body.memberId,
    groupInstanceId: body.groupInstanceId,
    protocolType: body.protocolType,
    protocols: body.protocols,
    requireKnownMemberId: version >= 4,
    clientId,
    clientHost,
  });
  return { throttleTimeMs: 0, skipAssignment: false, ...result };
};

export const handleSyncGroup: Handler<'SyncGroup'> = async (body, { broker }) => ({
  throttleTimeMs: 0,
  ...(await broker.groups.syncGroup({
    groupId: body.groupId,
    generationId: body.generationId,
    memberId: body.memberId,
    groupInstanceId: body.groupInstanceId,
    protocolType: body.protocolType,
    protocolName: body.protocolName,
    assignments: body.assignments,
  })),
});

export const handleHeartbeat: Handler<'Heartbeat'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  ...broker.groups.heartbeat({ groupId: body.groupId, generationId: body.generationId, memberId: body.memberId, groupInstanceId: body.groupInstanceId }),
});

export const handleLeaveGroup: Handler<'LeaveGroup'> = (body, { broker, version }) => {
  const members = version >= 3 ? body.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: body.memberId, groupInstanceId: null }];
  const result = broker.groups.leaveGroup({ groupId: body.groupId, members });
  // v0-2 carry one member and report its error at the top.
  const errorCode = version >= 3 ? result.errorCode : (result.members[0]?.errorCode ?? result.errorCode);
  return { throttleTimeMs: 0, errorCode, members: result.members };
};

export const handleOffsetCommit: Handler<'OffsetCommit'> = (body, { broker, version }) => {
  const offsets = body.topics.flatMap((t) =>
    t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata })),
  );
  // generationId is the member epoch for a KIP-848 group (GenerationIdOrMemberEpoch in Kafka's schema).
  const results = broker.groups.commitOffsets({
    groupId: body.groupId,
    generationId: body.generationId,
    apiVersion: version,
    memberId: body.memberId,
    groupInstanceId: body.groupInstanceId,
    offsets,
  });
  return { throttleTimeMs: 0, topics: byTopic(results, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })) };
};

export const handleOffsetFetch: Handler<'OffsetFetch'> = (body, { broker, version }) => {
  const fetchGroup = (groupId: string, wanted: { name: string; partitionIndexes: number[] }[] | null) => {
    const requested = wanted === null ? null : wanted.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
    const results = broker.groups.fetchOffsets(groupId, requested);
    // requireStable (v7+): a partition an open transaction holds an offset for is UNSTABLE_OFFSET_COMMIT (the client retries).
    const unstable = (topic: string, partition: number) => body.requireStable && broker.transactions.hasPendingOffset(groupId, topic, partition);
    return byTopic(results, (r) =>
      unstable(r.topic, r.partition)
        ? { partitionIndex: r.partition, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
        : { partitionIndex: r.partition, committedOffset: r.offset, committedLeaderEpoch: -1, metadata: r.metadata ?? '', errorCode: r.errorCode });
  };
  if (version < 8) return { throttleTimeMs: 0, topics: fetchGroup(body.groupId, body.topics), errorCode: ErrorCode.NONE };
  // v8+: several groups, each with its own error; v9 names the member, whose epoch a KIP-848 group checks.
  const groups = body.groups.map((g) => {
    const errorCode = broker.groups.validateOffsetFetch(g.groupId, g.memberId, g.memberEpoch);
    return { groupId: g.groupId, errorCode, topics: errorCode === ErrorCode.NONE ? fetchGroup(g.groupId, g.topics) : [] };
  });
  return { throttleTimeMs: 0, groups };
};

export const handleDescribeGroups: Handler<'DescribeGroups'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  groups: body.groups.map((groupId) => {
    const g = broker.groups.describeGroup(groupId);
    return {
      errorCode: g.errorCode,
      groupId: g.groupId,
      groupState: g.state,
      protocolType: g.protocolType,
      protocolData: g.protocolName,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.metadata,
        memberAssignment: m.assignment,
      })),
      authorizedOperations: -2147483648,
    };
  }),
});

export const handleListGroups: Handler<'ListGroups'> = (body, { broker }) => {
  // v5's types filter: classic and consumer (KIP-848), matched case-insensitively as Kafka does.
  const types = new Set(body.typesFilter.map((t) => t.toLowerCase()));
  const groups = broker.groups
    .listGroups(body.statesFilter?.length ? body.statesFilter : undefined)
    .filter((g) => types.size === 0 || types.has(g.type))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type }));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
};

export const handleConsumerGroupHeartbeat: Handler<'ConsumerGroupHeartbeat'> = (body, { broker, version, clientId, clientHost }) => ({
  throttleTimeMs: 0,
  ...broker.groups.consumerGroupHeartbeat(
    {
      groupId: body.groupId,
      memberId: body.memberId,
      memberEpoch: body.memberEpoch,
      instanceId: body.instanceId,
      rackId: body.rackId,
      rebalanceTimeoutMs: body.rebalanceTimeoutMs,
      subscribedTopicNames: body.subscribedTopicNames,
      subscribedTopicRegex: body.subscribedTopicRegex,
      serverAssignor: body.serverAssignor,
      topicPartitions: body.topicPartitions,
      clientId,
      clientHost,
    },
    version,
  ),
});

export const handleConsumerGroupDescribe: Handler<'ConsumerGroupDescribe'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  groups: body.groupIds.map((groupId) => {
    const { errorCode, errorMessage, description } = broker.groups.describeConsumerGroup(groupId);
    return description ? { errorCode, errorMessage, ...description } : { errorCode, errorMessage, groupId, groupState: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [] };
  }),
});

export const handleDeleteGroups: Handler<'DeleteGroups'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  results: broker.groups.deleteGroups(body.groupsNames),
});

export const handleOffsetDelete: Handler<'OffsetDelete'> = (body, { broker }) => {
  const answer = broker.groups.deleteOffsets(body.groupId, body.topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })));
  return {
    errorCode: answer.errorCode,
    throttleTimeMs: 0,
    topics: answer.topics.map((t) => ({ name: t.topic, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
  };
};
