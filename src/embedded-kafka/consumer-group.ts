// One KIP-848 consumer group (group.protocol=consumer, Kafka 4.x): members send
// ConsumerGroupHeartbeat, the coordinator assigns. As Kafka's GroupMetadataManager
// and CurrentAssignmentBuilder do it: a membership or subscription change bumps the
// group epoch; the server-side assignor then computes a target assignment for that
// epoch; each member is moved towards its target on its own heartbeats, giving up
// partitions first (it keeps its epoch until its heartbeat shows them released) and
// getting a partition only once no other member holds it. The member epoch is what
// commits and offset fetches are checked against. The coordinator
// (group-coordinator.ts) validates requests and keeps the group map.
import { CONSUMER_PROTOCOL_TYPE, CONSUMER_PROTOCOL_VERSION, ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../protocol/apis/consumer-protocol.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Reader } from '../protocol/reader.js';
import { decodeMessage, encodeMessage } from '../protocol/schema.js';
import { Writer } from '../protocol/writer.js';
import { ASSIGNORS, DEFAULT_ASSIGNOR, isAssignorName, type AssignorMember, type TopicPartitions } from './assignors.js';
import type { JoinGroupInput, JoinGroupOutput, SyncGroupOutput } from './group-coordinator.js';
import type { Group } from './group.js';
import type { CommittedOffset } from './offset-store.js';

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

export interface ConsumerGroupContext {
  now: () => number;
  log: (line: string) => void;
  /** How often members should heartbeat (Kafka's group.consumer.heartbeat.interval.ms). */
  heartbeatIntervalMs: number;
  /** A member not heard from for this long is removed (group.consumer.session.timeout.ms). */
  sessionTimeoutMs: number;
  /** The topic's id and partition count, if it exists. */
  topic(name: string): { id: string; partitions: number } | undefined;
  /** The name of the topic with this id, if it exists. */
  topicName(id: string): string | undefined;
  /** Every topic's name (what a subscription regex is matched against). */
  topicNames(): string[];
  /** A member was removed by a timer (silent, or fenced for not revoking): the coordinator may downgrade the group. */
  memberTimedOut?(group: ConsumerGroup): void;
}

export interface ConsumerHeartbeatInput {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: { topicId: string; partitions: number[] }[] | null;
  clientId: string;
  clientHost: string;
}

export interface ConsumerHeartbeatOutput {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicPartitions: { topicId: string; partitions: number[] }[] } | null;
}

export interface DescribedTopicPartitions {
  topicId: string;
  topicName: string;
  partitions: number[];
}

export interface ConsumerGroupDescription {
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: {
    memberId: string;
    instanceId: string | null;
    rackId: string | null;
    memberEpoch: number;
    clientId: string;
    clientHost: string;
    subscribedTopicNames: string[];
    subscribedTopicRegex: string | null;
    assignment: { topicPartitions: DescribedTopicPartitions[] };
    targetAssignment: { topicPartitions: DescribedTopicPartitions[] };
  }[];
}

/** Kafka's MemberState: where the member is on its way to its target assignment. */
type MemberState = 'stable' | 'unrevoked-partitions' | 'unreleased-partitions';

interface ConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** What the member owns or is about to own (the heartbeat answer's assignment). */
  assigned: TopicPartitions;
  /** What it must give up before it moves to the next epoch. */
  revoking: TopicPartitions;
  sessionTimer?: NodeJS.Timeout;
  rebalanceTimer?: NodeJS.Timeout;
  /** Set for a member that speaks the classic protocol (JoinGroup/SyncGroup/Heartbeat) in this group. */
  classic?: { sessionTimeoutMs: number; protocols: { name: string; metadata: Buffer }[] };
}

