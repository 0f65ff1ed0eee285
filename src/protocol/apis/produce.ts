// Produce, transcribed from Kafka's message JSON
// (clients/src/main/resources/common/message/) for the versions we serve.
import { arr, f, message } from '../schema.js';

export const ProduceRequest = message(9, [
  f('transactionalId', 'string', '3+', { nullableVersions: '3+', default: null }),
  f('acks', 'int16', '0+'),
  f('timeoutMs', 'int32', '0+'),
  arr('topicData', [
    f('name', 'string', '0+'),
    arr('partitionData', [f('index', 'int32', '0+'), f('records', 'records', '0+', { nullableVersions: '0+' })], '0+'),
  ], '0+'),
]);

export const ProduceResponse = message(9, [
  arr('responses', [
    f('name', 'string', '0+'),
    arr('partitionResponses', [
      f('index', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      f('baseOffset', 'int64', '0+'),
      f('logAppendTimeMs', 'int64', '2+', { default: -1n }),
      f('logStartOffset', 'int64', '5+', { default: -1n }),
      arr('recordErrors', [f('batchIndex', 'int32', '8+'), f('batchIndexErrorMessage', 'string', '8+', { nullableVersions: '8+', default: null })], '8+'),
      f('errorMessage', 'string', '8+', { nullableVersions: '8+', default: null }),
    ], '0+'),
  ], '0+'),
  f('throttleTimeMs', 'int32', '1+'),
]);
