// Topic administration, record deletion, configs, log dirs and producer ids.
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import type { Broker } from '../broker.js';
import { isListConfig, topicConfigType, validateTopicConfigs } from '../topic-configs.js';
import { SCRAM_ITERATIONS } from '../sasl.js';
import { errorCodeOf, errorMessageOf, type Handler } from './context.js';
import { fencedFor } from './transactions.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
/** ConfigSource values in DescribeConfigs answers. */
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;
/** IncrementalAlterConfigs operations. */
const OP_SET = 0;
const OP_DELETE = 1;
const OP_APPEND = 2;
const OP_SUBTRACT = 3;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

/** The broker config each reported topic config defaults to (DescribeConfigs synonyms, as Kafka names them). */
const BROKER_SYNONYMS: Record<string, string> = {
  'cleanup.policy': 'log.cleanup.policy',
  'compression.type': 'compression.type',
  'max.message.bytes': 'message.max.bytes',
  'min.insync.replicas': 'min.insync.replicas',
  'retention.bytes': 'log.retention.bytes',
  'retention.ms': 'log.retention.ms',
};

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

function effectiveConfigs(broker: Broker, configs: Record<string, string>, includeSynonyms = false) {
  const defaults = topicDefaults(broker);
  const names = [...new Set([...Object.keys(defaults), ...Object.keys(configs)])].sort();
  return names.map((name) => {
    const set = name in configs;
    // As Kafka lists them: the topic's own value first, then the broker default it overrides.
    const synonyms = [];
    if (includeSynonyms && set) synonyms.push({ name, value: configs[name] ?? null, source: SOURCE_TOPIC });
    const brokerName = BROKER_SYNONYMS[name];
    if (includeSynonyms && brokerName !== undefined) synonyms.push({ name: brokerName, value: defaults[name] ?? null, source: SOURCE_DEFAULT });
    return {
      name,
      value: configs[name] ?? defaults[name] ?? null,
      readOnly: false,
      isDefault: !set,
      configSource: set ? SOURCE_TOPIC : SOURCE_DEFAULT,
      isSensitive: false,
      synonyms,
      configType: topicConfigType(name),
      documentation: null,
    };
  });
}

interface ConfigChange {
  name: string;
  operation: number;
  value: string | null;
}

/**
 * Why an alter of a resource other than a topic is refused, in Kafka's words: the embedded
 * broker takes its settings when it starts, so no broker config can change while it runs
 * (Kafka answers so for its static configs).
 */
function refuseNonTopic(broker: Broker, resourceType: number, resourceName: string, changes: ConfigChange[]): KafkaProtocolError {
  if (resourceType !== RESOURCE_BROKER) {
    return new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `resource type ${resourceType} cannot be altered on the embedded broker: only topics (2) can`);
  }
  if (resourceName !== '' && !/^-?\d+$/.test(resourceName)) return new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${resourceName}`);
  if (resourceName !== '' && Number(resourceName) !== broker.settings.nodeId) {
    return new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.settings.nodeId}, but received ${resourceName}`);
  }
  return new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: Set(${changes.map((c) => c.name).join(', ')})`);
}

/**
 * The topic's configs after `changes`, checked as Kafka checks them: duplicate names and null
 * values are INVALID_REQUEST, an unknown topic UNKNOWN_TOPIC_OR_PARTITION, a bad name or value
 * INVALID_CONFIG. `replace` (AlterConfigs) drops every config the request does not list.
 */
function alteredTopicConfigs(broker: Broker, topicName: string, changes: ConfigChange[], replace: boolean): Record<string, string> {
  const names = changes.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const nulls = changes.filter((c) => c.value === null && c.operation !== OP_DELETE).map((c) => c.name);
  if (nulls.length > 0) throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
  const topic = broker.topics.get(topicName);
  if (!topic) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${topicName}' does not exist.`);
  const configs: Record<string, string> = replace ? {} : { ...topic.configs };
  const defaults = topicDefaults(broker);
  for (const change of changes) {
    const value = change.value ?? '';
    if (change.operation === OP_SET) {
      configs[change.name] = value;
    } else if (change.operation === OP_DELETE) {
      delete configs[change.name];
    } else if (change.operation === OP_APPEND || change.operation === OP_SUBTRACT) {
      if (!isListConfig(change.name)) {
        throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, `Can't ${OP_NAMES[change.operation]} to key ${change.name} because its type is not LIST.`);
      }
      const list = (configs[change.name] ?? defaults[change.name] ?? '').split(',').filter((item) => item !== '');
      for (const item of value.split(',')) {
        const at = list.indexOf(item);
        if (change.operation === OP_APPEND && at < 0) list.push(item);
        if (change.operation === OP_SUBTRACT && at >= 0) list.splice(at, 1);
      }
      configs[change.name] = list.join(',');
    } else {
      throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `unknown config operation ${change.operation} for ${change.name}: use 0 (SET), 1 (DELETE), 2 (APPEND) or 3 (SUBTRACT)`);
    }
  }
  validateTopicConfigs(configs);
  return configs;
}

/** One resource of an AlterConfigs or IncrementalAlterConfigs request, answered. */
function alterResource(broker: Broker, resourceType: number, resourceName: string, changes: ConfigChange[], replace: boolean, validateOnly: boolean) {
  const base = { resourceType, resourceName };
  try {
    if (resourceType !== RESOURCE_TOPIC) throw refuseNonTopic(broker, resourceType, resourceName, changes);
    const configs = alteredTopicConfigs(broker, resourceName, changes, replace);
    if (!validateOnly) {
      broker.topics.setConfigs(resourceName, configs);
      broker.log.info(`altered the configs of topic ${resourceName}: ${changes.map((c) => (c.operation === OP_DELETE ? `${c.name} deleted` : `${c.name}=${configs[c.name]}`)).join(', ')}`);
    }
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    return { ...base, errorCode: errorCodeOf(error), errorMessage: errorMessageOf(error) };
  }
}