/** A member as it joins (epoch 0, stable, nothing subscribed, owned or being revoked yet): KIP-848 and classic joins alike. */
function newMember(who: Pick<ConsumerMember, 'memberId' | 'instanceId' | 'rackId' | 'clientId' | 'clientHost' | 'rebalanceTimeoutMs'>): ConsumerMember {
  return {
    ...who,
    memberEpoch: 0,
    previousMemberEpoch: -1,
    state: 'stable',
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignor: null,
    assigned: new Map(),
    revoking: new Map(),
  };
}

/** The epoch a static member leaves with: it keeps its partitions for a while, to come back. */
export const LEAVE_STATIC_EPOCH = -2;
export const LEAVE_EPOCH = -1;

function ok(member: ConsumerMember, intervalMs: number, withAssignment: boolean): ConsumerHeartbeatOutput {
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: member.memberId,
    memberEpoch: member.memberEpoch,
    heartbeatIntervalMs: intervalMs,
    assignment: withAssignment ? { topicPartitions: toList(member.assigned) } : null,
  };
}

export function heartbeatError(errorCode: number, errorMessage: string | null): ConsumerHeartbeatOutput {
  return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

function toList(tp: TopicPartitions): { topicId: string; partitions: number[] }[] {
  return [...tp]
    .filter(([, ps]) => ps.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((a, b) => a - b) }));
}

function keyOf(tp: TopicPartitions): string {
  return JSON.stringify(toList(tp));
}

function addPartition(tp: TopicPartitions, topicId: string, partition: number): void {
  let set = tp.get(topicId);
  if (!set) tp.set(topicId, (set = new Set()));
  set.add(partition);
}

function isEmpty(tp: TopicPartitions): boolean {
  for (const ps of tp.values()) if (ps.size > 0) return false;
  return true;
}

function fromList(list: { topicId: string; partitions: number[] }[]): TopicPartitions {
  return new Map(list.map((t) => [t.topicId, new Set(t.partitions)]));
}

function overlaps(a: TopicPartitions, b: TopicPartitions): boolean {
  for (const [t, ps] of a) for (const p of ps) if (b.get(t)?.has(p)) return true;
  return false;
}

function isSubset(a: TopicPartitions, b: TopicPartitions): boolean {
  for (const [t, ps] of a) for (const p of ps) if (!b.get(t)?.has(p)) return false;
  return true;
}

