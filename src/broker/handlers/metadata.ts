// ApiVersions, Metadata and FindCoordinator: how clients find this broker.
import { APIS } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { Message } from '../protocol/schema.js';
import type { Topic } from '../topic-store.js';
import { errorCodeOf, type Handler } from './context.js';

export const API_VERSIONS_BODY = {
  errorCode: ErrorCode.NONE,
  apiKeys: APIS.map((a) => ({ apiKey: a.key, minVersion: a.minVersion, maxVersion: a.maxVersion })),
  throttleTimeMs: 0,
};

export const handleApiVersions: Handler = () => API_VERSIONS_BODY;

function describeTopic(topic: Topic): Message {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: false,
    partitions: topic.partitions.map((_, index) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: index,
      leaderId: 0,
      leaderEpoch: 0,
      replicaNodes: [0],
      isrNodes: [0],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  };
}

export const handleMetadata: Handler = (body, { broker, version }) => {
  const { settings, topics } = broker;
  // v0: an empty list means every topic; v1+: null means every topic.
  const everyTopic = body.topics === null || (version === 0 && body.topics.length === 0);
  const answers: Message[] = [];
  if (everyTopic) {
    for (const topic of topics.list()) answers.push(describeTopic(topic));
  } else {
    for (const requested of body.topics as { name: string | null }[]) {
      const name = requested.name ?? '';
      let topic = topics.get(name);
      if (!topic && settings.autoCreateTopics && body.allowAutoTopicCreation !== false) {
        try {
          topic = topics.create(name, settings.defaultPartitions);
          broker.log.info(`created topic ${name} (${settings.defaultPartitions} partition${settings.defaultPartitions === 1 ? '' : 's'}) on first use`);
        } catch (error) {
          answers.push({ errorCode: errorCodeOf(error), name, isInternal: false, partitions: [] });
          continue;
        }
      }
      answers.push(topic ? describeTopic(topic) : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, isInternal: false, partitions: [] });
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: settings.nodeId, host: settings.advertisedHost, port: settings.advertisedPort, rack: null }],
    clusterId: settings.clusterId,
    controllerId: settings.nodeId,
    topics: answers,
    clusterAuthorizedOperations: -2147483648,
  };
};

export const handleFindCoordinator: Handler = (body, { broker }) => {
  const { settings } = broker;
  if (body.keyType === 1) {
    // Transactions would need a transaction coordinator. A non-retriable error with a
    // message fails the producer at once (COORDINATOR_NOT_AVAILABLE would be retried for a minute).
    broker.log.warn(`client asked for a transaction coordinator ("${body.key}"): the embedded broker does not support transactions`);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'the embedded broker does not support transactions',
      nodeId: -1,
      host: '',
      port: -1,
    };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: settings.nodeId,
    host: settings.advertisedHost,
    port: settings.advertisedPort,
  };
};
