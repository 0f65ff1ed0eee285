// Administration on the wire client: topics (list, describe, create, delete, add
// partitions, delete records, configs), their offsets, and consumer groups (list,
// describe, delete, read and move committed offsets). Requests that need the controller
// go to it, group requests to the group's coordinator; every answer's error codes
// become KafkaResponseErrors naming what they were about.
import { API_KEY } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { encodeAssignment, encodeSubscription } from './assignors.js';
import { sleep, type Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { KafkaConnectionError, KafkaResponseError, responseError } from './errors.js';
import { Fetcher, type OffsetSpec } from './fetcher.js';

export interface PartitionMetadata {
  partition: number;
  /** Node id of the leader; -1 while there is none. */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  name: string;
  internal: boolean;
  /** Sorted by partition. */
  partitions: PartitionMetadata[];
}

export interface NewTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs?: Record<string, string>;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  /** Set on the topic itself (not a broker or built-in default). */
  overridden: boolean;
  sensitive: boolean;
}

export interface PartitionOffsets {
  partition: number;
  /** First offset still stored. */
  earliest: number;
  /** The offset the next record gets. */
  latest: number;
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The consumer protocol's subscription and assignment, as sent (decode with assignors.ts). */
  metadata: Buffer;
  assignment: Buffer;
}

export interface GroupDescriptionRaw {
  groupId: string;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance or Dead. */
  state: string;
  protocolType: string;
  /** The assignor of the current generation. */
  protocol: string;
  members: GroupMemberDescription[];
}

const RESOURCE_TOPIC = 2;
/** DescribeConfigs v1+: where a value comes from. */
const SOURCE_DYNAMIC_TOPIC = 1;
const RETRY_MS = 100;
const ATTEMPTS = 50;

export class Admin {
  private readonly fetcher: Fetcher;

  constructor(
    private readonly cluster: Cluster,
    /** How long the brokers may take to apply a topic change (CreateTopics' timeoutMs). */
    private readonly timeoutMs = 30_000,
  ) {
    this.fetcher = new Fetcher(cluster);
  }