export const handleAlterConfigs: Handler<'AlterConfigs'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  responses: body.resources.map((r) =>
    alterResource(broker, r.resourceType, r.resourceName, r.configs.map((c) => ({ name: c.name, operation: OP_SET, value: c.value })), true, body.validateOnly)),
});

export const handleIncrementalAlterConfigs: Handler<'IncrementalAlterConfigs'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  responses: body.resources.map((r) =>
    alterResource(broker, r.resourceType, r.resourceName, r.configs.map((c) => ({ name: c.name, operation: c.configOperation, value: c.value })), false, body.validateOnly)),
});

/** Where DescribeLogDirs says an in-memory broker keeps its partitions: no directory. */
export const MEMORY_LOG_DIR = '(in memory: no --data-dir)';

/**
 * The one log dir: `<data dir>/logs` (or, in memory, a placeholder) with each asked-for
 * partition's size in bytes; unknown topics and partitions are left out, as Kafka leaves them.
 */
export const handleDescribeLogDirs: Handler<'DescribeLogDirs'> = (body, { broker }) => {
  const wanted = body.topics ?? broker.topics.list().map((t) => ({ topic: t.name, partitions: t.partitions.map((_, p) => p) }));
  const topics = [];
  for (const want of wanted) {
    const topic = broker.topics.get(want.topic);
    if (!topic) continue;
    const partitions = [];
    for (const p of want.partitions) {
      const log = topic.partitions[p];
      if (log) partitions.push({ partitionIndex: p, partitionSize: BigInt(log.sizeBytes()), offsetLag: 0n, isFutureKey: false });
    }
    if (partitions.length > 0) topics.push({ name: topic.name, partitions });
  }
  const dir = broker.dataDir ? path.resolve(broker.dataDir.path, 'logs') : undefined;
  let space = { totalBytes: -1n, usableBytes: -1n };
  if (dir !== undefined) {
    try {
      const stats = fs.statfsSync(dir, { bigint: true });
      space = { totalBytes: stats.blocks * stats.bsize, usableBytes: stats.bavail * stats.bsize };
    } catch {
      // -1: unknown, as the field's default says.
    }
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results: [{ errorCode: ErrorCode.NONE, logDir: dir ?? MEMORY_LOG_DIR, topics, ...space }] };
};

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
      configs = effectiveConfigs(broker, topic.configs, body.includeSynonyms);
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

export const handleInitProducerId: Handler<'InitProducerId'> = (body, { broker, version }) => {
  if (body.transactionalId !== null) {
    const result = broker.transactions.initProducerId(body.transactionalId, body.transactionTimeoutMs, body.producerId, body.producerEpoch);
    return { throttleTimeMs: 0, ...result, errorCode: fencedFor(result.errorCode, version, 4) };
  }
  // v3+: a producer may ask to bump the epoch of the id it already has.
  if (body.producerId >= 0n && body.producerEpoch >= 0) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: body.producerId, producerEpoch: body.producerEpoch + 1 };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: broker.allocateProducerId(), producerEpoch: 0 };
};

// Kafka's tools on the embedded broker (kafka-acls, kafka-leader-election, kafka-reassign-partitions,
// kafka-configs for clients and users): answered as a single Apache Kafka broker without an
// authorizer, quotas or reassignments answers them.
const NO_AUTHORIZER = 'No Authorizer is configured.';

export const handleDescribeAcls: Handler<'DescribeAcls'> = () => ({ throttleTimeMs: 0, errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured on the broker', resources: [] });

export const handleCreateAcls: Handler<'CreateAcls'> = (body) => ({
  throttleTimeMs: 0,
  results: body.creations.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER })),
});

export const handleDeleteAcls: Handler<'DeleteAcls'> = (body) => ({
  throttleTimeMs: 0,
  filterResults: body.filters.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER, matchingAcls: [] })),
});

/**
 * One replica per partition: its leader is always the preferred one and the only eligible one.
 * All partitions (null) names none that needs an election, as Kafka's controller answers;
 * named ones get ELECTION_NOT_NEEDED, or UNKNOWN_TOPIC_OR_PARTITION.
 */
export const handleElectLeaders: Handler<'ElectLeaders'> = (body, { broker }) => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  replicaElectionResults: (body.topicPartitions ?? []).map((t) => ({
    topic: t.topic,
    partitionResult: t.partitions.map((partitionId) =>
      broker.topics.partition(t.topic, partitionId)
        ? { partitionId, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' }
        : { partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' }),
  })),
});

export const handleListPartitionReassignments: Handler<'ListPartitionReassignments'> = () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] });

export const handleDescribeClientQuotas: Handler<'DescribeClientQuotas'> = () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries: [] });

/** SCRAM mechanism numbers on the wire (org.apache.kafka.clients.admin.ScramMechanism). */
const SCRAM_MECHANISM = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 } as const;

export const handleDescribeUserScramCredentials: Handler<'DescribeUserScramCredentials'> = (body, { broker }) => {
  const users = broker.settings.scramUsers ?? new Map<string, ReadonlySet<'SCRAM-SHA-256' | 'SCRAM-SHA-512'>>();
  const described = (user: string) => {
    const mechanisms = users.get(user);
    if (!mechanisms) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] };
    return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [...mechanisms].sort().map((m) => ({ mechanism: SCRAM_MECHANISM[m], iterations: SCRAM_ITERATIONS })) };
  };
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: (body.users?.length ? body.users.map((u) => u.name) : [...users.keys()].sort()).map(described) };
};
