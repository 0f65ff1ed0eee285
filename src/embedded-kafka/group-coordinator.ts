// The embedded broker's consumer group coordinator: Kafka's classic group
// protocol (JoinGroup/SyncGroup/Heartbeat/LeaveGroup), KIP-848's consumer
// protocol (ConsumerGroupHeartbeat, consumer-group.ts) and committed offsets.
// Pure: no sockets, no encoding. Protocol-level failures come back as Kafka
// error codes, never as exceptions, so the request handlers just copy them
// into responses. The per-group state machine is in group.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.js';
import { MemoryOffsetStore, type CommittedOffset, type OffsetStore } from './offset-store.js';
import { Group, joinError, syncError, type GroupContext } from './group.js';
import { isAssignorName, ASSIGNOR_NAMES } from './assignors.js';
import { CONSUMER_PROTOCOL_TYPE } from '../protocol/apis/consumer-protocol.js';
import {
  ConsumerGroup,
  compileRegex,
  heartbeatError,
  LEAVE_EPOCH,
  LEAVE_STATIC_EPOCH,
  type ConsumerGroupContext,
  type ConsumerGroupDescription,
  type ConsumerHeartbeatInput,
  type ConsumerHeartbeatOutput,
} from './consumer-group.js';

export type { GroupState } from './group.js';

export interface GroupCoordinatorOptions {
  /** Where commits are kept; the coordinator loads it at construction. Default: in memory. */
  offsetStore?: OffsetStore;
  /** Wait after the first join into an Empty group (extended per new join, capped at the rebalance timeout) so members starting together share one generation. Default 300. */
  initialRebalanceDelayMs?: number;
  /** Smallest session timeout a member may ask for (else INVALID_SESSION_TIMEOUT). Default 1000. */
  minSessionTimeoutMs?: number;
  /** Largest session timeout a member may ask for (else INVALID_SESSION_TIMEOUT). Default 300000. */
  maxSessionTimeoutMs?: number;
  /** Clock for commit timestamps and rebalance deadlines. Default Date.now. */
  now?: () => number;
  /** Receives one line per rebalance, member expiry or leave. */
  log?: (line: string) => void;
  /** KIP-848 groups: the heartbeat interval members are told (Kafka's group.consumer.heartbeat.interval.ms). Default 5000. */
  consumerHeartbeatIntervalMs?: number;
  /** KIP-848 groups: a member not heard from for this long is removed (group.consumer.session.timeout.ms). Default 45000. */
  consumerSessionTimeoutMs?: number;
  /** The topics KIP-848 groups subscribe to: by name, by id, all names. Default: none exist. */
  topics?: Pick<ConsumerGroupContext, 'topic' | 'topicName' | 'topicNames'>;
}

export interface JoinGroupInput {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  requireKnownMemberId: boolean;
  clientId: string;
  clientHost: string;
}

export interface JoinGroupOutput {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncGroupInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupOutput {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface HeartbeatInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupInput {
  groupId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}

export interface LeaveGroupOutput {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface OffsetCommitInput {
  groupId: string;
  /** The generation (classic) or member epoch (consumer protocol); -1 outside group management. */
  generationId: number;
  /** The OffsetCommit version: a consumer-protocol member must commit with v9 or later. Default 9. */
  apiVersion?: number;
  memberId: string;
  groupInstanceId: string | null;
  offsets: { topic: string; partition: number; offset: bigint; metadata: string | null }[];
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
  errorCode: number;
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
  /** classic (JoinGroup) or consumer (KIP-848), as ListGroups v5 names them. */
  type: 'classic' | 'consumer';
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocolName: string;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }[];
}

/** Kafka's default offset.metadata.max.bytes. */
const MAX_OFFSET_METADATA_CHARS = 4096;

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  /** KIP-848 groups; a group id is in this map or in `groups`, never both. */
  private readonly consumerGroups = new Map<string, ConsumerGroup>();
  private readonly consumerCtx: ConsumerGroupContext;
  private readonly store: OffsetStore;
  private readonly ownsStore: boolean;
  private readonly minSessionTimeoutMs: number;
  private readonly maxSessionTimeoutMs: number;
  private readonly now: () => number;
  private readonly ctx: GroupContext;
  private closed = false;