export class ConsumerGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  /** topic → partition → latest commit (moved here from a classic group this one replaced). */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  private readonly members = new Map<string, ConsumerMember>();
  private target = new Map<string, TopicPartitions>();
  /** The subscribed topics' ids and partition counts the target was computed for. */
  private metadataKey = '';

  constructor(
    readonly groupId: string,
    private readonly ctx: ConsumerGroupContext,
  ) {}

  get memberCount(): number {
    return this.members.size;
  }

  /** Kafka's ConsumerGroup.updateState. */
  get state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) {
      if (m.memberEpoch === LEAVE_STATIC_EPOCH) continue;
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== 'stable') return 'Reconciling';
    }
    return 'Stable';
  }

  /** The assignor members asked for most (Kafka's preferredServerAssignor), else uniform. */
  get assignorName(): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) if (m.serverAssignor) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best: string = DEFAULT_ASSIGNOR;
    let most = 0;
    for (const [name, n] of votes) if (n > most) [best, most] = [name, n];
    return best;
  }

  /** One heartbeat of a request the coordinator has validated (group id, member id, epoch rules, assignor). */
  heartbeat(input: ConsumerHeartbeatInput): ConsumerHeartbeatOutput {
    if (input.memberEpoch === LEAVE_EPOCH || input.memberEpoch === LEAVE_STATIC_EPOCH) return this.leave(input);
    let member = this.members.get(input.memberId);
    let changed = false;
    if (input.memberEpoch === 0) {
      const joined = this.join(input);
      if ('errorCode' in joined) return joined;
      member = joined.member;
      changed = joined.isNew;
    } else {
      if (!member || member.memberEpoch === LEAVE_STATIC_EPOCH || member.classic) {
        return heartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${input.memberId} is not a member of group ${this.groupId}.`);
      }
      if (input.instanceId !== null && member.instanceId !== input.instanceId) {
        return heartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${input.memberId} with instance id ${input.instanceId} is fenced.`);
      }
      const fenced = this.checkEpoch(member, input);
      if (fenced) return fenced;
    }

    // What the member asks for now (null fields keep what it asked for before).
    member.clientId = input.clientId;
    member.clientHost = input.clientHost;
    if (input.rackId !== null) member.rackId = input.rackId;
    if (input.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    if (input.subscribedTopicNames !== null && !sameNames(input.subscribedTopicNames, member.subscribedTopicNames)) {
      member.subscribedTopicNames = [...input.subscribedTopicNames];
      changed = true;
    }
    if (input.subscribedTopicRegex !== null && input.subscribedTopicRegex !== member.subscribedTopicRegex) {
      member.subscribedTopicRegex = input.subscribedTopicRegex === '' ? null : input.subscribedTopicRegex;
      changed = true;
    }
    if (input.serverAssignor !== null && input.serverAssignor !== member.serverAssignor) {
      member.serverAssignor = input.serverAssignor;
      changed = true;
    }
    this.updateTarget(changed);

    const before = keyOf(member.assigned);
    const owned = input.topicPartitions === null ? null : fromList(input.topicPartitions);
    this.reconcile(member, owned);
    this.touch(member);

    const fullRequest =
      input.memberEpoch === 0 ||
      (input.rebalanceTimeoutMs !== -1 && (input.subscribedTopicNames !== null || input.subscribedTopicRegex !== null) && input.topicPartitions !== null);
    return ok(member, this.ctx.heartbeatIntervalMs, fullRequest || keyOf(member.assigned) !== before);
  }

  /** Kafka's ConsumerGroup.validateOffsetCommit: the member's current epoch, on OffsetCommit v9+. */
  validateCommit(memberId: string, memberEpoch: number, apiVersion: number): { errorCode: number } {
    // An admin (kafka-consumer-groups --reset-offsets) or a consumer outside group management: only into an empty group.
    if (memberEpoch < 0 && this.members.size === 0) return { errorCode: ErrorCode.NONE };
    const member = this.members.get(memberId);
    if (!member) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    // A classic member commits with its generation, which is its member epoch here.
    if (member.classic) return { errorCode: memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION };
    if (apiVersion < 9) return { errorCode: ErrorCode.UNSUPPORTED_VERSION };
    if (memberEpoch !== member.memberEpoch) return { errorCode: ErrorCode.STALE_MEMBER_EPOCH };
    return { errorCode: ErrorCode.NONE };
  }

  /** Kafka's ConsumerGroup.validateOffsetFetch: anyone without a member id; a member with its current epoch. */
  validateFetch(memberId: string | null, memberEpoch: number): number {
    if (memberEpoch < 0 && memberId === null) return ErrorCode.NONE;
    const member = memberId === null ? undefined : this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  // ---- classic members (Kafka 4.x: JoinGroup/SyncGroup/Heartbeat of a consumer group) ----

  /**
   * After a member's join or heartbeat: a new group epoch when its subscription changed, or
   * when new topics or partitions of subscribed ones appeared, and a new target assignment
   * when the epoch moved past the last one computed.
   */
  private updateTarget(subscriptionChanged: boolean): void {
    let changed = subscriptionChanged;
    const metadataKey = this.subscriptionMetadataKey();
    if (metadataKey !== this.metadataKey) {
      this.metadataKey = metadataKey;
      changed = true;
    }
    if (changed) this.bumpGroupEpoch();
    if (this.groupEpoch > this.assignmentEpoch) this.computeTarget();
  }

  /**
   * A classic JoinGroup into this group (Kafka's classicGroupJoinToConsumerGroup): the member's
   * subscription and owned partitions come from its protocol metadata, the coordinator assigns
   * as for any member, and the answer's generation is the member epoch. No leader: every
   * classic member is a follower whose SyncGroup gets its assignment from the coordinator.
   */
  classicJoin(input: JoinGroupInput, memberId: string): JoinGroupOutput {
    const fail = (errorCode: number): JoinGroupOutput => ({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] });
    const first = input.protocols[0];
    const subscription = first && decodeSubscriptionBytes(first.metadata);
    if (input.protocolType !== CONSUMER_PROTOCOL_TYPE || !subscription) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    let member = this.members.get(memberId);
    if (member && !member.classic) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    let changed = false;
    if (!member) {
      member = newMember({ memberId, instanceId: input.groupInstanceId, rackId: null, clientId: input.clientId, clientHost: input.clientHost, rebalanceTimeoutMs: input.rebalanceTimeoutMs });
      this.members.set(memberId, member);
      this.ctx.log(`group ${this.groupId}: classic member ${memberId} (${input.clientId}) joined`);
      changed = true;
    }
    member.classic = { sessionTimeoutMs: input.sessionTimeoutMs, protocols: input.protocols };
    member.clientId = input.clientId;
    member.clientHost = input.clientHost;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    if (!sameNames(subscription.topics, member.subscribedTopicNames)) {
      member.subscribedTopicNames = [...subscription.topics];
      changed = true;
    }
    this.updateTarget(changed);
    const owned: TopicPartitions = new Map();
    for (const { topic, partitions } of subscription.ownedPartitions) {
      const t = this.ctx.topic(topic);
      if (t) for (const p of partitions) addPartition(owned, t.id, p);
    }
    this.reconcile(member, owned);
    this.touch(member);
    return { errorCode: ErrorCode.NONE, generationId: member.memberEpoch, protocolType: CONSUMER_PROTOCOL_TYPE, protocolName: first.name, leader: '', memberId, members: [] };
  }

  /**
   * Takes over a classic group's members (Kafka's convertToConsumerGroup, the online upgrade):
   * each keeps its assignment at the classic generation, which becomes its member epoch and the
   * group's epoch; they go on as classic members until they leave.
   */
  adoptClassicMembers(generationId: number, members: ReturnType<Group['membersForUpgrade']>): void {
    this.groupEpoch = this.assignmentEpoch = generationId;
    for (const m of members) {
      const subscription = m.protocols[0] && decodeSubscriptionBytes(m.protocols[0].metadata);
      const assigned: TopicPartitions = new Map();
      for (const { topic, partitions } of decodeAssignmentBytes(m.assignment)) {
        const t = this.ctx.topic(topic);
        if (t) for (const p of partitions) addPartition(assigned, t.id, p);
      }
      const member: ConsumerMember = {
        memberId: m.memberId,
        instanceId: m.groupInstanceId,
        rackId: null,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberEpoch: generationId,
        previousMemberEpoch: generationId,
        state: 'stable',
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        subscribedTopicNames: subscription?.topics ?? [],
        subscribedTopicRegex: null,
        serverAssignor: null,
        assigned,
        revoking: new Map(),
        classic: { sessionTimeoutMs: m.sessionTimeoutMs, protocols: m.protocols },
      };
      this.members.set(member.memberId, member);
      this.target.set(member.memberId, new Map([...assigned].map(([t, ps]) => [t, new Set(ps)])));
      this.touch(member);
    }
    this.metadataKey = this.subscriptionMetadataKey();
    this.ctx.log(`group ${this.groupId}: classic group of ${members.length} members upgraded to a consumer group at epoch ${generationId}`);
  }

  /**
   * Its members as a classic group takes them (Kafka's online downgrade, once the last KIP-848
   * member left): each with its classic session and protocols and what it owns now, encoded
   * as a classic assignment. Undefined while any member speaks the KIP-848 protocol, or none is left.
   */
  membersForDowngrade(): ReturnType<Group['membersForUpgrade']> | undefined {
    const members = [...this.members.values()];
    if (members.length === 0 || members.some((m) => !m.classic)) return undefined;
    return members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      sessionTimeoutMs: m.classic!.sessionTimeoutMs,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      protocols: m.classic!.protocols,
      assignment: this.encodeAssignmentOf(m),
    }));
  }

  /** A classic member's SyncGroup: its assignment, as the coordinator reconciled it on its join. */
  classicSync(memberId: string, generationId: number, protocolType: string | null, protocolName: string | null): SyncGroupOutput {
    const fail = (errorCode: number): SyncGroupOutput => ({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    const member = this.members.get(memberId);
    if (!member?.classic) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generationId !== member.memberEpoch) return fail(ErrorCode.ILLEGAL_GENERATION);
    const name = member.classic.protocols[0]?.name ?? null;
    if ((protocolType !== null && protocolType !== CONSUMER_PROTOCOL_TYPE) || (protocolName !== null && protocolName !== name)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // A newer group epoch: it must join again first (unless it still has to finish revoking).
    if (this.groupEpoch > member.memberEpoch && member.state !== 'unrevoked-partitions') return fail(ErrorCode.REBALANCE_IN_PROGRESS);
    this.touch(member);
    return { errorCode: ErrorCode.NONE, protocolType: CONSUMER_PROTOCOL_TYPE, protocolName: name, assignment: this.encodeAssignmentOf(member) };
  }

  /** A classic member's Heartbeat: REBALANCE_IN_PROGRESS whenever a rejoin would move it on. */
  classicHeartbeat(memberId: string, generationId: number): number {
    const member = this.members.get(memberId);
    if (!member?.classic) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== member.memberEpoch) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(member);
    const waitingOnOthers = member.state === 'unreleased-partitions' && this.waitingOnUnreleased(member);
    if (member.memberEpoch < this.groupEpoch || member.state === 'unrevoked-partitions' || (member.state === 'unreleased-partitions' && !waitingOnOthers)) {
      return ErrorCode.REBALANCE_IN_PROGRESS;
    }
    return ErrorCode.NONE;
  }

  /** A classic member's LeaveGroup. */
  classicLeave(memberId: string): number {
    const member = this.members.get(memberId);
    if (!member?.classic) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.ctx.log(`group ${this.groupId}: classic member ${memberId} left`);
    this.removeMember(member);
    return ErrorCode.NONE;
  }

  private waitingOnUnreleased(member: ConsumerMember): boolean {
    for (const [t, ps] of this.target.get(member.memberId) ?? new Map<string, Set<number>>()) {
      for (const p of ps) if (!member.assigned.get(t)?.has(p) && this.heldByOther(member, t, p)) return true;
    }
    return false;
  }

  private encodeAssignmentOf(member: ConsumerMember): Buffer {
    const assignedPartitions = toList(member.assigned).flatMap((t) => {
      const topic = this.ctx.topicName(t.topicId);
      return topic === undefined ? [] : [{ topic, partitions: t.partitions }];
    });
    const w = new Writer().int16(CONSUMER_PROTOCOL_VERSION);
    encodeMessage(w, ConsumerProtocolAssignment, CONSUMER_PROTOCOL_VERSION, { assignedPartitions, userData: null });
    return w.toBuffer();
  }

  describe(): ConsumerGroupDescription {
    const described = (tp: TopicPartitions): { topicPartitions: DescribedTopicPartitions[] } => ({
      topicPartitions: toList(tp).map((t) => ({ topicId: t.topicId, topicName: this.ctx.topicName(t.topicId) ?? '', partitions: t.partitions })),
    });
    return {
      groupId: this.groupId,
      groupState: this.state,
      groupEpoch: this.groupEpoch,
      assignmentEpoch: this.assignmentEpoch,
      assignorName: this.assignorName,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: described(m.assigned),
        targetAssignment: described(this.target.get(m.memberId) ?? new Map()),
      })),
    };
  }

  /** Stops every timer (the broker is closing or the group is deleted). */
  close(): void {
    for (const m of this.members.values()) this.clearTimers(m);
  }

  /** A member joining (epoch 0): new, rejoining under its old id, or a static member coming back. */
  private join(input: ConsumerHeartbeatInput): { member: ConsumerMember; isNew: boolean } | ConsumerHeartbeatOutput {
    if (input.instanceId !== null) {
      const previous = [...this.members.values()].find((m) => m.instanceId === input.instanceId);
      if (previous && previous.memberEpoch !== LEAVE_STATIC_EPOCH && previous.memberId !== input.memberId) {
        return heartbeatError(
          ErrorCode.UNRELEASED_INSTANCE_ID,
          `Static member ${input.memberId} with instance id ${input.instanceId} cannot join the group because the instance id is owned by ${previous.memberId} member.`,
        );
      }
      if (previous && previous.memberEpoch === LEAVE_STATIC_EPOCH) {
        // The static member is back: it takes over its old partitions and epoch, no rebalance.
        this.clearTimers(previous);
        this.members.delete(previous.memberId);
        const target = this.target.get(previous.memberId);
        this.target.delete(previous.memberId);
        const member: ConsumerMember = { ...previous, memberId: input.memberId, memberEpoch: previous.previousMemberEpoch, sessionTimer: undefined, rebalanceTimer: undefined };
        this.members.set(member.memberId, member);
        if (target) this.target.set(member.memberId, target);
        this.ctx.log(`group ${this.groupId}: static member ${input.instanceId} is back as ${member.memberId}`);
        return { member, isNew: false };
      }
    }
    const existing = this.members.get(input.memberId);
    if (existing) {
      // Rejoining with epoch 0 under the same id: it gave up what it had; start it afresh.
      this.clearTimers(existing);
      this.members.delete(existing.memberId);
    }
    const member = newMember({ memberId: input.memberId, instanceId: input.instanceId, rackId: input.rackId, clientId: input.clientId, clientHost: input.clientHost, rebalanceTimeoutMs: input.rebalanceTimeoutMs });
    this.members.set(member.memberId, member);
    this.ctx.log(`group ${this.groupId}: member ${member.memberId} (${input.clientId}) joined`);
    return { member, isNew: true };
  }

  private leave(input: ConsumerHeartbeatInput): ConsumerHeartbeatOutput {
    const member = input.instanceId !== null ? [...this.members.values()].find((m) => m.instanceId === input.instanceId) : this.members.get(input.memberId);
    if (!member) return heartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${input.memberId} is not a member of group ${this.groupId}.`);
    if (input.instanceId !== null && member.memberId !== input.memberId) {
      return heartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${input.memberId} with instance id ${input.instanceId} is fenced.`);
    }
    if (input.memberEpoch === LEAVE_STATIC_EPOCH) {
      // It keeps its partitions until its session times out, so it can come back without a rebalance.
      clearTimeout(member.rebalanceTimer);
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = LEAVE_STATIC_EPOCH;
      this.ctx.log(`group ${this.groupId}: static member ${member.instanceId} (${member.memberId}) left for now`);
    } else {
      this.ctx.log(`group ${this.groupId}: member ${member.memberId} left`);
      this.removeMember(member);
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: input.memberId, memberEpoch: input.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
  }

  /** Kafka's throwIfMemberEpochIsInvalid. */
  private checkEpoch(member: ConsumerMember, input: ConsumerHeartbeatInput): ConsumerHeartbeatOutput | undefined {
    const received = input.memberEpoch;
    if (received > member.memberEpoch) {
      return heartbeatError(
        ErrorCode.FENCED_MEMBER_EPOCH,
        `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
      );
    }
    if (received < member.memberEpoch) {
      // The answer that moved it to the current epoch may have been lost: the previous epoch
      // is fine as long as it owns nothing it should not.
      const owned = input.topicPartitions === null ? null : fromList(input.topicPartitions);
      if (received === member.previousMemberEpoch && owned !== null && isSubset(owned, member.assigned)) return undefined;
      return heartbeatError(
        ErrorCode.FENCED_MEMBER_EPOCH,
        `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
      );
    }
    return undefined;
  }

  private bumpGroupEpoch(): void {
    this.groupEpoch++;
  }

  /** The topics members subscribe to (names and regexes resolved) with their ids and partition counts. */
  private subscriptionMetadataKey(): string {
    const names = new Set<string>();
    for (const m of this.members.values()) for (const n of this.subscribedNames(m)) names.add(n);
    return [...names]
      .sort()
      .map((n) => {
        const t = this.ctx.topic(n);
        return t ? `${n}:${t.id}:${t.partitions}` : `${n}:-`;
      })
      .join(',');
  }

  /** The topics its members subscribe to, by name or by regex (OffsetDelete refuses their offsets). */
  subscribedTopics(): Set<string> {
    return new Set([...this.members.values()].flatMap((m) => this.subscribedNames(m)));
  }

  private subscribedNames(member: ConsumerMember): string[] {
    if (member.subscribedTopicRegex === null) return member.subscribedTopicNames;
    const re = compileRegex(member.subscribedTopicRegex);
    const matched = re ? this.ctx.topicNames().filter((n) => !n.startsWith('__') && re.test(n)) : [];
    return [...new Set([...member.subscribedTopicNames, ...matched])];
  }

  /** Runs the group's assignor for the current group epoch. */
  private computeTarget(): void {
    const partitionCounts = new Map<string, number>();
    const members: AssignorMember[] = [...this.members.values()].map((m) => {
      const topicIds: string[] = [];
      for (const name of this.subscribedNames(m)) {
        const t = this.ctx.topic(name);
        if (!t) continue;
        topicIds.push(t.id);
        partitionCounts.set(t.id, t.partitions);
      }
      return { memberId: m.memberId, topicIds, current: this.target.get(m.memberId) ?? new Map() };
    });
    const name = this.assignorName;
    this.target = ASSIGNORS[isAssignorName(name) ? name : DEFAULT_ASSIGNOR](members, partitionCounts);
    this.assignmentEpoch = this.groupEpoch;
    this.ctx.log(`group ${this.groupId}: epoch ${this.groupEpoch}, ${name} assignment for ${members.length} members`);
  }

  /** Kafka's CurrentAssignmentBuilder: one step of the member towards its target. */
  private reconcile(member: ConsumerMember, owned: TopicPartitions | null): void {
    if (member.state === 'unrevoked-partitions') {
      // Still holding something it was asked to give up: wait for it.
      if (owned === null || overlaps(owned, member.revoking)) return;
      this.nextAssignment(member, owned);
    } else if (member.state === 'unreleased-partitions' || member.memberEpoch !== this.assignmentEpoch) {
      this.nextAssignment(member, owned);
    }
  }

  private nextAssignment(member: ConsumerMember, owned: TopicPartitions | null): void {
    const target = this.target.get(member.memberId) ?? new Map<string, Set<number>>();
    const kept: TopicPartitions = new Map();
    const revoking: TopicPartitions = new Map();
    const adding: TopicPartitions = new Map();
    let unreleased = false;
    for (const topicId of new Set([...member.assigned.keys(), ...target.keys()])) {
      const current = member.assigned.get(topicId) ?? new Set<number>();
      const wanted = target.get(topicId) ?? new Set<number>();
      for (const p of current) addPartition(wanted.has(p) ? kept : revoking, topicId, p);
      for (const p of wanted) {
        if (current.has(p)) continue;
        if (this.heldByOther(member, topicId, p)) unreleased = true;
        else addPartition(adding, topicId, p);
      }
    }
    const ownsRevoked = owned === null || overlaps(owned, revoking);
    if (!isEmpty(revoking) && ownsRevoked) {
      // Revocation first: it keeps its epoch until its heartbeat shows them released.
      member.state = 'unrevoked-partitions';
      member.assigned = kept;
      member.revoking = revoking;
      this.startRebalanceTimer(member);
      return;
    }
    for (const [t, ps] of adding) for (const p of ps) addPartition(kept, t, p);
    clearTimeout(member.rebalanceTimer);
    member.rebalanceTimer = undefined;
    member.state = unreleased ? 'unreleased-partitions' : 'stable';
    if (member.memberEpoch !== this.assignmentEpoch) {
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = this.assignmentEpoch;
    }
    member.assigned = kept;
    member.revoking = new Map();
  }

  private heldByOther(member: ConsumerMember, topicId: string, partition: number): boolean {
    for (const m of this.members.values()) {
      if (m === member) continue;
      if (m.assigned.get(topicId)?.has(partition) || m.revoking.get(topicId)?.has(partition)) return true;
    }
    return false;
  }

  /** A member must give up its partitions within its rebalance timeout, or it is fenced. */
  private startRebalanceTimer(member: ConsumerMember): void {
    if (member.rebalanceTimer) return;
    member.rebalanceTimer = setTimeout(() => {
      if (this.members.get(member.memberId) !== member) return;
      this.ctx.log(`group ${this.groupId}: member ${member.memberId} fenced, it did not revoke its partitions within its rebalance timeout of ${member.rebalanceTimeoutMs} ms`);
      this.removeMember(member);
      this.ctx.memberTimedOut?.(this);
    }, Math.max(0, member.rebalanceTimeoutMs));
  }

  /** Restarts the member's session timeout. */
  private touch(member: ConsumerMember): void {
    clearTimeout(member.sessionTimer);
    const timeoutMs = member.classic?.sessionTimeoutMs ?? this.ctx.sessionTimeoutMs;
    member.sessionTimer = setTimeout(() => {
      if (this.members.get(member.memberId) !== member) return;
      this.ctx.log(`group ${this.groupId}: member ${member.memberId} expired after ${timeoutMs} ms without heartbeat`);
      this.removeMember(member);
      this.ctx.memberTimedOut?.(this);
    }, timeoutMs);
  }

  private clearTimers(member: ConsumerMember): void {
    clearTimeout(member.sessionTimer);
    clearTimeout(member.rebalanceTimer);
    member.sessionTimer = member.rebalanceTimer = undefined;
  }

  /** Removes a member (left, expired or fenced): its partitions are free, and the others get a new target. */
  private removeMember(member: ConsumerMember): void {
    this.clearTimers(member);
    this.members.delete(member.memberId);
    this.target.delete(member.memberId);
    this.bumpGroupEpoch();
    if (this.members.size === 0) {
      // Nobody left to assign to: the (empty) target is current.
      this.assignmentEpoch = this.groupEpoch;
      this.target = new Map();
    }
  }
}