  /** Topics and their partitions; every topic when `topics` is not given. Unknown names are left out. */
  async metadata(topics?: string[]): Promise<{ controller: number; topics: TopicMetadata[] }> {
    const answer = await this.retrying(async () => {
      const connection = await this.cluster.anyConnection();
      return connection.request('Metadata', { topics: topics ? topics.map((name) => ({ name })) : null, allowAutoTopicCreation: false });
    });
    for (const b of answer.brokers) this.cluster.remember(b.nodeId, b.host, b.port);
    const out: TopicMetadata[] = [];
    for (const t of answer.topics) {
      if (t.name === null || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
      if (t.errorCode !== ErrorCode.NONE && t.errorCode !== ErrorCode.LEADER_NOT_AVAILABLE) throw responseError(t.errorCode, `topic "${t.name}"`);
      const partitions = t.partitions
        .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: [...p.replicaNodes], isr: [...p.isrNodes] }))
        .sort((a, b) => a.partition - b.partition);
      out.push({ name: t.name, internal: t.isInternal, partitions });
      // The cluster's cache saves the next request on this topic its own Metadata round trip.
      if (partitions.every((p, i) => p.partition === i && p.leader >= 0)) this.cluster.rememberTopic(t.name, partitions.map((p) => p.leader));
    }
    return { controller: answer.controllerId, topics: out.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  /** Every topic with its partitions; Kafka's own (__consumer_offsets ...) only when asked. */
  async allTopics(includeInternal = false): Promise<TopicMetadata[]> {
    const { topics } = await this.metadata();
    return topics.filter((t) => includeInternal || !(t.internal || t.name.startsWith('__')));
  }

  /** The names of every topic; internal ones only when asked. */
  async listTopics(includeInternal = false): Promise<string[]> {
    return (await this.allTopics(includeInternal)).map((t) => t.name);
  }

  /** One topic's metadata; undefined when it does not exist. */
  async topic(name: string): Promise<TopicMetadata | undefined> {
    return (await this.metadata([name])).topics.find((t) => t.name === name);
  }

  /**
   * Creates topics; resolves per topic to true (created) or false (it already existed).
   * Any other error is thrown with the broker's own message.
   */
  async createTopics(topics: NewTopic[]): Promise<Map<string, boolean>> {
    const answer = await this.onController((c) => c.request('CreateTopics', {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: this.timeoutMs,
      validateOnly: false,
    }));
    const out = new Map<string, boolean>();
    for (const t of answer.topics) {
      if (t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) out.set(t.name, false);
      else if (t.errorCode === ErrorCode.NONE) out.set(t.name, true);
      else throw withTopic(responseError(t.errorCode, t.errorMessage ?? `creating topic ${t.name}`), t.name);
    }
    return out;
  }

  async deleteTopics(names: string[]): Promise<void> {
    const answer = await this.onController((c) => c.request('DeleteTopics', {
      topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
      topicNames: names,
      timeoutMs: this.timeoutMs,
    }));
    for (const r of answer.responses) {
      if (r.errorCode !== ErrorCode.NONE) throw withTopic(responseError(r.errorCode, r.errorMessage ?? `deleting topic ${r.name}`), r.name ?? undefined);
    }
    for (const name of names) this.cluster.invalidate(name);
  }

  /** Grows `topic` to `count` partitions. */
  async createPartitions(topic: string, count: number): Promise<void> {
    const answer = await this.onController((c) => c.request('CreatePartitions', {
      topics: [{ name: topic, count, assignments: null }],
      timeoutMs: this.timeoutMs,
      validateOnly: false,
    }));
    for (const r of answer.results) {
      if (r.errorCode !== ErrorCode.NONE) throw withTopic(responseError(r.errorCode, r.errorMessage ?? `adding partitions to ${topic}`), topic);
    }
    this.cluster.invalidate(topic);
  }

  /** The partition numbers of `topic` (from the metadata cache when known). */
  async partitions(topic: string): Promise<number[]> {
    return (await this.cluster.topic(topic)).leaders.map((_, i) => i);
  }

  /** Earliest and latest offset of each partition of `topic`. */
  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const partitions = await this.partitions(topic);
    const [earliest, latest] = await Promise.all([this.fetcher.listOffsets(topic, partitions, 'earliest'), this.fetcher.listOffsets(topic, partitions, 'latest')]);
    return partitions.map((partition) => ({ partition, earliest: earliest.get(partition) ?? 0, latest: latest.get(partition) ?? 0 }));
  }

  /** The offset per partition that `spec` names (for a time: the first record at or after it, else the end). */
  async offsetsFor(topic: string, spec: OffsetSpec): Promise<Map<number, number>> {
    return this.fetcher.listOffsets(topic, await this.partitions(topic), spec);
  }

  /** The topic's configs, with which of them are set on the topic itself. */
  async topicConfigs(topic: string): Promise<ConfigEntry[]> {
    const answer = await this.retrying(async () => {
      const connection = await this.cluster.anyConnection();
      return connection.request('DescribeConfigs', {
        resources: [{ resourceType: RESOURCE_TOPIC, resourceName: topic, configurationKeys: null }],
        includeSynonyms: false,
        includeDocumentation: false,
      });
    });
    const result = answer.results[0];
    if (!result) return [];
    if (result.errorCode !== ErrorCode.NONE) throw withTopic(responseError(result.errorCode, result.errorMessage ?? `describing the configs of ${topic}`), topic);
    return result.configs.map((c) => ({
      name: c.name,
      value: c.value,
      // v0 has isDefault; later versions say where the value comes from.
      overridden: c.configSource === -1 ? !c.isDefault : c.configSource === SOURCE_DYNAMIC_TOPIC,
      sensitive: c.isSensitive,
    }));
  }

  /** Deletes the records before `offsets` (partition → offset; -1 means the end). Returns the new earliest offsets. */
  async deleteRecords(topic: string, offsets: Map<number, number>): Promise<Map<number, number>> {
    const t = await this.cluster.topic(topic);
    const byLeader = new Map<number, number[]>();
    for (const p of offsets.keys()) {
      const leader = t.leaders[p] ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    const out = new Map<number, number>();
    await Promise.all([...byLeader].map(async ([leader, partitions]) => {
      const connection = await this.cluster.connection(leader);
      const answer = await connection.request('DeleteRecords', {
        topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, offset: BigInt(offsets.get(partitionIndex)!) })) }],
        timeoutMs: this.timeoutMs,
      });
      for (const tt of answer.topics) {
        for (const p of tt.partitions) {
          if (p.errorCode !== ErrorCode.NONE) throw withTopic(responseError(p.errorCode, `deleting records of ${topic}-${p.partitionIndex}`), topic);
          out.set(p.partitionIndex, Number(p.lowWatermark));
        }
      }
    }));
    return out;
  }

  // ---- groups ----

  /** Every group every broker coordinates. */
  async listGroups(): Promise<GroupListing[]> {
    await this.metadata([]);
    const seen = new Map<string, GroupListing>();
    await Promise.all(this.cluster.brokerIds().map(async (nodeId) => {
      const answer = await this.retrying(async () => (await this.cluster.connection(nodeId)).request('ListGroups', { statesFilter: [], typesFilter: [] }));
      if (answer.errorCode !== ErrorCode.NONE) throw responseError(answer.errorCode, `listing the groups of Kafka broker ${nodeId}`);
      for (const g of answer.groups) seen.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType });
    }));
    return [...seen.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /** Each group's state and members, from its coordinator; a group nobody knows comes back `Dead`. */
  async describeGroups(groupIds: string[]): Promise<GroupDescriptionRaw[]> {
    return Promise.all(groupIds.map((groupId) => this.onCoordinator(groupId, async (c) => {
      const answer = await c.request('DescribeGroups', { groups: [groupId], includeAuthorizedOperations: false });
      const g = answer.groups[0];
      if (!g) throw responseError(ErrorCode.UNKNOWN_SERVER_ERROR, `no description of group "${groupId}" in the answer`);
      // Newer brokers say a group they do not know is not found; older ones describe it as
      // Dead. Kafka 4.x says so of a KIP-848 group too: ConsumerGroupDescribe knows it.
      if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND || g.groupState === 'Dead') {
        return (await this.describeConsumerGroup(c, groupId)) ?? { groupId, state: 'Dead', protocolType: '', protocol: '', members: [] };
      }
      if (g.errorCode !== ErrorCode.NONE) throw withGroup(responseError(g.errorCode, `describing group "${groupId}"`), groupId);
      return {
        groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, metadata: m.memberMetadata, assignment: m.memberAssignment })),
      };
    })));
  }

  /**
   * A KIP-848 group as DescribeGroups would show a classic one (its members' subscriptions
   * and assignments encoded in the consumer protocol's bytes); undefined when the broker
   * has no such API or no such group.
   */
  private async describeConsumerGroup(c: Connection, groupId: string): Promise<GroupDescriptionRaw | undefined> {
    if (!c.serves(API_KEY.ConsumerGroupDescribe)) return undefined;
    const answer = await c.request('ConsumerGroupDescribe', { groupIds: [groupId], includeAuthorizedOperations: false });
    const g = answer.groups[0];
    if (!g || g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return undefined;
    if (g.errorCode !== ErrorCode.NONE) throw withGroup(responseError(g.errorCode, `describing group "${groupId}"${g.errorMessage ? `: ${g.errorMessage}` : ''}`), groupId);
    const byTopic = (list: Array<{ topicName: string; partitions: number[] }>) => new Map(list.map((t) => [t.topicName, [...t.partitions].sort((a, b) => a - b)]));
    return {
      groupId,
      // Kafka names consumer-group states in lower case (stable, empty, reconciling ...); shown as the classic ones are.
      state: g.groupState.charAt(0).toUpperCase() + g.groupState.slice(1),
      protocolType: 'consumer',
      protocol: g.assignorName,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: encodeSubscription({ topics: m.subscribedTopicNames, userData: null, ownedPartitions: [], generationId: m.memberEpoch }),
        assignment: encodeAssignment(byTopic(m.assignment?.topicPartitions ?? [])),
      })),
    };
  }

  /** Deletes groups (they must have no members: NON_EMPTY_GROUP otherwise). */
  async deleteGroups(groupIds: string[]): Promise<void> {
    await Promise.all(groupIds.map((groupId) => this.onCoordinator(groupId, async (c) => {
      const answer = await c.request('DeleteGroups', { groupsNames: [groupId] });
      const code = answer.results.find((r) => r.groupId === groupId)?.errorCode ?? ErrorCode.NONE;
      if (code !== ErrorCode.NONE) throw withGroup(responseError(code, `deleting group "${groupId}"`), groupId);
    })));
  }

  /**
   * OffsetDelete: removes the group's committed offsets of these partitions. Returns the
   * group-level error code and, per partition, its own (GROUP_SUBSCRIBED_TO_TOPIC while a
   * member reads the topic).
   */
  async deleteOffsets(groupId: string, topic: string, partitions: number[]): Promise<{ errorCode: number; partitions: Map<number, number> }> {
    return this.onCoordinator(groupId, async (c) => {
      const answer = await c.request('OffsetDelete', { groupId, topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) }] });
      const byPartition = new Map<number, number>();
      for (const t of answer.topics) for (const p of t.partitions) byPartition.set(p.partitionIndex, p.errorCode);
      // The coordinator still loading or moved: retried like any coordinator request.
      if (answer.errorCode === ErrorCode.NOT_COORDINATOR || answer.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE || answer.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
        throw withGroup(responseError(answer.errorCode, `deleting offsets of group "${groupId}"`), groupId);
      }
      return { errorCode: answer.errorCode, partitions: byPartition };
    });
  }

  /** The group's committed offsets: topic → partition → offset. Only `topics` when given, else every topic it committed to. */
  async committedOffsets(groupId: string, topics?: Map<string, number[]>): Promise<Map<string, Map<number, number>>> {
    return this.onCoordinator(groupId, async (c) => {
      const answer = await c.request('OffsetFetch', {
        groupId,
        topics: topics ? [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) : null,
        requireStable: false,
      });
      if (answer.errorCode !== ErrorCode.NONE) throw withGroup(responseError(answer.errorCode, `reading the offsets of group "${groupId}"`), groupId);
      const out = new Map<string, Map<number, number>>();
      for (const t of answer.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) throw withGroup(responseError(p.errorCode, `reading the offset of group "${groupId}" on ${t.name}-${p.partitionIndex}`), groupId);
          if (p.committedOffset < 0n) continue;
          if (!out.has(t.name)) out.set(t.name, new Map());
          out.get(t.name)!.set(p.partitionIndex, Number(p.committedOffset));
        }
      }
      return out;
    });
  }

  /**
   * Sets a group's committed offsets from outside the group (what `kafka-consumer-groups
   * --reset-offsets --execute` does): only while the group has no members, else the
   * coordinator answers UNKNOWN_MEMBER_ID.
   */
  async commitOffsets(groupId: string, offsets: Map<string, Map<number, number>>): Promise<void> {
    await this.onCoordinator(groupId, async (c) => {
      const answer = await c.request('OffsetCommit', {
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [...offsets].map(([name, partitions]) => ({
          name,
          partitions: [...partitions].map(([partitionIndex, offset]) => ({ partitionIndex, committedOffset: BigInt(offset), committedMetadata: '' })),
        })),
      });
      for (const t of answer.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) throw withGroup(responseError(p.errorCode, `committing group "${groupId}" on ${t.name}-${p.partitionIndex}`), groupId);
        }
      }
    });
  }

  // ---- where requests go ----

  /** Runs `work` on the controller (any broker forwards in KRaft, but the controller answers first-hand); retried while it moves. */
  private async onController<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const { controller } = await this.metadata([]);
      const connection = controller >= 0 ? await this.cluster.connection(controller) : await this.cluster.anyConnection();
      return work(connection);
    }, new Set([ErrorCode.NOT_CONTROLLER]));
  }

  /** Runs `work` on the group's coordinator, looked up again when it moved or is loading. */
  private async onCoordinator<T>(groupId: string, work: (connection: Connection) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const any = await this.cluster.anyConnection();
      const answer = await any.request('FindCoordinator', { key: groupId, keyType: 0, coordinatorKeys: [groupId] });
      const found = answer.coordinators.length > 0 ? answer.coordinators[0]! : answer;
      if (found.errorCode !== ErrorCode.NONE) throw withGroup(responseError(found.errorCode, `finding the coordinator of group "${groupId}"${found.errorMessage ? `: ${found.errorMessage}` : ''}`), groupId);
      this.cluster.remember(found.nodeId, found.host, found.port);
      return work(await this.cluster.connection(found.nodeId));
    }, new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]));
  }

  /** Retries `work` on a lost connection and on the retriable codes given (plus the usual leader moves), briefly. */
  private async retrying<T>(work: () => Promise<T>, also: ReadonlySet<number> = new Set()): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const again = (error instanceof KafkaResponseError && (also.has(error.errorCode) || error.errorCode === ErrorCode.LEADER_NOT_AVAILABLE))
          || (error instanceof KafkaConnectionError && attempt === 1 && /closed|reset|EPIPE/i.test(error.message));
        if (!again || attempt >= ATTEMPTS) throw error;
        await sleep(RETRY_MS);
      }
    }
  }
}

const ZERO_UUID = '00000000000000000000000000000000';

function withTopic(error: KafkaResponseError, topic: string | undefined): KafkaResponseError {
  return Object.assign(error, { topic });
}

function withGroup(error: KafkaResponseError, group: string): KafkaResponseError {
  return Object.assign(error, { group });
}
