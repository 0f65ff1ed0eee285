// Transactions: AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn, handed
// to the transaction coordinator (InitProducerId is in admin.ts with the idempotent case).
import { ErrorCode } from '../../protocol/error-codes.js';
import { TRANSACTION_STATES } from '../transaction-coordinator.js';
import type { Handler } from './context.js';

/**
 * PRODUCER_FENCED exists from v2 of AddPartitionsToTxn, AddOffsetsToTxn and EndTxn (v4 of
 * InitProducerId); older versions get INVALID_PRODUCER_EPOCH, as Kafka answers them.
 */
export function fencedFor(errorCode: number, version: number, since: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < since ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}

export const handleAddPartitionsToTxn: Handler<'AddPartitionsToTxn'> = (body, { broker, version }) => {
  const partitions = body.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const codes = broker.transactions.addPartitions(body.transactionalId, body.producerId, body.producerEpoch, partitions);
  return {
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: body.topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: fencedFor(codes.get(`${t.name}\0${partitionIndex}`) ?? ErrorCode.NONE, version, 2) })),
    })),
  };
};

export const handleAddOffsetsToTxn: Handler<'AddOffsetsToTxn'> = (body, { broker, version }) => ({
  throttleTimeMs: 0,
  errorCode: fencedFor(broker.transactions.addOffsets(body.transactionalId, body.producerId, body.producerEpoch, body.groupId), version, 2),
});

export const handleTxnOffsetCommit: Handler<'TxnOffsetCommit'> = (body, { broker }) => {
  const offsets = body.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata })));
  const errorCode = broker.transactions.commitOffsets(
    {
      transactionalId: body.transactionalId,
      groupId: body.groupId,
      producerId: body.producerId,
      producerEpoch: body.producerEpoch,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
    },
    offsets,
  );
  return {
    throttleTimeMs: 0,
    topics: body.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
};

export const handleEndTxn: Handler<'EndTxn'> = (body, { broker, version }) => ({
  throttleTimeMs: 0,
  errorCode: fencedFor(broker.transactions.endTxn(body.transactionalId, body.producerId, body.producerEpoch, body.committed), version, 2),
});

export const handleDescribeTransactions: Handler<'DescribeTransactions'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  transactionStates: broker.transactions.describe(body.transactionalIds).map((d) => {
    const topics = new Map<string, number[]>();
    for (const p of d.partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
    return {
      errorCode: d.errorCode,
      transactionalId: d.transactionalId,
      transactionState: d.state,
      transactionTimeoutMs: d.timeoutMs,
      transactionStartTimeMs: BigInt(d.startedAt),
      producerId: d.producerId,
      producerEpoch: d.producerEpoch,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    };
  }),
});

export const handleListTransactions: Handler<'ListTransactions'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  unknownStateFilters: body.stateFilters.filter((s) => !TRANSACTION_STATES.includes(s)),
  transactionStates: broker.transactions
    .list(body.stateFilters, body.producerIdFilters, body.durationFilter)
    .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
});

/** kafka-transactions describe-producers: each partition's producers, as its log remembers them. */
export const handleDescribeProducers: Handler<'DescribeProducers'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  topics: body.topics.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => {
      const log = broker.topics.partition(t.name, partitionIndex);
      if (!log) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `This server does not host this topic-partition.`, activeProducers: [] };
      return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: log.activeProducers() };
    }),
  })),
});
