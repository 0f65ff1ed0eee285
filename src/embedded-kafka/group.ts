// One consumer group's membership state machine for Kafka's classic group
// protocol (Empty → PreparingRebalance → CompletingRebalance → Stable). The
// coordinator (group-coordinator.ts) validates requests that do not need
// group state and keeps the offsets; everything that depends on members,
// generations and timers lives here.
import { CONSUMER_PROTOCOL_TYPE } from '../protocol/apis/consumer-protocol.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeSubscriptionBytes } from './consumer-group.js';
import type { CommittedOffset } from './offset-store.js';
import type { JoinGroupInput, JoinGroupOutput, SyncGroupInput, SyncGroupOutput } from './group-coordinator.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupContext {
  initialRebalanceDelayMs: number;
  now: () => number;
  log: (line: string) => void;
  /** A fresh member id: `${prefix}-${uuid}`. */
  newMemberId: (prefix: string) => string;
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  /** Set while the member waits for the JoinGroup response of the next generation. */
  joinWaiter?: (out: JoinGroupOutput) => void;
  /** Order of this member's join in the current rebalance: the earliest becomes leader if the old one left. */
  joinSeq: number;
  syncWaiter?: (out: SyncGroupOutput) => void;
  sessionTimer?: NodeJS.Timeout;
}

const EMPTY = Buffer.alloc(0);

export function joinError(errorCode: number, memberId: string): JoinGroupOutput {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}

