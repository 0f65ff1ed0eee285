// A member of a consumer group on the wire client. The classic protocol: FindCoordinator,
// JoinGroup and SyncGroup (the leader runs the assignor the coordinator chose, so Java
// and librdkafka members can share the group), heartbeats on their own timer whatever
// the caller's processing does, starting positions from OffsetFetch (or the reset
// policy), OffsetCommit, LeaveGroup on close, and onAssign/onRevoke callbacks.
//
// Rebalances follow Java's order: when the coordinator asks for one, fetching stops,
// the batch the caller holds is finished (it asks for the next, or leaves the loop;
// at most rebalanceTimeoutMs), then an eager member commits and revokes everything
// before it rejoins, and a cooperative one only what the new assignment takes away.
//
// With `protocol: 'consumer'` (KIP-848, Kafka 4.0+) the coordinator assigns: one
// ConsumerGroupHeartbeat carries membership, subscription and the partitions owned; an
// answer with a new assignment is reconciled (the batch in hand finished, what went
// committed and revoked, what came looked up) and acknowledged by the next heartbeat.
import { randomBytes } from 'node:crypto';
import { API_KEY } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CONSUMER_PROTOCOL_TYPE } from '../../protocol/apis/consumer-protocol.js';
import { cooperativeStickyAssignor, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, rangeAssignor, type Assignment, type Assignor, type MemberSubscription, type TopicPartitions } from './assignors.js';
import { sleep, type Cluster } from './cluster.js';
import { Connection } from './connection.js';
import { KafkaConnectionError, KafkaResponseError, responseError } from './errors.js';
import { Fetcher, type FetchedRecords, type FetcherOptions } from './fetcher.js';

export type { TopicPartitions } from './assignors.js';

export interface GroupConsumerOptions {
  groupId: string;
  /** 'classic' (JoinGroup/SyncGroup, the default, as Java's) or 'consumer' (KIP-848: the coordinator assigns). */
  protocol?: GroupProtocol;
  /** The topics to subscribe to. */
  topics: string[];
  /** Offered in this order of preference. Default: range, then cooperative-sticky (Java 4.x's default). */
  assignors?: Assignor[];
  /** Without a heartbeat for this long the coordinator drops the member. Default 45 s (Java's). */
  sessionTimeoutMs?: number;
  /** How long a rebalance waits for members to rejoin; also how long a held batch may delay it. Default 60 s. */
  rebalanceTimeoutMs?: number;
  /** Default 3 s (Java's). */
  heartbeatIntervalMs?: number;
  /** Where a partition without a committed offset starts. Default latest (Java's). */
  offsetReset?: 'earliest' | 'latest';
  /** Commit every this many ms what the caller has finished (not the batch it holds). Default: off (commit() and close() commit). */
  autoCommitIntervalMs?: number;
  /** close() commits the positions. Default true. */
  commitOnClose?: boolean;
  /**
   * A rebalance commits the positions of the partitions given up. Default true; a caller
   * that commits only what it settled (onRevoke is its moment) turns it off.
   */
  commitOnRebalance?: boolean;
  /** Static membership (Kafka's group.instance.id). */
  groupInstanceId?: string;
  fetch?: FetcherOptions;
  /** Partitions this member got; called before any of their records is handed out. */
  onAssign?(partitions: TopicPartitions[]): void | Promise<void>;
  /** Partitions taken away: their positions are committed first, unless `lost` (the member was dropped, a commit would fail). */
  onRevoke?(partitions: TopicPartitions[], lost: boolean): void | Promise<void>;
  /** Membership events for diagnostics (--verbose). */
  onEvent?(event: GroupEvent): void;
}

export type GroupProtocol = 'classic' | 'consumer';

/** The broker has no KIP-848 consumer groups (before Kafka 4.0, or turned off): not retried. */
export class GroupProtocolUnsupportedError extends Error {
  constructor(readonly broker: string) {
    super(`Kafka at ${broker} does not serve the consumer group protocol (KIP-848: Kafka 4.0 or later, with group.coordinator.rebalance.protocols including consumer)`);
    this.name = 'GroupProtocolUnsupportedError';
  }
}

export type GroupEvent =
  | { type: 'joined'; generationId: number; memberId: string; leader: boolean; protocol: string; assignment: TopicPartitions[] }
  | { type: 'rejoin'; reason: string }
  | { type: 'heartbeat-failed'; error: Error }
  | { type: 'commit-failed'; error: Error };

type State = 'idle' | 'joining' | 'stable' | 'closed';

const RETRY_MS = 200;
/** Errors after which the coordinator is looked up again. */
const COORDINATOR_MOVED = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
/** Errors that mean this member is no longer in the generation it thinks. */
const FENCED = new Set<number>([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.FENCED_INSTANCE_ID]);

