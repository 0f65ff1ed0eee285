// Consumer-group APIs from Kafka's message JSON: the classic protocol (JoinGroup, SyncGroup,
// Heartbeat ...) and KIP-848's ConsumerGroupHeartbeat, served versions.
import { arr, f, message } from '../schema.js';

export const JoinGroupRequest = message(6, [
  f('groupId', 'string', '0+'),
  f('sessionTimeoutMs', 'int32', '0+'),
  f('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '5+', { nullableVersions: '5+', default: null }),
  f('protocolType', 'string', '0+'),
  arr('protocols', [f('name', 'string', '0+'), f('metadata', 'bytes', '0+')], '0+'),
  f('reason', 'string', '8+', { nullableVersions: '8+', default: null }),
]);

export const JoinGroupResponse = message(6, [
  f('throttleTimeMs', 'int32', '2+'),
  f('errorCode', 'int16', '0+'),
  f('generationId', 'int32', '0+', { default: -1 }),
  f('protocolType', 'string', '7+', { nullableVersions: '7+', default: null }),
  f('protocolName', 'string', '0+', { nullableVersions: '7+' }),
  f('leader', 'string', '0+'),
  f('skipAssignment', 'bool', '9+'),
  f('memberId', 'string', '0+'),
  arr('members', [
    f('memberId', 'string', '0+'),
    f('groupInstanceId', 'string', '5+', { nullableVersions: '5+', default: null }),
    f('metadata', 'bytes', '0+'),
  ], '0+'),
]);

export const HeartbeatRequest = message(4, [
  f('groupId', 'string', '0+'),
  f('generationId', 'int32', '0+'),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
]);

export const HeartbeatResponse = message(4, [f('throttleTimeMs', 'int32', '1+'), f('errorCode', 'int16', '0+')]);

export const LeaveGroupRequest = message(4, [
  f('groupId', 'string', '0+'),
  f('memberId', 'string', '0-2'),
  arr('members', [
    f('memberId', 'string', '3+'),
    f('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
    f('reason', 'string', '5+', { nullableVersions: '5+', default: null }),
  ], '3+'),
]);

export const LeaveGroupResponse = message(4, [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  arr('members', [
    f('memberId', 'string', '3+'),
    f('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
    f('errorCode', 'int16', '3+'),
  ], '3+'),
]);

export const SyncGroupRequest = message(4, [
  f('groupId', 'string', '0+'),
  f('generationId', 'int32', '0+'),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
  f('protocolType', 'string', '5+', { nullableVersions: '5+', default: null }),
  f('protocolName', 'string', '5+', { nullableVersions: '5+', default: null }),
  arr('assignments', [f('memberId', 'string', '0+'), f('assignment', 'bytes', '0+')], '0+'),
]);

export const SyncGroupResponse = message(4, [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  f('protocolType', 'string', '5+', { nullableVersions: '5+', default: null }),
  f('protocolName', 'string', '5+', { nullableVersions: '5+', default: null }),
  f('assignment', 'bytes', '0+'),
]);

export const DescribeGroupsRequest = message(5, [arr('groups', 'string', '0+'), f('includeAuthorizedOperations', 'bool', '3+')]);

export const DescribeGroupsResponse = message(5, [
  f('throttleTimeMs', 'int32', '1+'),
  arr('groups', [
    f('errorCode', 'int16', '0+'),
    f('groupId', 'string', '0+'),
    f('groupState', 'string', '0+'),
    f('protocolType', 'string', '0+'),
    f('protocolData', 'string', '0+'),
    arr('members', [
      f('memberId', 'string', '0+'),
      f('groupInstanceId', 'string', '4+', { nullableVersions: '4+', default: null }),
      f('clientId', 'string', '0+'),
      f('clientHost', 'string', '0+'),
      f('memberMetadata', 'bytes', '0+'),
      f('memberAssignment', 'bytes', '0+'),
    ], '0+'),
    f('authorizedOperations', 'int32', '3+', { default: -2147483648 }),
  ], '0+'),
]);

export const ListGroupsRequest = message(3, [arr('statesFilter', 'string', '4+'), arr('typesFilter', 'string', '5+')]);

export const ListGroupsResponse = message(3, [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  arr('groups', [
    f('groupId', 'string', '0+'),
    f('protocolType', 'string', '0+'),
    f('groupState', 'string', '4+'),
    f('groupType', 'string', '5+'),
  ], '0+'),
]);

export const OffsetCommitRequest = message(8, [
  f('groupId', 'string', '0+'),
  f('generationId', 'int32', '1+', { default: -1 }),
  f('memberId', 'string', '1+'),
  f('groupInstanceId', 'string', '7+', { nullableVersions: '7+', default: null }),
  f('retentionTimeMs', 'int64', '2-4', { default: -1n }),
  arr('topics', [
    f('name', 'string', '0+'),
    arr('partitions', [
      f('partitionIndex', 'int32', '0+'),
      f('committedOffset', 'int64', '0+'),
      f('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
      f('commitTimestamp', 'int64', '1', { default: -1n }),
      f('committedMetadata', 'string', '0+', { nullableVersions: '0+' }),
    ], '0+'),
  ], '0+'),
]);

export const OffsetCommitResponse = message(8, [
  f('throttleTimeMs', 'int32', '3+'),
  arr('topics', [f('name', 'string', '0+'), arr('partitions', [f('partitionIndex', 'int32', '0+'), f('errorCode', 'int16', '0+')], '0+')], '0+'),
]);

// v8 asks for several groups at once; v9 names the member (KIP-848: its epoch is checked).
export const OffsetFetchRequest = message(6, [
  f('groupId', 'string', '0-7'),
  arr('topics', [f('name', 'string', '0-7'), arr('partitionIndexes', 'int32', '0-7')], '0-7', { nullableVersions: '2-7' }),
  arr('groups', [
    f('groupId', 'string', '8+'),
    f('memberId', 'string', '9+', { nullableVersions: '9+', default: null }),
    f('memberEpoch', 'int32', '9+', { default: -1 }),
    arr('topics', [f('name', 'string', '8+'), arr('partitionIndexes', 'int32', '8+')], '8+', { nullableVersions: '8+' }),
  ], '8+'),
  f('requireStable', 'bool', '7+'),
]);

export const OffsetFetchResponse = message(6, [
  f('throttleTimeMs', 'int32', '3+'),
  arr('topics', [
    f('name', 'string', '0-7'),
    arr('partitions', [
      f('partitionIndex', 'int32', '0-7'),
      f('committedOffset', 'int64', '0-7'),
      f('committedLeaderEpoch', 'int32', '5-7', { default: -1 }),
      f('metadata', 'string', '0-7', { nullableVersions: '0-7' }),
      f('errorCode', 'int16', '0-7'),
    ], '0-7'),
  ], '0-7'),
  f('errorCode', 'int16', '2-7'),
  arr('groups', [
    f('groupId', 'string', '8+'),
    arr('topics', [
      f('name', 'string', '8+'),
      arr('partitions', [
        f('partitionIndex', 'int32', '8+'),
        f('committedOffset', 'int64', '8+'),
        f('committedLeaderEpoch', 'int32', '8+', { default: -1 }),
        f('metadata', 'string', '8+', { nullableVersions: '8+' }),
        f('errorCode', 'int16', '8+'),
      ], '8+'),
    ], '8+'),
    f('errorCode', 'int16', '8+'),
  ], '8+'),
]);

export const DeleteGroupsRequest = message(2, [arr('groupsNames', 'string', '0+')]);

// kafka-consumer-groups --delete-offsets: v0 only, never flexible.
export const OffsetDeleteRequest = message(99, [
  f('groupId', 'string', '0+'),
  arr('topics', [f('name', 'string', '0+'), arr('partitions', [f('partitionIndex', 'int32', '0+')], '0+')], '0+'),
]);

export const OffsetDeleteResponse = message(99, [
  f('errorCode', 'int16', '0+'),
  f('throttleTimeMs', 'int32', '0+'),
  arr('topics', [f('name', 'string', '0+'), arr('partitions', [f('partitionIndex', 'int32', '0+'), f('errorCode', 'int16', '0+')], '0+')], '0+'),
]);

export const DeleteGroupsResponse = message(2, [f('throttleTimeMs', 'int32', '0+'), arr('results', [f('groupId', 'string', '0+'), f('errorCode', 'int16', '0+')], '0+')]);

// KIP-848 (Kafka 4.0+): one heartbeat carries membership, subscription and the owned
// partitions; the coordinator answers with the member's epoch and, when it changed, the
// partitions it should own (by topic id).
const TopicIdPartitions = [f('topicId', 'uuid', '0+'), arr('partitions', 'int32', '0+')];

export const ConsumerGroupHeartbeatRequest = message(0, [
  f('groupId', 'string', '0+'),
  f('memberId', 'string', '0+'),
  f('memberEpoch', 'int32', '0+'),
  f('instanceId', 'string', '0+', { nullableVersions: '0+', default: null }),
  f('rackId', 'string', '0+', { nullableVersions: '0+', default: null }),
  f('rebalanceTimeoutMs', 'int32', '0+', { default: -1 }),
  arr('subscribedTopicNames', 'string', '0+', { nullableVersions: '0+', default: null }),
  f('subscribedTopicRegex', 'string', '1+', { nullableVersions: '1+', default: null }),
  f('serverAssignor', 'string', '0+', { nullableVersions: '0+', default: null }),
  arr('topicPartitions', TopicIdPartitions, '0+', { nullableVersions: '0+', default: null }),
]);

export const ConsumerGroupHeartbeatResponse = message(0, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
  f('memberId', 'string', '0+', { nullableVersions: '0+', default: null }),
  f('memberEpoch', 'int32', '0+'),
  f('heartbeatIntervalMs', 'int32', '0+'),
  f('assignment', [arr('topicPartitions', TopicIdPartitions, '0+')], '0+', { nullableVersions: '0+', default: null }),
]);

// KIP-848's DescribeGroups: members with their epochs, subscriptions and assignments by topic.
const DescribedTopicPartitions = [f('topicId', 'uuid', '0+'), f('topicName', 'string', '0+'), arr('partitions', 'int32', '0+')];

export const ConsumerGroupDescribeRequest = message(0, [arr('groupIds', 'string', '0+'), f('includeAuthorizedOperations', 'bool', '0+')]);

export const ConsumerGroupDescribeResponse = message(0, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('groups', [
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
    f('groupId', 'string', '0+'),
    f('groupState', 'string', '0+'),
    f('groupEpoch', 'int32', '0+'),
    f('assignmentEpoch', 'int32', '0+'),
    f('assignorName', 'string', '0+'),
    arr('members', [
      f('memberId', 'string', '0+'),
      f('instanceId', 'string', '0+', { nullableVersions: '0+', default: null }),
      f('rackId', 'string', '0+', { nullableVersions: '0+', default: null }),
      f('memberEpoch', 'int32', '0+'),
      f('clientId', 'string', '0+'),
      f('clientHost', 'string', '0+'),
      arr('subscribedTopicNames', 'string', '0+'),
      f('subscribedTopicRegex', 'string', '0+', { nullableVersions: '0+', default: null }),
      f('assignment', [arr('topicPartitions', DescribedTopicPartitions, '0+')], '0+'),
      f('targetAssignment', [arr('topicPartitions', DescribedTopicPartitions, '0+')], '0+'),
    ], '0+'),
    f('authorizedOperations', 'int32', '0+', { default: -2147483648 }),
  ], '0+'),
]);
