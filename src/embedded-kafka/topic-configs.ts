// Topic configs a CreateTopics request may set, checked as Apache Kafka checks them
// (LogConfig's ConfigDef): an unknown name or a value of the wrong type is INVALID_CONFIG
// with Kafka's own wording, so `--config retention.ms=abc` fails the same way on both.
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';

type Check = (value: string) => string | undefined;

const LONG_RANGE = /^[+-]?\d+$/;

function number(type: 'INT' | 'LONG' | 'DOUBLE', min?: number, max?: number): Check {
  return (value) => {
    const text = value.trim();
    const parsed = Number(text);
    const fits = type === 'DOUBLE'
      ? text !== '' && Number.isFinite(parsed)
      : LONG_RANGE.test(text) && (type === 'LONG' ? BigInt.asIntN(64, BigInt(text)) === BigInt(text) : BigInt.asIntN(32, BigInt(text)) === BigInt(text));
    if (!fits) return `Not a number of type ${type}`;
    if (min !== undefined && parsed < min) return `Value must be at least ${min}`;
    if (max !== undefined && parsed > max) return `Value must be no more than ${max}`;
    return undefined;
  };
}

const bool: Check = (value) => (/^(true|false)$/i.test(value.trim()) ? undefined : 'Expected value to be either true or false');

function oneOf(...allowed: string[]): Check {
  return (value) => (allowed.includes(value.trim()) ? undefined : `String must be one of: ${allowed.join(', ')}`);
}

function listOf(...allowed: string[]): Check {
  return (value) => {
    const items = value.split(',').map((v) => v.trim());
    const bad = items.filter((item) => !allowed.includes(item));
    return bad.length === 0 ? undefined : `[${bad.join(', ')}] are not in the list of allowed values [${allowed.join(', ')}]`;
  };
}

const anyText: Check = () => undefined;

/** Apache Kafka 4.x's topic-level configs and their validators. */
const TOPIC_CONFIGS: Record<string, Check> = {
  'cleanup.policy': listOf('compact', 'delete'),
  'compression.gzip.level': number('INT', -1, 9),
  'compression.lz4.level': number('INT', 1, 17),
  'compression.type': oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'),
  'compression.zstd.level': number('INT', -131072, 22),
  'delete.retention.ms': number('LONG', 0),
  'file.delete.delay.ms': number('LONG', 0),
  'flush.messages': number('LONG', 1),
  'flush.ms': number('LONG', 0),
  'follower.replication.throttled.replicas': anyText,
  'index.interval.bytes': number('INT', 0),
  'leader.replication.throttled.replicas': anyText,
  'local.retention.bytes': number('LONG', -2),
  'local.retention.ms': number('LONG', -2),
  'max.compaction.lag.ms': number('LONG', 1),
  'max.message.bytes': number('INT', 0),
  'message.timestamp.after.max.ms': number('LONG', 0),
  'message.timestamp.before.max.ms': number('LONG', 0),
  'message.timestamp.type': oneOf('CreateTime', 'LogAppendTime'),
  'min.cleanable.dirty.ratio': number('DOUBLE', 0, 1),
  'min.compaction.lag.ms': number('LONG', 0),
  'min.insync.replicas': number('INT', 1),
  preallocate: bool,
  'remote.log.copy.disable': bool,
  'remote.log.delete.on.disable': bool,
  'remote.storage.enable': bool,
  'retention.bytes': number('LONG'),
  'retention.ms': number('LONG', -1),
  'segment.bytes': number('INT', 1024 * 1024),
  'segment.index.bytes': number('INT', 4),
  'segment.jitter.ms': number('LONG', 0),
  'segment.ms': number('LONG', 1),
  'unclean.leader.election.enable': bool,
};

/** Throws INVALID_CONFIG naming the first config Kafka would refuse. */
export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const [name, value] of Object.entries(configs)) {
    const check = TOPIC_CONFIGS[name];
    if (!check) throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
    const problem = check(value);
    if (problem) throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, `Invalid value ${value} for configuration ${name}: ${problem}`);
  }
}
