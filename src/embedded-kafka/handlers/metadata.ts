// Metadata and FindCoordinator: how clients find this broker (ApiVersions is
// answered by the registry, ../apis.ts).
// A Metadata naming many topics is bounded: each name is answered once, one
// request auto-creates at most maxAutoCreatesPerRequest topics, and other
// connections get turns while it works.
import { ErrorCode } from '../../protocol/error-codes.js';
import type { Topic } from '../topic-store.js';
import type { BrokerSettings } from '../broker.js';
import { errorCodeOf, ITEMS_PER_TURN, yieldTurn, type Handler, type ItemOf, type RequestContext, type ResponseBody } from './context.js';

type TopicAnswer = ItemOf<ResponseBody<'Metadata'>['topics']>;

function describeTopic(topic: Topic): TopicAnswer {
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

export const handleMetadata: Handler<'Metadata'> = async (body, { broker, version, clientId, limits, listener }) => {
  const { settings, topics } = broker;
  const answers: TopicAnswer[] = [];
  // Topic and partition answers built since other connections last had a turn.
  let sinceTurn = 0;
  const push = async (answer: TopicAnswer, items: number) => {
    answers.push(answer);
    sinceTurn += items;
    if (sinceTurn >= ITEMS_PER_TURN) {
      sinceTurn = 0;
      await yieldTurn();
    }
  };
  const describe = (topic: Topic) => push(describeTopic(topic), 1 + topic.partitions.length);
  const refuse = (name: string, errorCode: number) => push({ errorCode, name, isInternal: false, partitions: [] }, 1);
  // v0: an empty list means every topic; v1+: null means every topic.
  const requested = body.topics;
  const everyTopic = requested === null || (version === 0 && requested.length === 0);
  if (everyTopic) {
    for (const topic of topics.list()) await describe(topic);
  } else {
    // As Kafka: each topic is answered once, however often it is named.
    const names = new Set(requested.map((r) => r.name ?? ''));
    const autoCreate = settings.autoCreateTopics && body.allowAutoTopicCreation !== false;
    let created = 0;
    let deferred = 0;
    for (const name of names) {
      let topic = topics.get(name);
      if (!topic && autoCreate) {
        if (created >= limits.maxAutoCreatesPerRequest) {
          // What Kafka answers while a topic is being created: the client asks again, and that request creates it.
          deferred++;
          await refuse(name, ErrorCode.LEADER_NOT_AVAILABLE);
          continue;
        }
        try {
          topic = topics.create(name, settings.defaultPartitions);
          created++;
          broker.log.info(`created topic ${name} (${settings.defaultPartitions} partition${settings.defaultPartitions === 1 ? '' : 's'}) on first use`);
        } catch (error) {
          await refuse(name, errorCodeOf(error));
          continue;
        }
        // Creating a topic writes the data dir: let others run between creations.
        await yieldTurn();
      }
      if (topic) await describe(topic);
      else await refuse(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    if (deferred > 0) {
      broker.log.info(`a Metadata request from ${clientId || 'a client'} would auto-create ${created + deferred} topics; created ${created} (maxAutoCreatesPerRequest), the other ${deferred} are answered LEADER_NOT_AVAILABLE until the client asks again`);
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: settings.nodeId, ...advertised(settings, listener), rack: null }],
    clusterId: settings.clusterId,
    controllerId: settings.nodeId,
    topics: answers,
    clusterAuthorizedOperations: -2147483648,
  };
};

export const handleFindCoordinator: Handler<'FindCoordinator'> = (body, { broker, listener }) => {
  const { settings } = broker;
  // Key type 0 (a group) and 1 (a transactional id): this one node coordinates both.
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: settings.nodeId,
    ...advertised(settings, listener),
  };
};

/** The address a client is told: that of the listener it came in on, as Kafka advertises per listener. */
function advertised(settings: BrokerSettings, listener: RequestContext['listener']): { host: string; port: number } {
  return listener ?? { host: settings.advertisedHost, port: settings.advertisedPort };
}