export class GroupConsumer {
  readonly groupId: string;
  memberId = '';
  generationId = -1;
  /** The assignor the coordinator chose for the current generation. */
  protocol: string | null = null;
  /** Heartbeats the coordinator answered without error (diagnostics, tests). */
  heartbeats = 0;
  private readonly topics: string[];
  private readonly groupProtocol: GroupProtocol;
  private readonly assignors: Assignor[];
  private readonly rebalanceProtocol: 'eager' | 'cooperative';
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly offsetReset: 'earliest' | 'latest';
  private readonly autoCommitIntervalMs: number;
  private readonly commitOnClose: boolean;
  private readonly commitOnRebalance: boolean;
  private readonly groupInstanceId: string | null;
  private readonly fetcher: Fetcher;
  private state: State = 'idle';
  private assigned: Assignment = new Map();
  /** topic → partition → the next offset to hand out (what a commit writes). */
  private positions = new Map<string, Map<number, number>>();
  /** Bumped on every new assignment, so a fetch session knows it is stale. */
  private epoch = 0;
  private rejoinReason: string | undefined = 'first join';
  /** The member was dropped: its partitions are lost, not revoked. */
  private lost = false;
  private coordinator: Promise<Connection> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatToken = 0;
  /** The caller holds a batch it has not finished. */
  private handedOut = false;
  private failure: Error | undefined;
  private membership: Promise<void> | undefined;
  private changed!: Promise<void>;
  private notifyChanged!: () => void;
  private autoCommitTimer: NodeJS.Timeout | undefined;
  private autoCommitting = false;
  /** The batch the caller holds: its partition and where it started, what an interval commit writes for it. */
  private inHand: { topic: string; partition: number; from: number } | undefined;
  /** KIP-848: the last heartbeat was answered, and the owned partitions it told the coordinator. */
  private heartbeatSent = false;
  private ownedSent = '';
  /** Ends the wait between two KIP-848 heartbeats early (close). */
  private wakeHeartbeat: (() => void) | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: GroupConsumerOptions,
  ) {
    this.groupId = options.groupId;
    this.topics = [...options.topics];
    this.groupProtocol = options.protocol ?? 'classic';
    this.assignors = options.assignors ?? [rangeAssignor, cooperativeStickyAssignor];
    if (this.assignors.length === 0 && this.groupProtocol === 'classic') throw new Error('a group consumer needs at least one partition assignor');
    // As Java: cooperative only when every assignor offered is, so a group can move from
    // range to cooperative-sticky one rolling restart at a time.
    this.rebalanceProtocol = this.assignors.every((a) => a.rebalanceProtocol === 'cooperative') ? 'cooperative' : 'eager';
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.offsetReset = options.offsetReset ?? 'latest';
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? 0;
    this.commitOnClose = options.commitOnClose ?? true;
    this.commitOnRebalance = options.commitOnRebalance ?? true;
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.fetcher = new Fetcher(cluster, options.fetch);
    this.resetChanged();
  }

  /** Joins the group; resolves once this member has its first assignment (possibly empty). */
  async join(): Promise<void> {
    this.start();
    await this.until(() => this.state === 'stable' || this.isClosed() || this.failure !== undefined);
    if (this.failure) throw this.failure;
  }

  /** What this member owns now. */
  assignment(): TopicPartitions[] {
    return toList(this.assigned);
  }

  /** topic → partition → next offset, for the partitions owned now. */
  currentPositions(): Map<string, Map<number, number>> {
    return new Map([...this.positions].map(([t, m]) => [t, new Map(m)]));
  }

  /**
   * The records of the partitions this member owns, a batch per partition at a time,
   * across rebalances, until close(). A batch's records count as consumed when it is
   * handed out, as Java's poll() does: commit() and close() commit past them (an
   * interval commit stops before the batch the caller holds). A batch with no records
   * says the position moved past what a reader never sees (transaction markers, aborted
   * records), so a caller waiting for the end of a partition sees it reached.
   */
  async *batches(): AsyncGenerator<FetchedRecords> {
    this.start();
    for (;;) {
      await this.until(() => this.isClosed() || this.failure !== undefined || (this.state === 'stable' && this.rejoinReason === undefined));
      if (this.failure) throw this.failure;
      if (this.isClosed()) return;
      const epoch = this.epoch;
      const session = new FetchSession(this.fetcher, this.assigned, this.positions);
      try {
        while (this.state === 'stable' && this.rejoinReason === undefined && epoch === this.epoch) {
          const batch = await session.next(this.changed);
          if (!batch) continue;
          const position = this.positions.get(batch.topic)?.get(batch.partition);
          if (position === undefined || epoch !== this.epoch) continue;
          const records = batch.records.filter((r) => r.offset >= position);
          // Within a session answers follow the positions; one of markers alone still moves it (and is yielded, empty).
          const next = Math.max(batch.nextOffset, records.length > 0 ? records[records.length - 1]!.offset + 1 : 0);
          if (next <= position) continue;
          this.positions.get(batch.topic)!.set(batch.partition, next);
          this.handedOut = true;
          this.inHand = { topic: batch.topic, partition: batch.partition, from: position };
          try {
            yield records.length === batch.records.length ? batch : { ...batch, records };
          } finally {
            this.handedOut = false;
            this.inHand = undefined;
            this.notify();
          }
        }
      } finally {
        session.stop();
      }
    }
  }

  /**
   * Moves a partition this member owns to `offset`: its next batch starts there and a
   * commit writes it (a caller that used only part of a batch seeks past what it used).
   * Does nothing for a partition not owned now.
   */
  seek(topic: string, partition: number, offset: number): void {
    const positions = this.positions.get(topic);
    if (!positions?.has(partition)) return;
    positions.set(partition, offset);
    // A new fetch session, from the positions as they are now.
    this.epoch++;
    this.notify();
  }

  /** Commits the positions of the partitions owned now. */
  async commit(): Promise<void> {
    await this.commitOffsets(this.positions);
  }

  /** The offsets committed for `topic` (partition → offset; -1 when none), from the coordinator. */
  async committed(topic: string, partitions: number[]): Promise<Map<number, number>> {
    const found = await this.fetchCommitted(new Map([[topic, partitions]]));
    return found.get(topic) ?? new Map();
  }

  /** Commits (unless commitOnClose is false), revokes, leaves the group. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.isClosed()) return;
    const was = this.state;
    this.state = 'closed';
    this.stopHeartbeats();
    clearInterval(this.autoCommitTimer);
    this.notify();
    // A JoinGroup in flight holds the coordinator connection until the rebalance ends: LeaveGroup goes on a new one.
    if (was === 'joining') this.forgetCoordinator();
    try {
      if (was === 'stable' && this.generationId >= 0 && !this.lost) {
        if (this.commitOnClose) await this.commit().catch((error: Error) => this.options.onEvent?.({ type: 'commit-failed', error }));
        if (this.assigned.size > 0) await this.options.onRevoke?.(toList(this.assigned), false);
      }
    } finally {
      await this.leave();
    }
  }

  private async leave(): Promise<void> {
    this.wakeHeartbeat?.();
    if (this.groupProtocol === 'consumer') {
      if (this.memberId !== '' && this.generationId > 0) await this.leaveConsumerGroup();
    } else if (this.memberId !== '') {
      await this.withCoordinator(async (connection) => {
        const answer = await connection.request('LeaveGroup', {
          groupId: this.groupId,
          memberId: this.memberId,
          members: [{ memberId: this.memberId, groupInstanceId: this.groupInstanceId, reason: 'the consumer is closing' }],
        });
        if (COORDINATOR_MOVED.has(answer.errorCode)) throw responseError(answer.errorCode, `LeaveGroup of group "${this.groupId}"`);
      }, 3).catch(() => undefined); // the session timeout removes it anyway
    }
    (await this.coordinator?.catch(() => undefined))?.close();
    this.coordinator = undefined;
  }

  // ---- membership ----

  private start(): void {
    if (this.membership || this.isClosed()) return;
    if (this.autoCommitIntervalMs > 0) this.autoCommitTimer = setInterval(() => this.autoCommit(), this.autoCommitIntervalMs);
    if (this.groupProtocol === 'consumer') this.rejoinReason = undefined;
    const membership = this.groupProtocol === 'consumer' ? this.runConsumerProtocol() : this.runMembership();
    this.membership = membership.catch((error: Error) => {
      this.failure ??= error;
      this.notify();
    });
  }

  private async runMembership(): Promise<void> {
    let failures = 0;
    while (!this.isClosed()) {
      if (this.rejoinReason === undefined) {
        await this.changed;
        continue;
      }
      try {
        await this.prepareRejoin();
        if (this.isClosed()) return;
        await this.joinAndSync();
        failures = 0;
      } catch (error) {
        if (this.isClosed()) return;
        if (!retriable(error) || ++failures > 50) throw error;
        if (error instanceof KafkaConnectionError || (error instanceof KafkaResponseError && COORDINATOR_MOVED.has(error.errorCode))) this.forgetCoordinator();
        this.rejoinReason ??= (error as Error).message;
        await sleep(Math.min(RETRY_MS * failures, 2_000));
      }
    }
  }

  private requestRejoin(reason: string): void {
    if (this.rejoinReason !== undefined || this.isClosed()) return;
    this.rejoinReason = reason;
    this.options.onEvent?.({ type: 'rejoin', reason });
    this.notify();
  }

  /** Stops handing out records, waits for the caller's batch, and gives up what an eager rebalance or a lost membership takes. */
  private async prepareRejoin(): Promise<void> {
    await this.batchInHandFinished();
    if (this.assigned.size === 0) return;
    if (this.lost) {
      await this.giveUp(this.assigned, true);
    } else if (this.rebalanceProtocol === 'eager') {
      if (this.commitOnRebalance) await this.commit().catch((error: Error) => this.options.onEvent?.({ type: 'commit-failed', error }));
      await this.giveUp(this.assigned, false);
    }
  }

  /** Waits (at most rebalanceTimeoutMs) until the caller has finished the batch it holds. */
  private async batchInHandFinished(): Promise<void> {
    if (!this.handedOut) return;
    const deadline = Date.now() + this.rebalanceTimeoutMs;
    while (this.handedOut && !this.isClosed() && Date.now() < deadline) await Promise.race([this.changed, sleep(Math.max(0, deadline - Date.now()))]);
  }

  private async giveUp(partitions: Assignment, lost: boolean): Promise<void> {
    const list = toList(partitions);
    for (const { topic, partitions: ps } of list) {
      const owned = this.assigned.get(topic)?.filter((p) => !ps.includes(p)) ?? [];
      const positions = this.positions.get(topic);
      for (const p of ps) positions?.delete(p);
      if (owned.length > 0) this.assigned.set(topic, owned);
      else {
        this.assigned.delete(topic);
        this.positions.delete(topic);
      }
    }
    this.epoch++;
    if (list.length > 0) await this.options.onRevoke?.(list, lost);
  }

  private async joinAndSync(): Promise<void> {
    const connection = await this.coordinatorConnection();
    if (this.isClosed()) return;
    this.stopHeartbeats();
    this.state = 'joining';
    this.rejoinReason = undefined;
    this.lost = false;
    const ownedPartitions = toList(this.assigned);
    const protocols = this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({ topics: this.topics, userData: a.userData?.(this.generationId) ?? null, ownedPartitions, generationId: this.generationId }),
    }));
    const timeoutMs = this.rebalanceTimeoutMs + 5_000;
    let join;
    for (;;) {
      join = await connection.request('JoinGroup', {
        groupId: this.groupId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: this.groupInstanceId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols,
      }, { timeoutMs });
      // Since JoinGroup v4 the first join only hands out a member id to join with.
      if (join.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) break;
      this.memberId = join.memberId;
    }
    if (join.errorCode !== ErrorCode.NONE) throw this.membershipError(join.errorCode, 'JoinGroup');
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    this.protocol = join.protocolName;
    const leader = join.leader === join.memberId;
    const assignments = leader ? await this.lead(join.protocolName ?? '', join.members) : [];
    const sync = await connection.request('SyncGroup', {
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: this.protocol,
      assignments,
    }, { timeoutMs });
    if (sync.errorCode !== ErrorCode.NONE) throw this.membershipError(sync.errorCode, 'SyncGroup');
    const given = decodeAssignment(sync.assignment);
    for (const topic of given.keys()) if (!this.topics.includes(topic)) given.delete(topic);
    this.startHeartbeats();
    await this.applyAssignment(given);
    this.options.onEvent?.({ type: 'joined', generationId: this.generationId, memberId: this.memberId, leader, protocol: this.protocol ?? '', assignment: toList(this.assigned) });
  }

  /** An error in a JoinGroup or SyncGroup answer: a rejoin for the ones a rejoin cures, else thrown as it is. */
  private membershipError(code: number, api: string): Error {
    if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      this.generationId = -1;
      this.lost = this.assigned.size > 0;
    }
    if (code === ErrorCode.FENCED_INSTANCE_ID) return responseError(code, `${api} of group "${this.groupId}": another member has group.instance.id "${this.groupInstanceId}"`);
    return responseError(code, `${api} of group "${this.groupId}"`);
  }

  /** The leader's part: decode every member's subscription, run the chosen assignor, encode what each gets. */
  private async lead(protocol: string, members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>) {
    const assignor = this.assignors.find((a) => a.name === protocol);
    if (!assignor) throw responseError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the coordinator chose assignor "${protocol}", which this member did not offer`);
    const subscriptions: MemberSubscription[] = members.map((m) => {
      try {
        return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, ...decodeSubscription(m.metadata) };
      } catch {
        return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: [], userData: null, ownedPartitions: [], generationId: -1 };
      }
    });
    const counts = new Map<string, number>();
    for (const topic of new Set(subscriptions.flatMap((s) => s.topics))) {
      this.cluster.invalidate(topic);
      const t = await this.cluster.topic(topic).catch(() => undefined);
      if (t) counts.set(topic, t.leaders.length);
    }
    const result = assignor.assign(subscriptions, counts);
    return subscriptions.map((s) => ({ memberId: s.memberId, assignment: encodeAssignment(result.get(s.memberId) ?? new Map()) }));
  }

  /** Takes the new assignment: revokes what went (cooperative), looks up where the new partitions start, tells onAssign. */
  private async applyAssignment(given: Assignment): Promise<void> {
    const revoked: Assignment = new Map();
    for (const [topic, ps] of this.assigned) {
      const gone = ps.filter((p) => !given.get(topic)?.includes(p));
      if (gone.length > 0) revoked.set(topic, gone);
    }
    if (revoked.size > 0) {
      if (this.commitOnRebalance) await this.commitOffsets(pick(this.positions, revoked)).catch((error: Error) => this.options.onEvent?.({ type: 'commit-failed', error }));
      await this.giveUp(revoked, false);
    }
    const added: Assignment = new Map();
    for (const [topic, ps] of given) {
      const fresh = ps.filter((p) => !this.assigned.get(topic)?.includes(p));
      if (fresh.length > 0) added.set(topic, fresh);
    }
    if (added.size > 0) {
      const committed = await this.fetchCommitted(added);
      for (const [topic, ps] of added) {
        const offsets = committed.get(topic) ?? new Map<number, number>();
        const reset = ps.filter((p) => (offsets.get(p) ?? -1) < 0);
        if (reset.length > 0) for (const [p, o] of await this.fetcher.listOffsets(topic, reset, this.offsetReset)) offsets.set(p, o);
        let positions = this.positions.get(topic);
        if (!positions) this.positions.set(topic, (positions = new Map()));
        for (const p of ps) positions.set(p, offsets.get(p)!);
        this.assigned.set(topic, [...(this.assigned.get(topic) ?? []), ...ps].sort((a, b) => a - b));
      }
      await this.options.onAssign?.(toList(added));
    }
    this.epoch++;
    if (!this.isClosed()) this.state = 'stable';
    // A cooperative member that gave partitions up rejoins at once, so they can be handed
    // over (a KIP-848 member says so in its next heartbeat instead).
    if (revoked.size > 0 && this.groupProtocol === 'classic') this.requestRejoin('partitions revoked for another member');
    this.notify();
  }

  // ---- KIP-848: the consumer group protocol ----

  private async runConsumerProtocol(): Promise<void> {
    // v1: the member makes up its id (Java's is a random UUID in base64url, as here).
    this.memberId ||= randomBytes(16).toString('base64url');
    this.generationId = 0;
    let failures = 0;
    while (!this.isClosed()) {
      let waitMs: number;
      try {
        waitMs = await this.consumerHeartbeat();
        failures = 0;
      } catch (error) {
        if (this.isClosed()) return;
        if (!retriable(error) || ++failures > 50) throw error;
        if (error instanceof KafkaConnectionError || (error instanceof KafkaResponseError && COORDINATOR_MOVED.has(error.errorCode))) this.forgetCoordinator();
        this.options.onEvent?.({ type: 'heartbeat-failed', error: error as Error });
        waitMs = Math.min(RETRY_MS * failures, 2_000);
      }
      await this.pause(waitMs);
    }
  }

  /** Waits `ms`, or less when close() wakes the heartbeat loop. */
  private async pause(ms: number): Promise<void> {
    if (ms <= 0 || this.isClosed()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeHeartbeat = done;
    });
    this.wakeHeartbeat = undefined;
  }

  /** One ConsumerGroupHeartbeat and the reconciliation its answer asks for; returns the wait before the next. */
  private async consumerHeartbeat(): Promise<number> {
    const connection = await this.coordinatorConnection();
    if (!connection.serves(API_KEY.ConsumerGroupHeartbeat)) throw new GroupProtocolUnsupportedError(connection.broker);
    // As Java's: the full state when joining (or after a failed heartbeat), afterwards only
    // what changed; a full request would make the coordinator send the assignment again.
    const full = this.generationId === 0 || !this.heartbeatSent;
    const owned = await this.byTopicId(this.assigned);
    const ownedKey = JSON.stringify(owned);
    this.heartbeatSent = false;
    const answer = await connection.request('ConsumerGroupHeartbeat', {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.generationId,
      instanceId: this.groupInstanceId,
      rebalanceTimeoutMs: full ? this.rebalanceTimeoutMs : -1,
      subscribedTopicNames: full ? this.topics : null,
      topicPartitions: full || ownedKey !== this.ownedSent ? owned : null,
    }, { timeoutMs: this.sessionTimeoutMs });
    this.heartbeatSent = true;
    this.ownedSent = ownedKey;
    if (this.isClosed()) return 0;
    const code = answer.errorCode;
    if (code === ErrorCode.FENCED_MEMBER_EPOCH || code === ErrorCode.UNKNOWN_MEMBER_ID) {
      // Dropped by the coordinator: what it owned is lost (no commit), and it joins again.
      this.generationId = 0;
      this.options.onEvent?.({ type: 'rejoin', reason: `heartbeat: ${responseError(code, 'member dropped').message}` });
      await this.batchInHandFinished();
      if (this.assigned.size > 0) await this.giveUp(new Map(this.assigned), true);
      return 0;
    }
    if (code === ErrorCode.UNSUPPORTED_VERSION) throw new GroupProtocolUnsupportedError(connection.broker);
    if (code !== ErrorCode.NONE) throw responseError(code, `ConsumerGroupHeartbeat of group "${this.groupId}"${answer.errorMessage ? `: ${answer.errorMessage}` : ''}`);
    this.heartbeats++;
    if (answer.memberId) this.memberId = answer.memberId;
    this.generationId = answer.memberEpoch;
    const intervalMs = answer.heartbeatIntervalMs > 0 ? answer.heartbeatIntervalMs : this.heartbeatIntervalMs;
    if (answer.assignment === null) {
      if (this.state !== 'stable') {
        this.state = 'stable';
        this.notify();
      }
      return intervalMs;
    }
    const given = await this.byTopicName(answer.assignment.topicPartitions);
    const revoking = [...this.assigned].some(([topic, ps]) => ps.some((p) => !given.get(topic)?.includes(p)));
    const adding = [...given].some(([topic, ps]) => ps.some((p) => !this.assigned.get(topic)?.includes(p)));
    if (!revoking && !adding) {
      if (this.state !== 'stable') {
        this.state = 'stable';
        this.notify();
      }
      return intervalMs;
    }
    if (revoking) await this.batchInHandFinished();
    await this.applyAssignment(given);
    this.options.onEvent?.({ type: 'joined', generationId: this.generationId, memberId: this.memberId, leader: false, protocol: 'consumer', assignment: toList(this.assigned) });
    // The next heartbeat tells the coordinator what this member owns now.
    return 0;
  }

  /** Leaves with member epoch -1 (-2 for a static member, which may come back). */
  private async leaveConsumerGroup(): Promise<void> {
    await this.withCoordinator(async (connection) => {
      const answer = await connection.request('ConsumerGroupHeartbeat', {
        groupId: this.groupId,
        memberId: this.memberId,
        memberEpoch: this.groupInstanceId === null ? -1 : -2,
        instanceId: this.groupInstanceId,
      });
      if (COORDINATOR_MOVED.has(answer.errorCode)) throw responseError(answer.errorCode, `leaving group "${this.groupId}"`);
    }, 3).catch(() => undefined); // the session timeout removes it anyway
  }

  /** The owned partitions by topic id, as a heartbeat carries them. */
  private async byTopicId(assignment: Assignment): Promise<Array<{ topicId: string; partitions: number[] }>> {
    const out: Array<{ topicId: string; partitions: number[] }> = [];
    for (const [topic, partitions] of assignment) {
      if (partitions.length === 0) continue;
      let t = await this.cluster.topic(topic);
      if (t.topicId === undefined) {
        this.cluster.invalidate(topic);
        t = await this.cluster.topic(topic);
      }
      if (t.topicId !== undefined) out.push({ topicId: t.topicId, partitions: [...partitions] });
    }
    return out;
  }

  /** An assignment by topic id → by name, among the subscribed topics (metadata asked again for an id not known yet). */
  private async byTopicName(list: Array<{ topicId: string; partitions: number[] }>): Promise<Assignment> {
    const names = new Map<string, string>();
    const learn = async (refresh: boolean) => {
      for (const topic of this.topics) {
        if (refresh) this.cluster.invalidate(topic);
        const t = await this.cluster.topic(topic).catch(() => undefined);
        if (t?.topicId !== undefined) names.set(t.topicId, topic);
      }
    };
    await learn(false);
    if (list.some((t) => !names.has(t.topicId))) await learn(true);
    const given: Assignment = new Map();
    for (const { topicId, partitions } of list) {
      const name = names.get(topicId);
      if (name !== undefined && partitions.length > 0) given.set(name, [...partitions].sort((a, b) => a - b));
    }
    return given;
  }

  // ---- heartbeats ----

  private startHeartbeats(): void {
    if (this.isClosed()) return;
    const token = ++this.heartbeatToken;
    const beat = async () => {
      if (token !== this.heartbeatToken) return;
      const generationId = this.generationId;
      try {
        const connection = await this.coordinatorConnection();
        const answer = await connection.request('Heartbeat', { groupId: this.groupId, generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId }, { timeoutMs: this.sessionTimeoutMs });
        if (token !== this.heartbeatToken) return;
        if (answer.errorCode === ErrorCode.NONE) this.heartbeats++;
        else if (answer.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) this.requestRejoin('the coordinator started a rebalance');
        else if (FENCED.has(answer.errorCode)) {
          if (answer.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
          this.generationId = -1;
          this.lost = this.assigned.size > 0;
          this.requestRejoin(`heartbeat: ${responseError(answer.errorCode, 'member dropped').message}`);
        } else {
          if (COORDINATOR_MOVED.has(answer.errorCode)) this.forgetCoordinator();
          this.options.onEvent?.({ type: 'heartbeat-failed', error: responseError(answer.errorCode, `Heartbeat to group "${this.groupId}"`) });
        }
      } catch (error) {
        if (token !== this.heartbeatToken) return;
        if (error instanceof KafkaConnectionError) this.forgetCoordinator();
        this.options.onEvent?.({ type: 'heartbeat-failed', error: error as Error });
      }
      if (token === this.heartbeatToken) this.heartbeatTimer = setTimeout(() => void beat(), this.heartbeatIntervalMs);
    };
    this.heartbeatTimer = setTimeout(() => void beat(), this.heartbeatIntervalMs);
  }

  private stopHeartbeats(): void {
    this.heartbeatToken++;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  // ---- offsets ----

  /** On its own timer, as Java's is: an idle consumer commits too. Only while stable, so it never races a rebalance's commit. */
  private autoCommit(): void {
    if (this.autoCommitting || this.state !== 'stable' || this.rejoinReason !== undefined) return;
    const offsets = this.currentPositions();
    if (this.inHand) offsets.get(this.inHand.topic)?.set(this.inHand.partition, this.inHand.from);
    this.autoCommitting = true;
    void this.commitOffsets(offsets)
      .catch((error: Error) => this.options.onEvent?.({ type: 'commit-failed', error }))
      .finally(() => (this.autoCommitting = false));
  }

  /** Commits these offsets (topic → partition → next offset) in the current generation. */
  async commitOffsets(offsets: Map<string, Map<number, number>>): Promise<void> {
    const topics = [...offsets]
      .filter(([, m]) => m.size > 0)
      .map(([name, m]) => ({ name, partitions: [...m].map(([partitionIndex, o]) => ({ partitionIndex, committedOffset: BigInt(o), committedMetadata: '' })) }));
    if (topics.length === 0) return;
    await this.withCoordinator(async (connection) => {
      const answer = await connection.request('OffsetCommit', { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId, topics });
      for (const t of answer.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) throw responseError(p.errorCode, `committing offsets of ${t.name}-${p.partitionIndex} for group "${this.groupId}"`);
        }
      }
    });
  }

  private async fetchCommitted(partitions: Assignment): Promise<Map<string, Map<number, number>>> {
    return this.withCoordinator(async (connection) => {
      const answer = await connection.request('OffsetFetch', { groupId: this.groupId, topics: [...partitions].map(([name, partitionIndexes]) => ({ name, partitionIndexes })), requireStable: false });
      if (answer.errorCode !== ErrorCode.NONE) throw responseError(answer.errorCode, `fetching committed offsets of group "${this.groupId}"`);
      const out = new Map<string, Map<number, number>>();
      for (const t of answer.topics) {
        const m = new Map<number, number>();
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) throw responseError(p.errorCode, `fetching the committed offset of ${t.name}-${p.partitionIndex} for group "${this.groupId}"`);
          m.set(p.partitionIndex, Number(p.committedOffset));
        }
        out.set(t.name, m);
      }
      return out;
    });
  }

  // ---- the coordinator ----

  /** Runs `work` on the coordinator's connection, looking it up again after NOT_COORDINATOR, a lost connection or a load in progress. */
  private async withCoordinator<T>(work: (connection: Connection) => Promise<T>, attempts = 20): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work(await this.coordinatorConnection());
      } catch (error) {
        const moved = error instanceof KafkaConnectionError || (error instanceof KafkaResponseError && COORDINATOR_MOVED.has(error.errorCode));
        const loading = error instanceof KafkaResponseError && error.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
        if ((!moved && !loading) || attempt >= attempts) throw error;
        if (moved) this.forgetCoordinator();
        await sleep(RETRY_MS);
      }
    }
  }

  /**
   * Its own connection to the coordinator, as Java keeps one: a JoinGroup that waits for
   * the rebalance never queues behind a Fetch, nor a Fetch behind it.
   */
  private async coordinatorConnection(): Promise<Connection> {
    for (let attempt = 0; ; attempt++) {
      this.coordinator ??= this.findCoordinator();
      const pending = this.coordinator;
      const connection = await pending.catch((error: unknown) => {
        if (this.coordinator === pending) this.coordinator = undefined;
        throw error;
      });
      if (!connection.closed || attempt > 0) return connection;
      if (this.coordinator === pending) this.coordinator = undefined;
    }
  }

  private forgetCoordinator(): void {
    const pending = this.coordinator;
    this.coordinator = undefined;
    void pending?.then((c) => c.close(), () => undefined);
  }

  private async findCoordinator(): Promise<Connection> {
    for (let attempt = 1; ; attempt++) {
      const any = await this.cluster.anyConnection();
      const answer = await any.request('FindCoordinator', { key: this.groupId, keyType: 0, coordinatorKeys: [this.groupId] });
      // v4+ answers in a list, one entry per key asked.
      const found = answer.coordinators.length > 0 ? answer.coordinators[0]! : answer;
      if (found.errorCode === ErrorCode.NONE) return Connection.open({ ...this.cluster.options, host: found.host, port: found.port });
      const error = responseError(found.errorCode, `finding the coordinator of group "${this.groupId}"${found.errorMessage ? `: ${found.errorMessage}` : ''}`);
      if (!error.retriable || attempt >= 50) throw error;
      await sleep(RETRY_MS);
    }
  }

  // ---- state changes ----

  /** A method, not a comparison, so TypeScript does not narrow the state across awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private resetChanged(): void {
    this.changed = new Promise<void>((resolve) => (this.notifyChanged = resolve));
  }

  private notify(): void {
    const resolve = this.notifyChanged;
    this.resetChanged();
    resolve();
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) await this.changed;
  }
}

/**
 * The records of a set of partitions over several topics: one Fetcher generator per
 * topic, merged as their answers come. stop() ends them; one waiting for records ends
 * at its next answer (the Fetcher takes no abort), its records are dropped.
 */
class FetchSession {
  private readonly sources: Array<{ generator: AsyncGenerator<FetchedRecords>; pending: Promise<IteratorResult<FetchedRecords>> | undefined }>;
  private stopped = false;
  /** Ends the generators' fetch loops at once: return() alone waits until a generator is next resumed, which an idle topic never does. */
  private readonly abort = new AbortController();

  constructor(fetcher: Fetcher, assigned: Assignment, positions: Map<string, Map<number, number>>) {
    this.sources = [...assigned]
      .filter(([, ps]) => ps.length > 0)
      .map(([topic, ps]) => ({ generator: fetcher.fetch(topic, new Map(ps.map((p) => [p, positions.get(topic)!.get(p)!])), this.abort.signal), pending: undefined }));
  }

  /** The next batch, or undefined when `interrupt` settles first. */
  async next(interrupt: Promise<void>): Promise<FetchedRecords | undefined> {
    if (this.sources.length === 0) {
      await interrupt;
      return undefined;
    }
    const racers = this.sources.map((source, i) => {
      source.pending ??= source.generator.next();
      return source.pending.then((result) => ({ i, result }));
    });
    const won = await Promise.race([...racers, interrupt.then(() => undefined)]);
    if (!won) return undefined;
    this.sources[won.i]!.pending = undefined;
    return won.result.done ? undefined : won.result.value;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const source of this.sources) {
      source.pending?.catch(() => undefined);
      void source.generator.return(undefined).catch(() => undefined);
    }
  }
}

function retriable(error: unknown): boolean {
  if (error instanceof KafkaConnectionError) return true;
  if (!(error instanceof KafkaResponseError)) return false;
  return error.retriable || error.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || error.errorCode === ErrorCode.ILLEGAL_GENERATION || error.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || error.errorCode === ErrorCode.MEMBER_ID_REQUIRED;
}

function toList(assignment: Assignment): TopicPartitions[] {
  return [...assignment].filter(([, ps]) => ps.length > 0).map(([topic, partitions]) => ({ topic, partitions: [...partitions] }));
}

function pick(positions: Map<string, Map<number, number>>, partitions: Assignment): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const [topic, ps] of partitions) {
    const m = new Map<number, number>();
    for (const p of ps) {
      const o = positions.get(topic)?.get(p);
      if (o !== undefined) m.set(p, o);
    }
    out.set(topic, m);
  }
  return out;
}
