// Transactions, from Kafka's message JSON (clients/src/main/resources/common/message/):
// the versions clients send before KIP-890 part 2 (AddPartitionsToTxn v4+ is broker to
// broker; EndTxn v5 bumps the epoch per transaction, which needs transaction.version 2).
import { arr, f, message } from '../schema.js';

const TxnTopic = [f('name', 'string', '0+'), arr('partitions', 'int32', '0+')];

export const AddPartitionsToTxnRequest = message(3, [
  f('transactionalId', 'string', '0-3'),
  f('producerId', 'int64', '0-3'),
  f('producerEpoch', 'int16', '0-3'),
  arr('topics', TxnTopic, '0-3'),
]);

export const AddPartitionsToTxnResponse = message(3, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('resultsByTopicV3AndBelow', [
    f('name', 'string', '0+'),
    arr('resultsByPartition', [f('partitionIndex', 'int32', '0+'), f('partitionErrorCode', 'int16', '0+')], '0+'),
  ], '0-3'),
]);

export const AddOffsetsToTxnRequest = message(3, [
  f('transactionalId', 'string', '0+'),
  f('producerId', 'int64', '0+'),
  f('producerEpoch', 'int16', '0+'),
  f('groupId', 'string', '0+'),
]);

export const AddOffsetsToTxnResponse = message(3, [f('throttleTimeMs', 'int32', '0+'), f('errorCode', 'int16', '0+')]);

export const EndTxnRequest = message(3, [
  f('transactionalId', 'string', '0+'),
  f('producerId', 'int64', '0+'),
  f('producerEpoch', 'int16', '0+'),
  f('committed', 'bool', '0+'),
]);

export const EndTxnResponse = message(3, [f('throttleTimeMs', 'int32', '0+'), f('errorCode', 'int16', '0+')]);

export const TxnOffsetCommitRequest = message(3, [
  f('transactionalId', 'string', '0+'),
  f('groupId', 'string', '0+'),
  f('producerId', 'int64', '0+'),
  f('producerEpoch', 'int16', '0+'),
  f('generationId', 'int32', '3+', { default: -1 }),
  f('memberId', 'string', '3+'),
  f('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
  arr('topics', [
    f('name', 'string', '0+'),
    arr('partitions', [
      f('partitionIndex', 'int32', '0+'),
      f('committedOffset', 'int64', '0+'),
      f('committedLeaderEpoch', 'int32', '2+', { default: -1 }),
      f('committedMetadata', 'string', '0+', { nullableVersions: '0+' }),
    ], '0+'),
  ], '0+'),
]);

export const TxnOffsetCommitResponse = message(3, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('topics', [f('name', 'string', '0+'), arr('partitions', [f('partitionIndex', 'int32', '0+'), f('errorCode', 'int16', '0+')], '0+')], '0+'),
]);

// What kafka-transactions.sh asks (KIP-664): each transactional id's state, and a listing.
export const DescribeTransactionsRequest = message(0, [arr('transactionalIds', 'string', '0+')]);

export const DescribeTransactionsResponse = message(0, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('transactionStates', [
    f('errorCode', 'int16', '0+'),
    f('transactionalId', 'string', '0+'),
    f('transactionState', 'string', '0+'),
    f('transactionTimeoutMs', 'int32', '0+'),
    f('transactionStartTimeMs', 'int64', '0+'),
    f('producerId', 'int64', '0+'),
    f('producerEpoch', 'int16', '0+'),
    arr('topics', [f('topic', 'string', '0+'), arr('partitions', 'int32', '0+')], '0+'),
  ], '0+'),
]);

export const ListTransactionsRequest = message(0, [
  arr('stateFilters', 'string', '0+'),
  arr('producerIdFilters', 'int64', '0+'),
  f('durationFilter', 'int64', '1+', { default: -1n }),
]);

export const ListTransactionsResponse = message(0, [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  arr('unknownStateFilters', 'string', '0+'),
  arr('transactionStates', [f('transactionalId', 'string', '0+'), f('producerId', 'int64', '0+'), f('transactionState', 'string', '0+')], '0+'),
]);

export const DescribeProducersRequest = message(0, [arr('topics', [f('name', 'string', '0+'), arr('partitionIndexes', 'int32', '0+')], '0+')]);

export const DescribeProducersResponse = message(0, [
  f('throttleTimeMs', 'int32', '0+'),
  arr('topics', [
    f('name', 'string', '0+'),
    arr('partitions', [
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      f('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
      arr('activeProducers', [
        f('producerId', 'int64', '0+'),
        f('producerEpoch', 'int32', '0+'),
        f('lastSequence', 'int32', '0+', { default: -1 }),
        f('lastTimestamp', 'int64', '0+', { default: -1n }),
        f('coordinatorEpoch', 'int32', '0+'),
        f('currentTxnStartOffset', 'int64', '0+', { default: -1n }),
      ], '0+'),
    ], '0+'),
  ], '0+'),
]);
