// Topic administration and producer ids (Kafka's message JSON, served versions).
import { arr, f, message } from '../schema.js';

export const CreateTopicsRequest = message(5, [
  arr('topics', [
    f('name', 'string', '0+'),
    f('numPartitions', 'int32', '0+'),
    f('replicationFactor', 'int16', '0+'),
    arr('assignments', [f('partitionIndex', 'int32', '0+'), arr('brokerIds', 'int32', '0+')], '0+'),
    arr('configs', [f('name', 'string', '0+'), f('value', 'string', '0+', { nullableVersions: '0+' })], '0+'),
  ], '0+'),
  f('timeoutMs', 'int32', '0+', { default: 60000 }),
  f('validateOnly', 'bool', '1+'),
]);

export const CreateTopicsResponse = message(5, [
  f('throttleTimeMs', 'int32', '2+'),
  arr('topics', [
    f('name', 'string', '0+'),
    f('topicId', 'uuid', '7+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '1+', { nullableVersions: '0+', default: null }),
    f('topicConfigErrorCode', 'int16', '5+', { tag: 0 }),
    f('numPartitions', 'int32', '5+', { default: -1 }),
    f('replicationFactor', 'int16', '5+', { default: -1 }),
    arr('configs', [
      f('name', 'string', '5+'),
      f('value', 'string', '5+', { nullableVersions: '5+' }),
      f('readOnly', 'bool', '5+'),
      f('configSource', 'int8', '5+', { default: -1 }),
      f('isSensitive', 'bool', '5+'),
    ], '5+', { nullableVersions: '5+' }),
  ], '0+'),
]);

export const DeleteTopicsRequest = message(4, [
  arr('topics', [f('name', 'string', '6+', { nullableVersions: '6+', default: null }), f('topicId', 'uuid', '6+')], '6+'),
  arr('topicNames', 'string', '0-5'),
  f('timeoutMs', 'int32', '0+'),
]);

export const DeleteTopicsResponse = message(4, [
  f('throttleTimeMs', 'int32', '1+'),
  arr('responses', [
    f('name', 'string', '0+', { nullableVersions: '6+' }),
    f('topicId', 'uuid', '6+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '5+', { nullableVersions: '5+', default: null }),
  ], '0+'),
]);

export const CreatePartitionsRequest = message(2, [
  arr('topics', [
    f('name', 'string', '0+'),
    f('count', 'int32', '0+'),
    arr('assignments', [arr('brokerIds', 'int32', '0+')], '0+', { nullableVersions: '0+' }),
  ], '0+'),
  f('timeoutMs', 'int32', '0+'),
  f('validateOnly', 'bool', '0+'),
]);

export const CreatePartitionsResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('results', [
    f('name', 'string', '0+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
  ], '0+'),
]);

export const DeleteRecordsRequest = message(2, [
  arr('topics', [f('name', 'string', '0+'), arr('partitions', [f('partitionIndex', 'int32', '0+'), f('offset', 'int64', '0+')], '0+')], '0+'),
  f('timeoutMs', 'int32', '0+'),
]);

export const DeleteRecordsResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('topics', [
    f('name', 'string', '0+'),
    arr('partitions', [f('partitionIndex', 'int32', '0+'), f('lowWatermark', 'int64', '0+'), f('errorCode', 'int16', '0+')], '0+'),
  ], '0+'),
]);

export const InitProducerIdRequest = message(2, [
  f('transactionalId', 'string', '0+', { nullableVersions: '0+' }),
  f('transactionTimeoutMs', 'int32', '0+'),
  f('producerId', 'int64', '3+', { default: -1n }),
  f('producerEpoch', 'int16', '3+', { default: -1 }),
]);

export const InitProducerIdResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('producerId', 'int64', '0+', { default: -1n }),
  f('producerEpoch', 'int16', '0+'),
]);

export const DescribeConfigsRequest = message(4, [
  arr('resources', [
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    arr('configurationKeys', 'string', '0+', { nullableVersions: '0+' }),
  ], '0+'),
  f('includeSynonyms', 'bool', '1+'),
  f('includeDocumentation', 'bool', '3+'),
]);

export const DescribeConfigsResponse = message(4, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('results', [
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    arr('configs', [
      f('name', 'string', '0+'),
      f('value', 'string', '0+', { nullableVersions: '0+' }),
      f('readOnly', 'bool', '0+'),
      f('isDefault', 'bool', '0'),
      f('configSource', 'int8', '1+', { default: -1 }),
      f('isSensitive', 'bool', '0+'),
      arr('synonyms', [f('name', 'string', '1+'), f('value', 'string', '1+', { nullableVersions: '0+' }), f('source', 'int8', '1+')], '1+'),
      f('configType', 'int8', '3+'),
      f('documentation', 'string', '3+', { nullableVersions: '0+', default: null }),
    ], '0+'),
  ], '0+'),
]);

export const AlterConfigsRequest = message(2, [
  arr('resources', [
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    arr('configs', [f('name', 'string', '0+'), f('value', 'string', '0+', { nullableVersions: '0+' })], '0+'),
  ], '0+'),
  f('validateOnly', 'bool', '0+'),
]);

export const AlterConfigsResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('responses', [
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
  ], '0+'),
]);

export const IncrementalAlterConfigsRequest = message(1, [
  arr('resources', [
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    arr('configs', [
      f('name', 'string', '0+'),
      // 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT.
      f('configOperation', 'int8', '0+'),
      f('value', 'string', '0+', { nullableVersions: '0+' }),
    ], '0+'),
  ], '0+'),
  f('validateOnly', 'bool', '0+'),
]);

export const IncrementalAlterConfigsResponse = message(1, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('responses', [
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
  ], '0+'),
]);

