// Fetch and ListOffsets. A fetch answers with stored batches as they are
// (no decoding) and long-polls until min bytes arrive or max wait passes.
import { ErrorCode } from '../protocol/error-codes.js';
import type { Message } from '../protocol/schema.js';
import { errorCodeOf, type Handler, type RequestContext } from './context.js';

const EMPTY = Buffer.alloc(0);

function readAll(body: Message, { broker }: RequestContext): { responses: Message[]; bytes: number; failed: boolean } {
  let budget = Math.max(0, body.maxBytes as number);
  let bytes = 0;
  let failed = false;
  const responses = (body.topics as Message[]).map((requested) => {
    const topic = broker.topics.get(requested.topic);
    return {
      topic: requested.topic,
      partitions: (requested.partitions as Message[]).map((p) => {
        const log = topic?.partitions[p.partition];
        const base = { partitionIndex: p.partition, abortedTransactions: [], preferredReadReplica: -1 };
        if (!log) {
          failed = true;
          return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: EMPTY };
        }
        const positions = { highWatermark: log.logEndOffset, lastStableOffset: log.logEndOffset, logStartOffset: log.logStartOffset };
        try {
          // Kafka returns at least one batch for the first partition with data, even over the budget.
          const limit = bytes === 0 ? Math.max(1, Math.min(p.partitionMaxBytes, budget)) : Math.min(p.partitionMaxBytes, budget);
          const records = limit > 0 ? log.read(p.fetchOffset, limit) : EMPTY;
          bytes += records.length;
          budget -= records.length;
          return { ...base, ...positions, errorCode: ErrorCode.NONE, records };
        } catch (error) {
          failed = true;
          return { ...base, ...positions, errorCode: errorCodeOf(error), records: EMPTY };
        }
      }),
    };
  });
  return { responses, bytes, failed };
}

export const handleFetch: Handler = async (body, ctx) => {
  const deadline = Date.now() + Math.max(0, body.maxWaitMs as number);
  const minBytes = Math.max(0, body.minBytes as number);
  for (;;) {
    const result = readAll(body, ctx);
    const left = deadline - Date.now();
    if (result.bytes >= Math.max(1, minBytes) || result.failed || left <= 0 || ctx.signal.aborted) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: result.responses };
    }
    await ctx.broker.waitForAppend(left, ctx.signal);
  }
};

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;

export const handleListOffsets: Handler = (body, { broker }) => ({
  throttleTimeMs: 0,
  topics: (body.topics as Message[]).map((requested) => ({
    name: requested.name,
    partitions: (requested.partitions as Message[]).map((p) => {
      const log = broker.topics.partition(requested.name, p.partitionIndex);
      const answer = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: 0 };
      if (!log) return { ...answer, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      const timestamp = p.timestamp as bigint;
      if (timestamp === LATEST) return { ...answer, offset: log.logEndOffset };
      if (timestamp === EARLIEST) return { ...answer, offset: log.logStartOffset };
      if (timestamp === MAX_TIMESTAMP) {
        const last = log.logEndOffset > log.logStartOffset ? log.logEndOffset - 1n : -1n;
        return { ...answer, offset: last };
      }
      const found = log.offsetForTimestamp(timestamp);
      return found ? { ...answer, offset: found.offset, timestamp: found.timestamp } : answer;
    }),
  })),
});
