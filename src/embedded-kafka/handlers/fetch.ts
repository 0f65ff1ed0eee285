// Fetch and ListOffsets. A fetch answers with stored batches as they are
// (no decoding) and long-polls until min bytes arrive or max wait passes.
// Both bound what one request may cost: the bytes a Fetch answer carries
// (RequestLimits), one lookup per partition however often it is named, and a
// turn for other connections every ITEMS_PER_TURN partitions. How many
// partitions a request may name at all is the connection's limit. read_committed
// (isolation level 1) reads up to the last stable offset and names the aborted
// transactions among what it returns, for the client to skip.
import type { PartitionLog } from '../partition-log.js';
import { readBatchHeader } from '../record-batch.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { errorCodeOf, ITEMS_PER_TURN, yieldTurn, type Handler, type ItemOf, type RequestBody, type RequestContext, type ResponseBody } from './context.js';

const EMPTY = Buffer.alloc(0);

type FetchTopic = ItemOf<ResponseBody<'Fetch'>['responses']>;
type FetchPartition = ItemOf<FetchTopic['partitions']>;

interface FetchRead {
  responses: FetchTopic[];
  bytes: number;
  failed: boolean;
}

/**
 * One pass over the requested partitions with Kafka's byte rules
 * (ReplicaManager.readFromLog): each partition gets at most its
 * partitionMaxBytes and what is left of maxBytes; the first partition that
 * has data gets at least one whole batch, however large, so a consumer always
 * makes progress; after that a batch that does not fit is not sent (Kafka
 * would send it cut short, which the client drops), and once maxBytes is spent
 * the remaining partitions get no records.
 */
async function readAll(body: RequestBody<'Fetch'>, { broker }: RequestContext, maxBytes: number): Promise<FetchRead> {
  let budget = maxBytes;
  let bytes = 0;
  let failed = false;
  let seen = 0;
  const responses: FetchTopic[] = [];
  const readCommitted = body.isolationLevel === 1;
  for (const requested of body.topics) {
    const partitions: FetchPartition[] = [];
    for (const p of requested.partitions) {
      if (++seen % ITEMS_PER_TURN === 0) await yieldTurn();
      // Looked up per partition: a topic may be deleted while this pass yields.
      const log = broker.topics.partition(requested.topic, p.partition);
      const base = { partitionIndex: p.partition, abortedTransactions: [], preferredReadReplica: -1 };
      if (!log) {
        failed = true;
        partitions.push({ ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: EMPTY });
        continue;
      }
      const stable = log.lastStableOffset;
      const positions = { highWatermark: log.logEndOffset, lastStableOffset: stable, logStartOffset: log.logStartOffset };
      const minOneBatch = bytes === 0;
      const limit = Math.min(p.partitionMaxBytes, budget);
      let records: Buffer = EMPTY;
      try {
        if (minOneBatch || limit > 0) {
          // read() always returns at least one batch; past the first partition with data it must fit.
          records = log.read(p.fetchOffset, Math.max(0, limit), readCommitted ? stable : log.logEndOffset);
          if (!minOneBatch && records.length > limit) records = EMPTY;
        }
      } catch (error) {
        failed = true;
        partitions.push({ ...base, ...positions, errorCode: errorCodeOf(error), records: EMPTY });
        continue;
      }
      bytes += records.length;
      budget = Math.max(0, budget - records.length);
      const abortedTransactions = readCommitted && records.length > 0 ? log.abortedTransactions(p.fetchOffset, endOfRecords(records)) : [];
      partitions.push({ ...base, ...positions, errorCode: ErrorCode.NONE, records, abortedTransactions });
    }
    responses.push({ topic: requested.topic, partitions });
  }
  return { responses, bytes, failed };
}

/** The offset after the last of the whole batches in `records`. */
function endOfRecords(records: Buffer): bigint {
  let last = 0;
  for (let at = 0; at < records.length; at += readBatchHeader(records, at).size) last = at;
  const header = readBatchHeader(records, last);
  return header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
}