  constructor(options: GroupCoordinatorOptions = {}) {
    this.ownsStore = options.offsetStore === undefined;
    this.store = options.offsetStore ?? new MemoryOffsetStore();
    this.minSessionTimeoutMs = options.minSessionTimeoutMs ?? 1000;
    this.maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? 300_000;
    this.now = options.now ?? Date.now;
    this.ctx = {
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 300,
      now: this.now,
      log: options.log ?? (() => {}),
      newMemberId: (prefix) => `${prefix}-${randomUUID()}`,
    };
    this.consumerCtx = {
      now: this.now,
      log: this.ctx.log,
      heartbeatIntervalMs: options.consumerHeartbeatIntervalMs ?? 5000,
      sessionTimeoutMs: options.consumerSessionTimeoutMs ?? 45_000,
      topic: options.topics?.topic ?? (() => undefined),
      topicName: options.topics?.topicName ?? (() => undefined),
      topicNames: options.topics?.topicNames ?? (() => []),
      memberTimedOut: (group) => this.maybeDowngrade(group),
    };
    // Groups that only have offsets show up as Empty, as after a Kafka restart.
    for (const offset of this.store.load()) this.putOffset(this.groupFor(offset.groupId), offset);
  }

  joinGroup(input: JoinGroupInput): Promise<JoinGroupOutput> {
    if (this.closed) return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, input.memberId));
    if (input.groupId === '') return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, input.memberId));
    if (input.sessionTimeoutMs < this.minSessionTimeoutMs || input.sessionTimeoutMs > this.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, input.memberId));
    }
    const consumerGroup = this.consumerGroups.get(input.groupId);
    if (consumerGroup && consumerGroup.memberCount > 0) {
      // As Kafka 4.x: a classic member joins a consumer group that has members; the coordinator assigns.
      if (input.memberId === '') {
        const memberId = kafkaUuid();
        // JoinGroup v4+: the client comes back with this id (the member exists only then).
        if (input.requireKnownMemberId) return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
        return Promise.resolve(consumerGroup.classicJoin(input, memberId));
      }
      return Promise.resolve(consumerGroup.classicJoin(input, input.memberId));
    }
    // An empty consumer group becomes a classic one (its offsets stay), as in Kafka.
    if (consumerGroup) this.toClassic(consumerGroup);
    // A member id for a group we do not know is stale (e.g. the broker restarted): start over.
    if (input.memberId !== '' && !this.groups.has(input.groupId)) {
      return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, input.memberId));
    }
    const created = !this.groups.has(input.groupId);
    const group = this.groupFor(input.groupId);
    const result = group.join(input);
    // A join refused outright must not leave an Empty group behind in ListGroups.
    if (created && group.isUnused) this.groups.delete(input.groupId);
    return result;
  }

  syncGroup(input: SyncGroupInput): Promise<SyncGroupOutput> {
    if (this.closed) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (input.groupId === '') return Promise.resolve(syncError(ErrorCode.INVALID_GROUP_ID));
    const consumerGroup = this.consumerGroups.get(input.groupId);
    if (consumerGroup) return Promise.resolve(consumerGroup.classicSync(input.memberId, input.generationId, input.protocolType, input.protocolName));
    const group = this.groups.get(input.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return group.sync(input);
  }

  heartbeat(input: HeartbeatInput): { errorCode: number } {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (input.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID };
    const consumerGroup = this.consumerGroups.get(input.groupId);
    if (consumerGroup) return { errorCode: consumerGroup.classicHeartbeat(input.memberId, input.generationId) };
    const group = this.groups.get(input.groupId);
    if (!group) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    return { errorCode: group.heartbeat(input.memberId, input.generationId) };
  }

  leaveGroup(input: LeaveGroupInput): LeaveGroupOutput {
    const topLevel = this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : input.groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.NONE;
    if (topLevel !== ErrorCode.NONE) return { errorCode: topLevel, members: [] };
    const group = this.groups.get(input.groupId);
    const consumerGroup = this.consumerGroups.get(input.groupId);
    return {
      errorCode: ErrorCode.NONE,
      members: input.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        errorCode: group ? group.leave(m.memberId, m.groupInstanceId) : consumerGroup ? consumerGroup.classicLeave(m.memberId) : ErrorCode.UNKNOWN_MEMBER_ID,
      })),
    };
  }

  commitOffsets(input: OffsetCommitInput): { topic: string; partition: number; errorCode: number }[] {
    const all = (errorCode: number) => input.offsets.map(({ topic, partition }) => ({ topic, partition, errorCode }));
    if (this.closed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const consumerGroup = this.consumerGroups.get(input.groupId);
    if (consumerGroup) {
      const { errorCode } = consumerGroup.validateCommit(input.memberId, input.generationId, input.apiVersion ?? 9);
      if (errorCode !== ErrorCode.NONE) return all(errorCode);
      return this.storeOffsets(consumerGroup, input);
    }
    let group = this.groups.get(input.groupId);
    if (!group) {
      // Only a client outside group management (generation -1) may create a group by committing.
      if (input.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.groupFor(input.groupId);
    }
    const errorCode = group.validateCommit(input.memberId, input.groupInstanceId, input.generationId);
    if (errorCode !== ErrorCode.NONE) return all(errorCode);
    return this.storeOffsets(group, input);
  }

  private storeOffsets(group: { offsets: Group['offsets'] }, input: OffsetCommitInput): { topic: string; partition: number; errorCode: number }[] {
    const commitTimestamp = this.now();
    return input.offsets.map(({ topic, partition, offset, metadata }) => {
      if (metadata !== null && metadata.length > MAX_OFFSET_METADATA_CHARS) {
        return { topic, partition, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
      }
      // Kafka stores a null metadata as "" and returns it that way.
      const committed: CommittedOffset = { groupId: input.groupId, topic, partition, offset, metadata: metadata ?? '', commitTimestamp };
      try {
        this.store.save(committed);
      } catch (error) {
        // Not stored, so not acknowledged: the client retries the commit (a retriable code).
        this.ctx.log(`offset commit of ${input.groupId} for ${topic}-${partition} not stored: ${(error as Error).message}`);
        return { topic, partition, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
      }
      this.putOffset(group, committed);
      return { topic, partition, errorCode: ErrorCode.NONE };
    });
  }

  /**
   * TxnOffsetCommit's member check: v3+ carries the consumer's generation and member id
   * (Java's sendOffsetsToTransaction with the group's metadata); a producer outside group
   * management sends -1 and "", which any group takes.
   */
  validateTransactionalCommit(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const group = this.groups.get(groupId);
    if (!group || (generationId < 0 && memberId === '' && groupInstanceId === null)) return ErrorCode.NONE;
    return group.validateCommit(memberId, groupInstanceId, generationId);
  }

  /** Stores the offsets a committed transaction carried, checked when they were sent; throws when the store cannot write one. */
  commitTransactionalOffsets(offsets: readonly CommittedOffset[]): void {
    for (const offset of offsets) {
      this.store.save(offset);
      this.putOffset(this.groupFor(offset.groupId), offset);
    }
  }

  /**
   * Whether this member may fetch the group's offsets (OffsetFetch v9+): for a KIP-848 group a
   * member must name its current epoch; anyone without a member id may.
   */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const consumerGroup = this.consumerGroups.get(groupId);
    if (consumerGroup) return consumerGroup.validateFetch(memberId, memberEpoch);
    // A classic group is only checked on commit; a KIP-848 member of a group that is gone must rejoin.
    if (memberId !== null && memberEpoch >= 0 && !this.groups.get(groupId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    return ErrorCode.NONE;
  }

  fetchOffsets(groupId: string, topics: { topic: string; partitions: number[] }[] | null): FetchedOffset[] {
    const group = this.groups.get(groupId) ?? this.consumerGroups.get(groupId);
    if (topics === null) {
      if (this.closed || !group) return [];
      return [...group.offsets.values()].flatMap((byPartition) => [...byPartition.values()].map(toFetched));
    }
    return topics.flatMap(({ topic, partitions }) =>
      partitions.map((partition) => {
        if (this.closed) return { topic, partition, offset: -1n, metadata: '', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
        const committed = group?.offsets.get(topic)?.get(partition);
        // Nothing committed is not an error: offset -1 tells the client to use its reset policy.
        return committed ? toFetched(committed) : { topic, partition, offset: -1n, metadata: '', errorCode: ErrorCode.NONE };
      }),
    );
  }

  listGroups(statesFilter: string[] = []): GroupListing[] {
    if (this.closed) return [];
    // ListGroups v4 matches states case-insensitively.
    const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
    const all: GroupListing[] = [
      ...[...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state as string, type: 'classic' as const })),
      ...[...this.consumerGroups.values()].map((g) => ({ groupId: g.groupId, protocolType: 'consumer', state: g.state as string, type: 'consumer' as const })),
    ];
    return all.filter((g) => wanted.size === 0 || wanted.has(g.state.toLowerCase()));
  }

  describeGroup(groupId: string): GroupDescription {
    const group = this.groups.get(groupId);
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groupId, state: 'Dead', protocolType: '', protocolName: '', members: [] };
    // Kafka describes an unknown group as Dead without an error.
    if (!group) return { errorCode: ErrorCode.NONE, groupId, state: 'Dead', protocolType: '', protocolName: '', members: [] };
    return { errorCode: ErrorCode.NONE, groupId, state: group.state, protocolType: group.protocolType ?? '', ...group.describe() };
  }

  deleteGroups(groupIds: string[]): { groupId: string; errorCode: number }[] {
    return groupIds.map((groupId) => {
      if (this.closed) return { groupId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
      const consumerGroup = this.consumerGroups.get(groupId);
      if (consumerGroup) {
        if (consumerGroup.memberCount > 0) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
        consumerGroup.close();
        this.consumerGroups.delete(groupId);
        this.store.deleteGroup(groupId);
        return { groupId, errorCode: ErrorCode.NONE };
      }
      const group = this.groups.get(groupId);
      if (!group) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (group.state !== 'Empty') return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      group.close(ErrorCode.COORDINATOR_NOT_AVAILABLE); // only MEMBER_ID_REQUIRED timers can be left
      this.groups.delete(groupId);
      this.store.deleteGroup(groupId);
      return { groupId, errorCode: ErrorCode.NONE };
    });
  }

  /**
   * OffsetDelete (kafka-consumer-groups --delete-offsets), as Kafka's coordinator answers it:
   * GROUP_ID_NOT_FOUND for a group it does not know; NON_EMPTY_GROUP for a classic group with
   * members that is not a consumer group (nothing says what it reads); per partition,
   * GROUP_SUBSCRIBED_TO_TOPIC while a member subscribes to the topic; else the offset goes
   * (a partition with none is answered the same).
   */
  deleteOffsets(groupId: string, topics: { topic: string; partitions: number[] }[]): { errorCode: number; topics: { topic: string; partitions: { partition: number; errorCode: number }[] }[] } {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    const consumerGroup = this.consumerGroups.get(groupId);
    const group = consumerGroup ?? this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    const subscribed = consumerGroup ? consumerGroup.subscribedTopics() : this.groups.get(groupId)!.subscribedTopics();
    if (subscribed === undefined) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map(({ topic, partitions }) => ({
        topic,
        partitions: partitions.map((partition) => {
          if (subscribed.has(topic)) return { partition, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          if (group.offsets.get(topic)?.delete(partition)) {
            if (group.offsets.get(topic)!.size === 0) group.offsets.delete(topic);
            this.store.deleteOffset(groupId, topic, partition);
          }
          return { partition, errorCode: ErrorCode.NONE };
        }),
      })),
    };
  }

  deleteTopic(topic: string): void {
    for (const group of [...this.groups.values(), ...this.consumerGroups.values()]) group.offsets.delete(topic);
    this.store.deleteTopic(topic);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const group of this.groups.values()) group.close(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    for (const group of this.consumerGroups.values()) group.close();
    // A store passed in belongs to the caller, who may still need it.
    if (this.ownsStore) this.store.close();
  }

  private groupFor(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId, this.ctx);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /**
   * One ConsumerGroupHeartbeat (KIP-848): join (epoch 0), heartbeat, or leave (-1, static -2).
   * The request checks are Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid, with its
   * messages; v1 members make up their own ids, v0 members get one from the coordinator.
   */
  consumerGroupHeartbeat(input: ConsumerHeartbeatInput, apiVersion: number): ConsumerHeartbeatOutput {
    if (this.closed) return heartbeatError(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
    const invalid = (message: string) => heartbeatError(ErrorCode.INVALID_REQUEST, message);
    const epoch = input.memberEpoch;
    if ((apiVersion >= 1 || epoch > 0 || epoch === LEAVE_EPOCH) && input.memberId === '') return invalid("MemberId can't be empty.");
    if (input.groupId === '') return invalid("GroupId can't be empty.");
    if (input.instanceId === '') return invalid("InstanceId can't be empty.");
    if (input.rackId === '') return invalid("RackId can't be empty.");
    if (epoch === 0) {
      if (input.rebalanceTimeoutMs === -1) return invalid('RebalanceTimeoutMs must be provided in first request.');
      if (input.topicPartitions === null || input.topicPartitions.length > 0) return invalid('TopicPartitions must be empty when (re-)joining.');
      const names = input.subscribedTopicNames !== null && input.subscribedTopicNames.length > 0;
      const regex = input.subscribedTopicRegex !== null && input.subscribedTopicRegex !== '';
      if (!names && !regex) return invalid('Subscribed topic names or subscribed topic regex must be set in first request.');
    } else if (epoch === LEAVE_STATIC_EPOCH) {
      if (input.instanceId === null) return invalid("InstanceId can't be null.");
    } else if (epoch < LEAVE_STATIC_EPOCH) {
      return invalid(`MemberEpoch is invalid.`);
    }
    if (input.subscribedTopicRegex !== null && input.subscribedTopicRegex !== '' && !compileRegex(input.subscribedTopicRegex)) {
      return invalid(`SubscribedTopicRegex \`${input.subscribedTopicRegex}\` is not a valid regular expression.`);
    }
    if (input.serverAssignor !== null && !isAssignorName(input.serverAssignor)) {
      return heartbeatError(
        ErrorCode.UNSUPPORTED_ASSIGNOR,
        `ServerAssignor ${input.serverAssignor} is not supported. Supported assignors: ${ASSIGNOR_NAMES.join(', ')}.`,
      );
    }
    const withId = epoch === 0 && input.memberId === '' ? { ...input, memberId: kafkaUuid() } : input;
    let group = this.consumerGroups.get(input.groupId);
    if (!group) {
      // Only a joining member creates the group; any other is of a group gone (a restart): it rejoins.
      if (epoch !== 0) return heartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${input.memberId} is not a member of group ${input.groupId}.`);
      const classic = this.groups.get(input.groupId);
      if (classic && classic.memberCount > 0 && classic.protocolType !== CONSUMER_PROTOCOL_TYPE) {
        // Kafka's validateOnlineUpgrade: only a group of consumers (protocol type "consumer") is converted.
        return heartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${input.groupId} is not a consumer group.`);
      }
      group = new ConsumerGroup(input.groupId, this.consumerCtx);
      if (classic) {
        // The classic group is replaced (Kafka's online upgrade); its offsets stay, its members
        // stay as classic members, and a join or sync they are waiting on is told to rejoin.
        for (const [topic, byPartition] of classic.offsets) group.offsets.set(topic, byPartition);
        const members = classic.membersForUpgrade();
        const generationId = classic.generationId;
        classic.close(members.length > 0 ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.COORDINATOR_NOT_AVAILABLE);
        this.groups.delete(input.groupId);
        if (members.length > 0) group.adoptClassicMembers(generationId, members);
      }
      this.consumerGroups.set(input.groupId, group);
    }
    const answer = group.heartbeat(withId);
    if (epoch === LEAVE_EPOCH && answer.errorCode === ErrorCode.NONE) this.maybeDowngrade(group);
    return answer;
  }

  /**
   * Kafka's online downgrade (group.consumer.migration.policy=bidirectional, its default): once
   * the last KIP-848 member has left (or was removed for silence) and classic members remain,
   * the group is a classic group again; its offsets stay.
   */
  private maybeDowngrade(consumerGroup: ConsumerGroup): void {
    const members = consumerGroup.membersForDowngrade();
    if (!members || this.closed || this.consumerGroups.get(consumerGroup.groupId) !== consumerGroup) return;
    const generationId = consumerGroup.groupEpoch;
    consumerGroup.close();
    this.consumerGroups.delete(consumerGroup.groupId);
    const group = this.groupFor(consumerGroup.groupId);
    for (const [topic, byPartition] of consumerGroup.offsets) group.offsets.set(topic, byPartition);
    group.adoptMembers(generationId, members);
  }

  /** ConsumerGroupDescribe: a KIP-848 group, or GROUP_ID_NOT_FOUND (a classic or unknown group). */
  describeConsumerGroup(groupId: string): { errorCode: number; errorMessage: string | null; description?: ConsumerGroupDescription } {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: null };
    const group = this.consumerGroups.get(groupId);
    if (group) return { errorCode: ErrorCode.NONE, errorMessage: null, description: group.describe() };
    if (this.groups.has(groupId)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a consumer group.` };
    return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.` };
  }

  /** An empty KIP-848 group taken over by a classic JoinGroup: the group becomes classic, its offsets stay. */
  private toClassic(consumerGroup: ConsumerGroup): void {
    consumerGroup.close();
    this.consumerGroups.delete(consumerGroup.groupId);
    const group = this.groupFor(consumerGroup.groupId);
    for (const [topic, byPartition] of consumerGroup.offsets) group.offsets.set(topic, byPartition);
  }

  private putOffset(group: { offsets: Group['offsets'] }, offset: CommittedOffset): void {
    let byPartition = group.offsets.get(offset.topic);
    if (!byPartition) {
      byPartition = new Map();
      group.offsets.set(offset.topic, byPartition);
    }
    byPartition.set(offset.partition, offset);
  }
}

/** A member id as Kafka's coordinator makes one for KIP-848 groups: a random Uuid in base64url (22 characters). */
function kafkaUuid(): string {
  return randomBytes(16).toString('base64url');
}

function toFetched(c: CommittedOffset): FetchedOffset {
  return { topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata, errorCode: ErrorCode.NONE };
}
