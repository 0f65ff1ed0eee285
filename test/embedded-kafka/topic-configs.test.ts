// CreateTopics configs on the embedded broker: checked as Apache Kafka checks them, so
// `create-topic --config retention.ms=abc` is INVALID_CONFIG with Kafka's wording.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaProtocolError } from '../../src/protocol/error-codes.js';
import { validateTopicConfigs } from '../../src/embedded-kafka/topic-configs.js';

function rejection(configs: Record<string, string>): KafkaProtocolError {
  try {
    validateTopicConfigs(configs);
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaProtocolError);
    return error as KafkaProtocolError;
  }
  throw new Error(`expected ${JSON.stringify(configs)} to be rejected`);
}

describe('validateTopicConfigs', () => {
  it.each([
    [{}],
    [{ 'retention.ms': '60000' }],
    [{ 'retention.ms': '-1', 'retention.bytes': '-1' }],
    [{ 'cleanup.policy': 'compact' }],
    [{ 'cleanup.policy': 'compact,delete' }],
    // Kafka 4.1: no cleanup at all.
    [{ 'cleanup.policy': '' }],
    [{ 'compression.type': 'zstd', 'min.insync.replicas': '2' }],
    [{ 'min.cleanable.dirty.ratio': '0.5', preallocate: 'TRUE' }],
    [{ 'segment.bytes': '1048576', 'max.message.bytes': '2097152' }],
  ])('accepts %j', (configs) => {
    expect(() => validateTopicConfigs(configs)).not.toThrow();
  });

  it.each([
    [{ 'retention.ms': 'abc' }, 'Invalid value abc for configuration retention.ms: Not a number of type LONG'],
    [{ 'retention.ms': '-2' }, 'Invalid value -2 for configuration retention.ms: Value must be at least -1'],
    [{ 'retention.ms': '99999999999999999999' }, 'Invalid value 99999999999999999999 for configuration retention.ms: Not a number of type LONG'],
    [{ 'max.message.bytes': '3000000000' }, 'Invalid value 3000000000 for configuration max.message.bytes: Not a number of type INT'],
    [{ 'min.insync.replicas': '0' }, 'Invalid value 0 for configuration min.insync.replicas: Value must be at least 1'],
    [{ 'min.cleanable.dirty.ratio': '2' }, 'Invalid value 2 for configuration min.cleanable.dirty.ratio: Value must be no more than 1'],
    [{ preallocate: 'yes' }, 'Invalid value yes for configuration preallocate: Expected value to be either true or false'],
    [{ 'compression.type': 'brotli' }, 'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer'],
    // Kafka 4.1 names the bad item alone, also inside a list.
    [{ 'cleanup.policy': 'forever' }, 'Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete'],
    [{ 'cleanup.policy': 'delete,forever' }, 'Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete'],
    [{ 'retention.msec': '1000' }, 'Unknown topic config name: retention.msec'],
  ])('rejects %j: INVALID_CONFIG "%s"', (configs, message) => {
    const error = rejection(configs);
    expect(error.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(error.message).toBe(message);
  });
});