export const DescribeLogDirsRequest = message(2, [
  // null: every topic.
  arr('topics', [f('topic', 'string', '0+'), arr('partitions', 'int32', '0+')], '0+', { nullableVersions: '0+' }),
]);

export const DescribeLogDirsResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '3+'),
  arr('results', [
    f('errorCode', 'int16', '0+'),
    f('logDir', 'string', '0+'),
    arr('topics', [
      f('name', 'string', '0+'),
      arr('partitions', [
        f('partitionIndex', 'int32', '0+'),
        f('partitionSize', 'int64', '0+'),
        f('offsetLag', 'int64', '0+'),
        f('isFutureKey', 'bool', '0+'),
      ], '0+'),
    ], '0+'),
    f('totalBytes', 'int64', '4+', { default: -1n }),
    f('usableBytes', 'int64', '4+', { default: -1n }),
  ], '0+'),
]);

// ACLs (Kafka 4.x serves v1-3; v2+ flexible). The embedded broker has no authorizer and says so.
const AclFilter = [
  f('resourceTypeFilter', 'int8', '0+'),
  f('resourceNameFilter', 'string', '0+', { nullableVersions: '0+' }),
  f('patternTypeFilter', 'int8', '1+', { default: 3 }),
  f('principalFilter', 'string', '0+', { nullableVersions: '0+' }),
  f('hostFilter', 'string', '0+', { nullableVersions: '0+' }),
  f('operation', 'int8', '0+'),
  f('permissionType', 'int8', '0+'),
];

export const DescribeAclsRequest = message(2, AclFilter);

/** Who may do what, from where: the part every ACL answer repeats. */
const AclBinding = [f('principal', 'string', '0+'), f('host', 'string', '0+'), f('operation', 'int8', '0+'), f('permissionType', 'int8', '0+')];

export const DescribeAclsResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
  arr('resources', [
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    f('patternType', 'int8', '1+', { default: 3 }),
    arr('acls', AclBinding, '0+'),
  ], '0+'),
]);

export const CreateAclsRequest = message(2, [
  arr('creations', [
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    f('resourcePatternType', 'int8', '1+', { default: 3 }),
    ...AclBinding,
  ], '0+'),
]);

export const CreateAclsResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('results', [f('errorCode', 'int16', '0+'), f('errorMessage', 'string', '0+', { nullableVersions: '0+' })], '0+'),
]);

export const DeleteAclsRequest = message(2, [arr('filters', AclFilter, '0+')]);

export const DeleteAclsResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('filterResults', [
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    arr('matchingAcls', [
      f('errorCode', 'int16', '0+'),
      f('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      f('resourceType', 'int8', '0+'),
      f('resourceName', 'string', '0+'),
      f('patternType', 'int8', '1+', { default: 3 }),
      ...AclBinding,
    ], '0+'),
  ], '0+'),
]);

// kafka-leader-election: v2+ flexible.
export const ElectLeadersRequest = message(2, [
  f('electionType', 'int8', '1+'),
  arr('topicPartitions', [f('topic', 'string', '0+'), arr('partitions', 'int32', '0+')], '0+', { nullableVersions: '0+' }),
  f('timeoutMs', 'int32', '0+', { default: 60_000 }),
]);

export const ElectLeadersResponse = message(2, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '1+'),
  arr('replicaElectionResults', [
    f('topic', 'string', '0+'),
    arr('partitionResult', [f('partitionId', 'int32', '0+'), f('errorCode', 'int16', '0+'), f('errorMessage', 'string', '0+', { nullableVersions: '0+' })], '0+'),
  ], '0+'),
]);

// kafka-reassign-partitions --list: v0 only, flexible.
export const ListPartitionReassignmentsRequest = message(0, [
  f('timeoutMs', 'int32', '0+', { default: 60_000 }),
  arr('topics', [f('name', 'string', '0+'), arr('partitionIndexes', 'int32', '0+')], '0+', { nullableVersions: '0+', default: null }),
]);

export const ListPartitionReassignmentsResponse = message(0, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
  arr('topics', [
    f('name', 'string', '0+'),
    arr('partitions', [f('partitionIndex', 'int32', '0+'), arr('replicas', 'int32', '0+'), arr('addingReplicas', 'int32', '0+'), arr('removingReplicas', 'int32', '0+')], '0+'),
  ], '0+'),
]);

// kafka-configs --entity-type clients|users: v1 flexible.
export const DescribeClientQuotasRequest = message(1, [
  arr('components', [f('entityType', 'string', '0+'), f('matchType', 'int8', '0+'), f('match', 'string', '0+', { nullableVersions: '0+' })], '0+'),
  f('strict', 'bool', '0+'),
]);

export const DescribeClientQuotasResponse = message(1, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
  arr('entries', [
    arr('entity', [f('entityType', 'string', '0+'), f('entityName', 'string', '0+', { nullableVersions: '0+' })], '0+'),
    arr('values', [f('key', 'string', '0+'), f('value', 'float64', '0+')], '0+'),
  ], '0+', { nullableVersions: '0+' }),
]);

// kafka-configs --describe --entity-type users: v0 only, flexible. Mechanism 1 SCRAM-SHA-256, 2 SCRAM-SHA-512.
export const DescribeUserScramCredentialsRequest = message(0, [arr('users', [f('name', 'string', '0+')], '0+', { nullableVersions: '0+' })]);

export const DescribeUserScramCredentialsResponse = message(0, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
  arr('results', [
    f('user', 'string', '0+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    arr('credentialInfos', [f('mechanism', 'int8', '0+'), f('iterations', 'int32', '0+')], '0+'),
  ], '0+'),
]);
