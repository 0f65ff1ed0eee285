// Topic administration, record deletion, configs and producer ids.
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import type { Broker } from '../broker.js';
import { validateTopicConfigs } from '../topic-configs.js';
import { errorCodeOf, errorMessageOf, type Handler } from './context.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
/** ConfigSource values in DescribeConfigs answers. */
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;

/** The topic configs the broker reports; set values override these defaults. */
function topicDefaults(broker: Broker): Record<string, string> {
  return {
    'cleanup.policy': 'delete',
    'compression.type': 'producer',
    'max.message.bytes': String(broker.settings.maxMessageBytes),
    'min.insync.replicas': '1',
    'retention.bytes': String(broker.settings.retentionBytes),
    'retention.ms': '-1',
  };
}

function effectiveConfigs(broker: Broker, configs: Record<string, string>) {
  const defaults = topicDefaults(broker);
  const names = [...new Set([...Object.keys(defaults), ...Object.keys(configs)])].sort();
  return names.map((name) => ({
    name,
    value: configs[name] ?? defaults[name] ?? null,
    readOnly: false,
    isDefault: !(name in configs),
    configSource: name in configs ? SOURCE_TOPIC : SOURCE_DEFAULT,
    isSensitive: false,
    synonyms: [],
    configType: 0,
    documentation: null,
  }));
}

export const handleCreateTopics: Handler<'CreateTopics'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  topics: body.topics.map((t) => {
    const name = t.name;
    const assigned = t.assignments.length;
    const partitions = assigned > 0 ? assigned : t.numPartitions === -1 ? broker.settings.defaultPartitions : t.numPartitions;
    const configs: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
    try {
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        throw new KafkaProtocolError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor} needs more brokers; the embedded broker is one node (use 1)`);
      }
      broker.topics.validateNew(name, partitions);
      validateTopicConfigs(configs);
      const topic = body.validateOnly ? undefined : broker.topics.create(name, partitions, configs);
      if (topic) broker.log.info(`created topic ${name} (${partitions} partition${partitions === 1 ? '' : 's'})`);
      return {
        name,
        topicId: topic?.id,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: partitions,
        replicationFactor: 1,
        configs: effectiveConfigs(broker, configs),
      };
    } catch (error) {
      return { name, errorCode: errorCodeOf(error), errorMessage: errorMessageOf(error), numPartitions: -1, replicationFactor: -1, configs: null };
    }
  }),
});

export const handleDeleteTopics: Handler<'DeleteTopics'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  responses: body.topicNames.map((name) => {
    try {
      broker.topics.delete(name);
      broker.groups.deleteTopic(name);
      broker.log.info(`deleted topic ${name}`);
      return { name, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (error) {
      return { name, errorCode: errorCodeOf(error), errorMessage: errorMessageOf(error) };
    }
  }),
});

export const handleCreatePartitions: Handler<'CreatePartitions'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  results: body.topics.map((t) => {
    try {
      if (!body.validateOnly) broker.topics.addPartitions(t.name, t.count);
      return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (error) {
      return { name: t.name, errorCode: errorCodeOf(error), errorMessage: errorMessageOf(error) };
    }
  }),
});

export const handleDeleteRecords: Handler<'DeleteRecords'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  topics: body.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const log = broker.topics.partition(t.name, p.partitionIndex);
      if (!log) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      try {
        // -1 means "up to the high watermark".
        const before = p.offset === -1n ? log.logEndOffset : p.offset;
        log.deleteRecordsBefore(before);
        return { partitionIndex: p.partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
      } catch (error) {
        return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: errorCodeOf(error) };
      }
    }),
  })),
});

export const handleDescribeConfigs: Handler<'DescribeConfigs'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  results: body.resources.map((r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName, errorMessage: null };
    let configs;
    if (r.resourceType === RESOURCE_TOPIC) {
      const topic = broker.topics.get(r.resourceName);
      if (!topic) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic "${r.resourceName}" does not exist`, configs: [] };
      configs = effectiveConfigs(broker, topic.configs);
    } else if (r.resourceType === RESOURCE_BROKER) {
      configs = effectiveConfigs(broker, {
        'auto.create.topics.enable': String(broker.settings.autoCreateTopics),
        'num.partitions': String(broker.settings.defaultPartitions),
      });
    } else {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not served by the embedded broker`, configs: [] };
    }
    const keys = r.configurationKeys;
    return { ...base, errorCode: ErrorCode.NONE, configs: keys ? configs.filter((c) => keys.includes(c.name)) : configs };
  }),
});

export const handleInitProducerId: Handler<'InitProducerId'> = (body, { broker }) => {
  if (body.transactionalId !== null) {
    broker.log.warn(`a client asked for transactional id "${body.transactionalId}": the embedded broker does not support transactions`);
    return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
  }
  // v3+: a producer may ask to bump the epoch of the id it already has.
  if (body.producerId >= 0n && body.producerEpoch >= 0) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: body.producerId, producerEpoch: body.producerEpoch + 1 };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: broker.allocateProducerId(), producerEpoch: 0 };
};
