// Topic configs a CreateTopics request may set, checked as Apache Kafka checks them
// (LogConfig's ConfigDef): an unknown name or a value of the wrong type is INVALID_CONFIG
// with Kafka's own wording, so `--config retention.ms=abc` fails the same way on both.
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';

/** What is wrong with a value (undefined: nothing); `value` when the fault is one item of a list. */
type Check = (value: string) => string | { value: string; problem: string } | undefined;

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

/** A comma-separated list of allowed items, possibly empty (Kafka 4.1 takes `cleanup.policy=`); a bad item is named alone, as Kafka names it. */
function listOf(...allowed: string[]): Check {
  return (value) => {
    const items = value.trim() === '' ? [] : value.split(',').map((v) => v.trim());
    const bad = items.find((item) => !allowed.includes(item));
    return bad === undefined ? undefined : { value: bad, problem: `String must be one of: ${allowed.join(', ')}` };
  };
}

const anyText: Check = () => undefined;

/** ConfigDef types, numbered as DescribeConfigs v3+ answers them (configType). */
const CONFIG_TYPES = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;
type ConfigType = keyof typeof CONFIG_TYPES;

/** Apache Kafka 4.x's topic-level configs, their validators and their ConfigDef types. */
const TOPIC_CONFIGS: Record<string, [Check, ConfigType]> = {
  'cleanup.policy': [listOf('compact', 'delete'), 'LIST'],
  'compression.gzip.level': [number('INT', -1, 9), 'INT'],
  'compression.lz4.level': [number('INT', 1, 17), 'INT'],
  'compression.type': [oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'), 'STRING'],
  'compression.zstd.level': [number('INT', -131072, 22), 'INT'],
  'delete.retention.ms': [number('LONG', 0), 'LONG'],
  'file.delete.delay.ms': [number('LONG', 0), 'LONG'],
  'flush.messages': [number('LONG', 1), 'LONG'],
  'flush.ms': [number('LONG', 0), 'LONG'],
  'follower.replication.throttled.replicas': [anyText, 'LIST'],
  'index.interval.bytes': [number('INT', 0), 'INT'],
  'leader.replication.throttled.replicas': [anyText, 'LIST'],
  'local.retention.bytes': [number('LONG', -2), 'LONG'],
  'local.retention.ms': [number('LONG', -2), 'LONG'],
  'max.compaction.lag.ms': [number('LONG', 1), 'LONG'],
  'max.message.bytes': [number('INT', 0), 'INT'],
  'message.timestamp.after.max.ms': [number('LONG', 0), 'LONG'],
  'message.timestamp.before.max.ms': [number('LONG', 0), 'LONG'],
  'message.timestamp.type': [oneOf('CreateTime', 'LogAppendTime'), 'STRING'],
  'min.cleanable.dirty.ratio': [number('DOUBLE', 0, 1), 'DOUBLE'],
  'min.compaction.lag.ms': [number('LONG', 0), 'LONG'],
  'min.insync.replicas': [number('INT', 1), 'INT'],
  preallocate: [bool, 'BOOLEAN'],
  'remote.log.copy.disable': [bool, 'BOOLEAN'],
  'remote.log.delete.on.disable': [bool, 'BOOLEAN'],
  'remote.storage.enable': [bool, 'BOOLEAN'],
  'retention.bytes': [number('LONG'), 'LONG'],
  'retention.ms': [number('LONG', -1), 'LONG'],
  'segment.bytes': [number('INT', 1024 * 1024), 'INT'],
  'segment.index.bytes': [number('INT', 4), 'INT'],
  'segment.jitter.ms': [number('LONG', 0), 'LONG'],
  'segment.ms': [number('LONG', 1), 'LONG'],
  'unclean.leader.election.enable': [bool, 'BOOLEAN'],
};

/** The config's type as DescribeConfigs v3+ numbers it; 0 (UNKNOWN) for a name Kafka does not know. */
export function topicConfigType(name: string): number {
  const entry = TOPIC_CONFIGS[name];
  return entry ? CONFIG_TYPES[entry[1]] : 0;
}

/** A LIST config: IncrementalAlterConfigs may APPEND to and SUBTRACT from it. */
export function isListConfig(name: string): boolean {
  return TOPIC_CONFIGS[name]?.[1] === 'LIST';
}

/** Throws INVALID_CONFIG naming the first config Kafka would refuse. */
export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const [name, value] of Object.entries(configs)) {
    const check = TOPIC_CONFIGS[name]?.[0];
    if (!check) throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
    const fault = check(value);
    if (fault === undefined) continue;
    const [bad, problem] = typeof fault === 'string' ? [value, fault] : [fault.value, fault.problem];
    throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, `Invalid value ${bad} for configuration ${name}: ${problem}`);
  }
}