export function syncError(errorCode: number): SyncGroupOutput {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

export class Group {
  state: Exclude<GroupState, 'Dead'> = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** topic → partition → latest commit. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  private readonly members = new Map<string, Member>();
  /** Ids handed out with MEMBER_ID_REQUIRED, forgotten if the client does not rejoin within its session timeout. */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private joinTimer: NodeJS.Timeout | undefined;
  /** True during the initial delay after the first join into an Empty group. */
  private initialDelay = false;
  private rebalanceDeadline = 0;
  private joinSeq = 0;

  constructor(
    readonly groupId: string,
    private readonly ctx: GroupContext,
  ) {}

  /** Members, counting the ids handed out with MEMBER_ID_REQUIRED. */
  get memberCount(): number {
    return this.members.size + this.pending.size;
  }

  /** The members as they are, for a KIP-848 group taking this one over (Kafka's online upgrade). */
  membersForUpgrade(): { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; sessionTimeoutMs: number; rebalanceTimeoutMs: number; protocols: { name: string; metadata: Buffer }[]; assignment: Buffer }[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      sessionTimeoutMs: m.sessionTimeoutMs,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      // The protocol the group runs first, so its subscription is the one read.
      protocols: [...m.protocols].sort((a, b) => Number(b.name === this.protocolName) - Number(a.name === this.protocolName)),
      assignment: this.state === 'Stable' ? m.assignment : EMPTY,
    }));
  }

  /**
   * The topics its members subscribe to, read from their consumer-protocol metadata (for the
   * protocol the group runs); undefined when members run a protocol other than "consumer",
   * whose metadata says nothing of topics.
   */
  subscribedTopics(): Set<string> | undefined {
    if (this.members.size === 0) return new Set();
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return undefined;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const protocol = m.protocols.find((p) => p.name === this.protocolName) ?? m.protocols[0];
      for (const topic of (protocol && decodeSubscriptionBytes(protocol.metadata)?.topics) || []) topics.add(topic);
    }
    return topics;
  }

  /**
   * Takes over a consumer group's classic members (Kafka's online downgrade): the group is
   * Stable at `generationId` with what each owns, then rebalances at once, so each member
   * (told REBALANCE_IN_PROGRESS on its next heartbeat) rejoins and the leader assigns with
   * the members' own assignor.
   */
  adoptMembers(generationId: number, members: ReturnType<Group['membersForUpgrade']>): void {
    this.protocolType = CONSUMER_PROTOCOL_TYPE;
    this.generationId = generationId;
    for (const m of members) {
      const member: Member = { ...m, joinSeq: 0 };
      this.members.set(m.memberId, member);
      this.touch(member);
    }
    this.leaderId = members[0]!.memberId;
    this.protocolName = this.selectProtocol();
    this.state = 'Stable';
    this.ctx.log(`group ${this.groupId}: consumer group of ${members.length} classic members downgraded to a classic group at generation ${generationId}`);
    this.prepareRebalance();
  }

  /** Nothing to remember: no members, no MEMBER_ID_REQUIRED ids, no offsets. */
  get isUnused(): boolean {
    return this.state === 'Empty' && this.members.size === 0 && this.pending.size === 0 && this.offsets.size === 0;
  }

  join(input: JoinGroupInput): Promise<JoinGroupOutput> {
    const { memberId } = input;
    const isPending = memberId !== '' && this.pending.has(memberId);
    const member = this.members.get(memberId);
    if (memberId !== '' && !isPending && !member) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    if (!this.supportsProtocols(input)) return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId));

    if (memberId === '') {
      if (input.groupInstanceId !== null) {
        // Static membership, simplified: a known instance id just replaces the
        // old member (which gets FENCED_INSTANCE_ID if it was waiting) and the
        // group rebalances as for a new member. Kafka instead keeps the
        // assignment without a rebalance and fences the old id on every request.
        const old = [...this.members.values()].find((m) => m.groupInstanceId === input.groupInstanceId);
        if (old) this.dropMember(old, ErrorCode.FENCED_INSTANCE_ID);
        return this.addMember(input, this.ctx.newMemberId(input.groupInstanceId));
      }
      if (input.requireKnownMemberId) {
        // JoinGroup v4+: the client must come back with this id, so a client
        // that times out mid-join does not leave an orphan member behind.
        const id = this.ctx.newMemberId(input.clientId);
        this.addPending(id, input.sessionTimeoutMs);
        return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, id));
      }
      return this.addMember(input, this.ctx.newMemberId(input.clientId));
    }
    if (isPending) {
      clearTimeout(this.pending.get(memberId));
      this.pending.delete(memberId);
      return this.addMember(input, memberId);
    }
    return this.rejoin(member!, input);
  }

  sync(input: SyncGroupInput): Promise<SyncGroupOutput> {
    const member = this.members.get(input.memberId);
    if (!member) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (input.generationId !== this.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (
      (input.protocolType !== null && input.protocolType !== this.protocolType) ||
      (input.protocolName !== null && input.protocolName !== this.protocolName)
    ) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (this.state === 'PreparingRebalance') return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    this.touch(member);
    if (this.state === 'Stable') return Promise.resolve(this.syncResult(member));

    // CompletingRebalance: followers wait for the leader's assignments.
    const result = new Promise<SyncGroupOutput>((resolve) => {
      member.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      member.syncWaiter = resolve;
    });
    if (member.memberId === this.leaderId) {
      const assignments = new Map(input.assignments.map((a) => [a.memberId, a.assignment]));
      this.state = 'Stable';
      for (const m of this.members.values()) {
        m.assignment = assignments.get(m.memberId) ?? EMPTY;
        m.syncWaiter?.(this.syncResult(m));
        m.syncWaiter = undefined;
      }
    }
    return result;
  }

  heartbeat(memberId: string, generationId: number): number {
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(member);
    // This is how members of a Stable group learn that they must rejoin.
    return this.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(memberId: string, groupInstanceId: string | null): number {
    let member: Member | undefined;
    if (groupInstanceId !== null) {
      member = [...this.members.values()].find((m) => m.groupInstanceId === groupInstanceId);
      if (member && memberId !== '' && memberId !== member.memberId) return ErrorCode.FENCED_INSTANCE_ID;
    } else if (this.pending.has(memberId)) {
      clearTimeout(this.pending.get(memberId));
      this.pending.delete(memberId);
      this.tryCompleteJoin();
      return ErrorCode.NONE;
    } else {
      member = this.members.get(memberId);
    }
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.ctx.log(`group ${this.groupId}: member ${member.memberId} left`);
    this.removeMember(member, ErrorCode.UNKNOWN_MEMBER_ID);
    return ErrorCode.NONE;
  }

  /** Kafka's OffsetCommit checks (ClassicGroup.validateOffsetCommit); a valid commit counts as a heartbeat. */
  validateCommit(memberId: string, groupInstanceId: string | null, generationId: number): number {
    // Simple/admin commits (kafka-consumer-groups --reset-offsets) only into a group nobody consumes in.
    if (generationId < 0 && this.state === 'Empty') return ErrorCode.NONE;
    if (generationId < 0 && memberId === '' && groupInstanceId === null) return ErrorCode.UNKNOWN_MEMBER_ID;
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    // PreparingRebalance is allowed on purpose: consumers commit what they
    // processed before rejoining (Java's onPartitionsRevoked); only the window
    // between the join and sync responses is refused, as Kafka does.
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.touch(member);
    return ErrorCode.NONE;
  }

  describe(): {
    protocolName: string;
    members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }[];
  } {
    // As Kafka: metadata and assignments are only meaningful (and shown) once Stable.
    const stable = this.state === 'Stable';
    return {
      protocolName: stable ? (this.protocolName ?? '') : '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? this.metadataOf(m) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /** Stops every timer and answers every waiting request with `errorCode`. */
  close(errorCode: number): void {
    clearTimeout(this.joinTimer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const m of this.members.values()) {
      clearTimeout(m.sessionTimer);
      m.joinWaiter?.(joinError(errorCode, m.memberId));
      m.syncWaiter?.(syncError(errorCode));
      m.joinWaiter = m.syncWaiter = undefined;
    }
  }

  private rejoin(member: Member, input: JoinGroupInput): Promise<JoinGroupOutput> {
    const changed = !sameProtocols(member.protocols, input.protocols);
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    member.protocols = input.protocols;
    if (this.state === 'PreparingRebalance') {
      const result = this.awaitJoin(member);
      this.tryCompleteJoin();
      return result;
    }
    // A follower that lost its join response rejoins with the same metadata:
    // hand it the current generation instead of disturbing everyone. The
    // leader rejoining in Stable means it saw a metadata change (new partitions).
    const needsRebalance = changed || (this.state === 'Stable' && member.memberId === this.leaderId);
    if (!needsRebalance) {
      this.touch(member);
      return Promise.resolve(this.joinResult(member));
    }
    const result = this.awaitJoin(member);
    this.prepareRebalance();
    return result;
  }

  private addMember(input: JoinGroupInput, memberId: string): Promise<JoinGroupOutput> {
    if (this.members.size === 0) this.protocolType = input.protocolType;
    const member: Member = {
      memberId,
      groupInstanceId: input.groupInstanceId,
      clientId: input.clientId,
      clientHost: input.clientHost,
      sessionTimeoutMs: input.sessionTimeoutMs,
      rebalanceTimeoutMs: input.rebalanceTimeoutMs,
      protocols: input.protocols,
      assignment: EMPTY,
      joinSeq: 0,
    };
    this.members.set(memberId, member);
    const result = this.awaitJoin(member);
    if (this.state !== 'PreparingRebalance') {
      this.prepareRebalance();
    } else if (this.initialDelay) {
      // Another member starting at the same time: wait a little longer so
      // they all land in the first generation, but never past the deadline.
      this.scheduleJoinTimer(Math.min(this.ctx.initialRebalanceDelayMs, this.rebalanceDeadline - this.ctx.now()), () => this.endInitialDelay());
    } else {
      this.tryCompleteJoin();
    }
    return result;
  }

  private awaitJoin(member: Member): Promise<JoinGroupOutput> {
    // No session expiry while waiting: the rebalance timeout covers it.
    clearTimeout(member.sessionTimer);
    return new Promise((resolve) => {
      // A client that gave up on an earlier join and asked again: answer the old request.
      member.joinWaiter?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
      member.joinWaiter = resolve;
      member.joinSeq = ++this.joinSeq;
    });
  }

  private prepareRebalance(): void {
    if (this.state === 'CompletingRebalance') {
      for (const m of this.members.values()) {
        m.assignment = EMPTY;
        m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        m.syncWaiter = undefined;
      }
    }
    const fromEmpty = this.state === 'Empty';
    this.state = 'PreparingRebalance';
    const rebalanceTimeoutMs = Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
    this.rebalanceDeadline = this.ctx.now() + rebalanceTimeoutMs;
    if (fromEmpty) {
      this.initialDelay = true;
      this.scheduleJoinTimer(Math.min(this.ctx.initialRebalanceDelayMs, rebalanceTimeoutMs), () => this.endInitialDelay());
    } else {
      this.initialDelay = false;
      this.scheduleJoinTimer(rebalanceTimeoutMs, () => this.completeJoin());
      this.tryCompleteJoin();
    }
  }

  private endInitialDelay(): void {
    this.initialDelay = false;
    if (this.allJoined()) this.completeJoin();
    else this.scheduleJoinTimer(this.rebalanceDeadline - this.ctx.now(), () => this.completeJoin());
  }

  private scheduleJoinTimer(ms: number, onExpiry: () => void): void {
    clearTimeout(this.joinTimer);
    this.joinTimer = setTimeout(onExpiry, Math.max(0, ms));
  }

  private allJoined(): boolean {
    for (const m of this.members.values()) if (!m.joinWaiter) return false;
    return this.pending.size === 0;
  }

  private tryCompleteJoin(): void {
    if (this.state === 'PreparingRebalance' && !this.initialDelay && this.allJoined()) this.completeJoin();
  }

  /** Ends PreparingRebalance: everyone rejoined, or the rebalance timeout passed (then laggards are removed). */
  private completeJoin(): void {
    clearTimeout(this.joinTimer);
    this.joinTimer = undefined;
    this.initialDelay = false;
    for (const m of [...this.members.values()]) {
      if (m.joinWaiter) continue;
      this.ctx.log(`group ${this.groupId}: member ${m.memberId} removed, it did not rejoin within the rebalance timeout`);
      this.dropMember(m, ErrorCode.UNKNOWN_MEMBER_ID);
    }
    if (this.members.size === 0) {
      // Kafka bumps the generation here; keeping it is invisible to clients.
      this.becomeEmpty();
      return;
    }
    this.generationId++;
    if (this.leaderId === null || !this.members.has(this.leaderId)) {
      this.leaderId = [...this.members.values()].sort((a, b) => a.joinSeq - b.joinSeq)[0]!.memberId;
    }
    this.protocolName = this.selectProtocol();
    this.state = 'CompletingRebalance';
    this.ctx.log(
      `group ${this.groupId}: generation ${this.generationId} with ${this.members.size} members (leader ${this.leaderId}, protocol ${this.protocolName})`,
    );
    for (const m of this.members.values()) {
      m.joinWaiter?.(this.joinResult(m));
      m.joinWaiter = undefined;
      this.touch(m);
    }
  }

  private becomeEmpty(): void {
    clearTimeout(this.joinTimer);
    this.state = 'Empty';
    this.protocolName = null;
    this.leaderId = null;
    this.ctx.log(`group ${this.groupId}: empty at generation ${this.generationId}`);
  }

  /** Removes a member and moves the group on: a rebalance for the others, or Empty. */
  private removeMember(member: Member, errorCode: number): void {
    this.dropMember(member, errorCode);
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance();
    else if (this.state === 'PreparingRebalance') this.tryCompleteJoin();
  }

  /** Forgets a member without changing the group's state. */
  private dropMember(member: Member, errorCode: number): void {
    clearTimeout(member.sessionTimer);
    member.joinWaiter?.(joinError(errorCode, member.memberId));
    member.syncWaiter?.(syncError(errorCode));
    member.joinWaiter = member.syncWaiter = undefined;
    this.members.delete(member.memberId);
    if (this.leaderId === member.memberId) this.leaderId = null;
  }

  private addPending(memberId: string, sessionTimeoutMs: number): void {
    const timer = setTimeout(() => {
      this.pending.delete(memberId);
      this.tryCompleteJoin();
    }, sessionTimeoutMs);
    this.pending.set(memberId, timer);
  }

  /** Restarts the member's session timeout (heartbeat, commit, join or sync). */
  private touch(member: Member): void {
    if (member.joinWaiter) return; // the rebalance timeout covers members waiting to join
    clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => this.expire(member), member.sessionTimeoutMs);
  }

  private expire(member: Member): void {
    // A follower blocked in SyncGroup cannot heartbeat (librdkafka, some clients): wait for the leader.
    if (member.syncWaiter) {
      this.touch(member);
      return;
    }
    this.ctx.log(`group ${this.groupId}: member ${member.memberId} expired after ${member.sessionTimeoutMs} ms without heartbeat`);
    this.removeMember(member, ErrorCode.UNKNOWN_MEMBER_ID);
  }

  private supportsProtocols(input: JoinGroupInput): boolean {
    if (input.protocolType === '' || input.protocols.length === 0) return false;
    const others = [...this.members.values()].filter((m) => m.memberId !== input.memberId);
    if (others.length === 0) return true;
    if (input.protocolType !== this.protocolType) return false;
    return input.protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  /** Kafka's vote: each member votes for its most preferred protocol that all support; ties go to the leader's order. */
  private selectProtocol(): string {
    const members = [...this.members.values()];
    const leader = this.members.get(this.leaderId!)!;
    const common = leader.protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.protocols.find((p) => common.includes(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best = common[0]!;
    for (const name of common) if ((votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  private metadataOf(member: Member): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY;
  }

  private joinResult(member: Member): JoinGroupOutput {
    const isLeader = member.memberId === this.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId: member.memberId,
      // Only the leader computes assignments, so only it gets everyone's metadata.
      members: isLeader
        ? [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: this.metadataOf(m) }))
        : [],
    };
  }

  private syncResult(member: Member): SyncGroupOutput {
    return { errorCode: ErrorCode.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment: member.assignment };
  }
}

function sameProtocols(a: { name: string; metadata: Buffer }[], b: { name: string; metadata: Buffer }[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}
