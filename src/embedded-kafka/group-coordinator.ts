// The embedded broker's consumer group coordinator (Kafka's classic group
// protocol: JoinGroup/SyncGroup/Heartbeat/LeaveGroup plus committed offsets).
// Pure: no sockets, no encoding. Protocol-level failures come back as Kafka
// error codes, never as exceptions, so the request handlers just copy them
// into responses. The per-group state machine is in group.ts.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.js';
import { MemoryOffsetStore, type CommittedOffset, type OffsetStore } from './offset-store.js';
import { Group, joinError, syncError, type GroupContext } from './group.js';

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
  generationId: number;
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
    // Groups that only have offsets show up as Empty, as after a Kafka restart.
    for (const offset of this.store.load()) this.putOffset(this.groupFor(offset.groupId), offset);
  }

  joinGroup(input: JoinGroupInput): Promise<JoinGroupOutput> {
    if (this.closed) return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, input.memberId));
    if (input.groupId === '') return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, input.memberId));
    if (input.sessionTimeoutMs < this.minSessionTimeoutMs || input.sessionTimeoutMs > this.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, input.memberId));
    }
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
    const group = this.groups.get(input.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return group.sync(input);
  }

  heartbeat(input: HeartbeatInput): { errorCode: number } {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (input.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID };
    const group = this.groups.get(input.groupId);
    if (!group) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    return { errorCode: group.heartbeat(input.memberId, input.generationId) };
  }

  leaveGroup(input: LeaveGroupInput): LeaveGroupOutput {
    const topLevel = this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : input.groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.NONE;
    if (topLevel !== ErrorCode.NONE) return { errorCode: topLevel, members: [] };
    const group = this.groups.get(input.groupId);
    return {
      errorCode: ErrorCode.NONE,
      members: input.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        errorCode: group ? group.leave(m.memberId, m.groupInstanceId) : ErrorCode.UNKNOWN_MEMBER_ID,
      })),
    };
  }

  commitOffsets(input: OffsetCommitInput): { topic: string; partition: number; errorCode: number }[] {
    const all = (errorCode: number) => input.offsets.map(({ topic, partition }) => ({ topic, partition, errorCode }));
    if (this.closed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    let group = this.groups.get(input.groupId);
    if (!group) {
      // Only a client outside group management (generation -1) may create a group by committing.
      if (input.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.groupFor(input.groupId);
    }
    const errorCode = group.validateCommit(input.memberId, input.groupInstanceId, input.generationId);
    if (errorCode !== ErrorCode.NONE) return all(errorCode);
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

  fetchOffsets(groupId: string, topics: { topic: string; partitions: number[] }[] | null): FetchedOffset[] {
    const group = this.groups.get(groupId);
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
    return [...this.groups.values()]
      .filter((g) => wanted.size === 0 || wanted.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
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
      const group = this.groups.get(groupId);
      if (!group) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (group.state !== 'Empty') return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      group.close(ErrorCode.COORDINATOR_NOT_AVAILABLE); // only MEMBER_ID_REQUIRED timers can be left
      this.groups.delete(groupId);
      this.store.deleteGroup(groupId);
      return { groupId, errorCode: ErrorCode.NONE };
    });
  }

  deleteTopic(topic: string): void {
    for (const group of this.groups.values()) group.offsets.delete(topic);
    this.store.deleteTopic(topic);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const group of this.groups.values()) group.close(ErrorCode.COORDINATOR_NOT_AVAILABLE);
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

  private putOffset(group: Group, offset: CommittedOffset): void {
    let byPartition = group.offsets.get(offset.topic);
    if (!byPartition) {
      byPartition = new Map();
      group.offsets.set(offset.topic, byPartition);
    }
    byPartition.set(offset.partition, offset);
  }
}

function toFetched(c: CommittedOffset): FetchedOffset {
  return { topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata, errorCode: ErrorCode.NONE };
}
