// Produce: append each partition's record batches to its log.
import { ErrorCode } from '../../protocol/error-codes.js';
import { BATCH_HEADER_SIZE, readBatchHeader } from '../record-batch.js';
import { errorCodeOf, errorMessageOf, type Handler } from './context.js';

export const handleProduce: Handler<'Produce'> = (body, { broker, version }) => {
  const acks = body.acks;
  const now = Date.now();
  let appended = false;
  const responses = body.topicData.map((topicData) => {
    const topic = broker.topics.get(topicData.name);
    return {
      name: topicData.name,
      partitionResponses: topicData.partitionData.map((partitionData) => {
        const index = partitionData.index;
        const answer = (errorCode: number, errorMessage: string | null = null, baseOffset = -1n) => ({
          index,
          errorCode,
          baseOffset,
          logAppendTimeMs: -1n,
          logStartOffset: log?.logStartOffset ?? -1n,
          recordErrors: [],
          errorMessage,
        });
        const log = topic?.partitions[index];
        if (acks !== 0 && acks !== 1 && acks !== -1) return answer(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${acks}`);
        if (!log) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        const records = partitionData.records;
        if (!records || records.length === 0) return answer(ErrorCode.CORRUPT_MESSAGE, 'empty record set');
        if (body.transactionalId !== null && records.length >= BATCH_HEADER_SIZE) {
          // The batch must belong to the id's current producer and a partition its open transaction added.
          const header = readBatchHeader(records);
          const code = broker.transactions.checkProduce(body.transactionalId, header.producerId, header.producerEpoch, topicData.name, index);
          if (code !== ErrorCode.NONE) {
            const why = `transactional id ${body.transactionalId}, producer ${header.producerId} epoch ${header.producerEpoch}: not its current producer, or ${topicData.name}-${index} is not in its open transaction`;
            broker.log.warn(`produce to ${topicData.name}-${index} rejected: ${why}`);
            return answer(code, version >= 8 ? why : null);
          }
        }
        if (records.length > broker.settings.maxMessageBytes) {
          return answer(ErrorCode.MESSAGE_TOO_LARGE, `${records.length} bytes is over max.message.bytes ${broker.settings.maxMessageBytes}`);
        }
        try {
          const { baseOffset } = log.append(records, now);
          appended = true;
          return answer(ErrorCode.NONE, null, baseOffset);
        } catch (error) {
          const code = errorCodeOf(error);
          broker.log.warn(`produce to ${topicData.name}-${index} from a client rejected: ${errorMessageOf(error)}`);
          return answer(code, version >= 8 ? errorMessageOf(error) : null);
        }
      }),
    };
  });
  if (appended) broker.notifyAppend();
  return acks === 0 ? undefined : { responses, throttleTimeMs: 0 };
};