export const handleFetch: Handler<'Fetch'> = async (body, ctx) => {
  // As Kafka: the broker's fetch.max.bytes caps what the client asks for, and min bytes never exceeds max bytes.
  const maxBytes = Math.max(0, Math.min(body.maxBytes, ctx.limits.fetchMaxBytes));
  const minBytes = Math.max(1, Math.min(body.minBytes, maxBytes));
  const deadline = Date.now() + Math.max(0, body.maxWaitMs);
  // As Kafka (ReplicaManager.fetchMessages): a fetch naming no partition is answered at once.
  // Java's consumer sends one on close (ending its fetch session) and waits for the answer.
  const nothingToWaitFor = body.topics.every((t) => t.partitions.length === 0);
  for (;;) {
    const result = await readAll(body, ctx, maxBytes);
    const left = deadline - Date.now();
    if (result.bytes >= minBytes || result.failed || left <= 0 || nothingToWaitFor || ctx.signal.aborted) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: result.responses };
    }
    await ctx.broker.waitForAppend(left, ctx.signal);
  }
};

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
/** v8+: the first offset on local storage; with no tiered storage, the log start. */
const EARLIEST_LOCAL = -4n;
/** v9+: the last offset in tiered storage; with none, Kafka answers -1. */
const LATEST_TIERED = -5n;

type ListOffsetsTopic = ItemOf<ResponseBody<'ListOffsets'>['topics']>;
type ListOffsetsPartition = ItemOf<ListOffsetsTopic['partitions']>;

export const handleListOffsets: Handler<'ListOffsets'> = async (body, { broker }) => {
  const readCommitted = body.isolationLevel === 1;
  const topics = body.topics;
  // As Kafka: a partition named twice is answered INVALID_REQUEST, not looked up twice.
  const counts = new Map<string, number>();
  for (const requested of topics) {
    for (const p of requested.partitions) {
      const key = `${p.partitionIndex}:${requested.name}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  let seen = 0;
  const answers: ListOffsetsTopic[] = [];
  for (const requested of topics) {
    const partitions: ListOffsetsPartition[] = [];
    for (const p of requested.partitions) {
      if (++seen % ITEMS_PER_TURN === 0) await yieldTurn();
      const answer = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: 0 };
      if (counts.get(`${p.partitionIndex}:${requested.name}`)! > 1) {
        partitions.push({ ...answer, errorCode: ErrorCode.INVALID_REQUEST });
        continue;
      }
      partitions.push(listOffset(broker.topics.partition(requested.name, p.partitionIndex), p.timestamp, answer, readCommitted));
    }
    answers.push({ name: requested.name, partitions });
  }
  return { throttleTimeMs: 0, topics: answers };
};

function listOffset(log: PartitionLog | undefined, timestamp: bigint, answer: ListOffsetsPartition, readCommitted: boolean): ListOffsetsPartition {
  if (!log) return { ...answer, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  // read_committed: the latest offset a consumer may read to is the last stable offset.
  if (timestamp === LATEST) return { ...answer, offset: readCommitted ? log.lastStableOffset : log.logEndOffset };
  if (timestamp === EARLIEST) return { ...answer, offset: log.logStartOffset };
  if (timestamp === EARLIEST_LOCAL) return { ...answer, offset: log.logStartOffset };
  if (timestamp === LATEST_TIERED) return answer;
  if (timestamp === MAX_TIMESTAMP) {
    // The first record with the largest timestamp, as Kafka answers (not the last record).
    const found = log.maxTimestampRecord();
    return found ? { ...answer, offset: found.offset, timestamp: found.timestamp } : answer;
  }
  const found = log.offsetForTimestamp(timestamp);
  return found ? { ...answer, offset: found.offset, timestamp: found.timestamp } : answer;
}
