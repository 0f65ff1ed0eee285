// Fetch and ListOffsets, transcribed from Kafka's message JSON
// (clients/src/main/resources/common/message/) for the versions we serve.
import { arr, f, message } from '../schema.js';

export const FetchRequest = message(12, [
  f('clusterId', 'string', '12+', { nullableVersions: '12+', default: null, tag: 0 }),
  f('replicaId', 'int32', '0-14', { default: -1 }),
  f('maxWaitMs', 'int32', '0+'),
  f('minBytes', 'int32', '0+'),
  f('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
  f('isolationLevel', 'int8', '4+'),
  f('sessionId', 'int32', '7+'),
  f('sessionEpoch', 'int32', '7+', { default: -1 }),
  arr('topics', [
    f('topic', 'string', '0-12'),
    f('topicId', 'uuid', '13+'),
    arr('partitions', [
      f('partition', 'int32', '0+'),
      f('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
      f('fetchOffset', 'int64', '0+'),
      f('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
      f('logStartOffset', 'int64', '5+', { default: -1n }),
      f('partitionMaxBytes', 'int32', '0+'),
    ], '0+'),
  ], '0+'),
  arr('forgottenTopicsData', [f('topic', 'string', '7-12'), f('topicId', 'uuid', '13+'), arr('partitions', 'int32', '7+')], '7+'),
  f('rackId', 'string', '11+'),
]);

export const FetchResponse = message(12, [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '7+'),
  f('sessionId', 'int32', '7+'),
  arr('responses', [
    f('topic', 'string', '0-12'),
    f('topicId', 'uuid', '13+'),
    arr('partitions', [
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      f('highWatermark', 'int64', '0+'),
      f('lastStableOffset', 'int64', '4+', { default: -1n }),
      f('logStartOffset', 'int64', '5+', { default: -1n }),
      arr('abortedTransactions', [f('producerId', 'int64', '4+'), f('firstOffset', 'int64', '4+')], '4+', { nullableVersions: '4+' }),
      f('preferredReadReplica', 'int32', '11+', { default: -1 }),
      f('records', 'records', '0+', { nullableVersions: '0+' }),
    ], '0+'),
  ], '0+'),
]);

export const ListOffsetsRequest = message(6, [
  f('replicaId', 'int32', '0+'),
  f('isolationLevel', 'int8', '2+'),
  arr('topics', [
    f('name', 'string', '0+'),
    arr('partitions', [
      f('partitionIndex', 'int32', '0+'),
      f('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
      f('timestamp', 'int64', '0+'),
      f('maxNumOffsets', 'int32', '0', { default: 1 }),
    ], '0+'),
  ], '0+'),
  f('timeoutMs', 'int32', '10+'),
]);

export const ListOffsetsResponse = message(6, [
  f('throttleTimeMs', 'int32', '2+'),
  arr('topics', [
    f('name', 'string', '0+'),
    arr('partitions', [
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      arr('oldStyleOffsets', 'int64', '0'),
      f('timestamp', 'int64', '1+', { default: -1n }),
      f('offset', 'int64', '1+', { default: -1n }),
      f('leaderEpoch', 'int32', '4+', { default: -1 }),
    ], '0+'),
  ], '0+'),
]);