/** A ConsumerProtocolAssignment (any version); nothing when it does not read as one (an empty SyncGroup answer). */
function decodeAssignmentBytes(bytes: Buffer): { topic: string; partitions: number[] }[] {
  if (bytes.length < 2) return [];
  try {
    const r = new Reader(bytes);
    const version = Math.min(r.int16(), CONSUMER_PROTOCOL_VERSION);
    if (version < 0) return [];
    return decodeMessage(r, ConsumerProtocolAssignment, version).assignedPartitions;
  } catch {
    return [];
  }
}

/** A classic member's ConsumerProtocolSubscription (any version), or undefined when it does not read as one. */
export function decodeSubscriptionBytes(bytes: Buffer): { topics: string[]; ownedPartitions: { topic: string; partitions: number[] }[] } | undefined {
  try {
    const r = new Reader(bytes);
    const version = Math.min(r.int16(), CONSUMER_PROTOCOL_VERSION);
    if (version < 0) return undefined;
    const s = decodeMessage(r, ConsumerProtocolSubscription, version);
    return { topics: s.topics, ownedPartitions: s.ownedPartitions };
  } catch {
    return undefined;
  }
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}

/** A subscription regex as Kafka's RE2J takes it: the whole topic name must match. */
export function compileRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return undefined;
  }
}
