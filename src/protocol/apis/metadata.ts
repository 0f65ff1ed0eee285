// ApiVersions, Metadata and FindCoordinator (Kafka's message JSON, served versions).
import { arr, f, message } from '../schema.js';

export const ApiVersionsRequest = message(3, [f('clientSoftwareName', 'string', '3+'), f('clientSoftwareVersion', 'string', '3+')]);

export const ApiVersionsResponse = message(3, [
  f('errorCode', 'int16', '0+'),
  arr('apiKeys', [f('apiKey', 'int16', '0+'), f('minVersion', 'int16', '0+'), f('maxVersion', 'int16', '0+')], '0+'),
  f('throttleTimeMs', 'int32', '1+'),
]);

export const MetadataRequest = message(9, [
  arr('topics', [f('topicId', 'uuid', '10+'), f('name', 'string', '0+', { nullableVersions: '10+' })], '0+', { nullableVersions: '1+' }),
  f('allowAutoTopicCreation', 'bool', '4+', { default: true }),
  f('includeClusterAuthorizedOperations', 'bool', '8-10'),
  f('includeTopicAuthorizedOperations', 'bool', '8+'),
]);

export const MetadataResponse = message(9, [
  f('throttleTimeMs', 'int32', '3+'),
  arr('brokers', [
    f('nodeId', 'int32', '0+'),
    f('host', 'string', '0+'),
    f('port', 'int32', '0+'),
    f('rack', 'string', '1+', { nullableVersions: '1+', default: null }),
  ], '0+'),
  f('clusterId', 'string', '2+', { nullableVersions: '2+', default: null }),
  f('controllerId', 'int32', '1+', { default: -1 }),
  arr('topics', [
    f('errorCode', 'int16', '0+'),
    f('name', 'string', '0+', { nullableVersions: '12+' }),
    f('topicId', 'uuid', '10+'),
    f('isInternal', 'bool', '1+'),
    arr('partitions', [
      f('errorCode', 'int16', '0+'),
      f('partitionIndex', 'int32', '0+'),
      f('leaderId', 'int32', '0+'),
      f('leaderEpoch', 'int32', '7+', { default: -1 }),
      arr('replicaNodes', 'int32', '0+'),
      arr('isrNodes', 'int32', '0+'),
      arr('offlineReplicas', 'int32', '5+'),
    ], '0+'),
    f('topicAuthorizedOperations', 'int32', '8+', { default: -2147483648 }),
  ], '0+'),
  f('clusterAuthorizedOperations', 'int32', '8-10', { default: -2147483648 }),
]);

export const FindCoordinatorRequest = message(3, [f('key', 'string', '0-3'), f('keyType', 'int8', '1+'), arr('coordinatorKeys', 'string', '4+')]);

export const FindCoordinatorResponse = message(3, [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0-3'),
  f('errorMessage', 'string', '1-3', { nullableVersions: '1-3', default: null }),
  f('nodeId', 'int32', '0-3'),
  f('host', 'string', '0-3'),
  f('port', 'int32', '0-3'),
  arr('coordinators', [
    f('key', 'string', '4+'),
    f('nodeId', 'int32', '4+'),
    f('host', 'string', '4+'),
    f('port', 'int32', '4+'),
    f('errorCode', 'int16', '4+'),
    f('errorMessage', 'string', '4+', { nullableVersions: '4+', default: null }),
  ], '4+'),
]);
