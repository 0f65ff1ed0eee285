// Partition assignors of the classic consumer protocol, as Java and librdkafka name
// and compute them, so a group mixing firehose, Java and librdkafka members agrees on
// one: the coordinator picks a name every member offers, and the leader (whichever
// client it is) runs it. Also the consumer protocol's subscription and assignment
// payloads (src/protocol/apis/consumer-protocol.ts) encoded and decoded.
import { CONSUMER_PROTOCOL_VERSION, ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../../protocol/apis/consumer-protocol.js';
import { Reader } from '../../protocol/reader.js';
import { decodeMessage, encodeMessage } from '../../protocol/schema.js';
import { Writer } from '../../protocol/writer.js';

/** Partitions of one topic. */
export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** topic → partitions (sorted), what a member is given or owns. */
export type Assignment = Map<string, number[]>;

/** A member's subscription as the leader sees it in JoinGroup. */
export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  /** What the member owns now (consumer protocol v1+; cooperative assignors keep it). */
  ownedPartitions: TopicPartitions[];
  /** The generation its owned partitions are from; -1 when unknown. */
  generationId: number;
  userData: Buffer | null;
}

export interface Assignor {
  /** The protocol name in JoinGroup: Java's and librdkafka's names, so mixed groups agree. */
  readonly name: string;
  /** Eager: a member gives up everything before rejoining. Cooperative: only what moves. */
  readonly rebalanceProtocol: 'eager' | 'cooperative';
  /** The userData this assignor puts in its subscription. */
  userData?(generationId: number): Buffer | null;
  /** member id → what it gets; `partitions` is topic → partition count of every subscribed topic that exists. */
  assign(members: MemberSubscription[], partitions: Map<string, number>): Map<string, Assignment>;
}

// ---- the consumer protocol payloads ----

export interface Subscription {
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: TopicPartitions[];
  generationId: number;
}

export function encodeSubscription(subscription: Subscription): Buffer {
  const w = new Writer().int16(CONSUMER_PROTOCOL_VERSION);
  encodeMessage(w, ConsumerProtocolSubscription, CONSUMER_PROTOCOL_VERSION, { ...subscription, rackId: null });
  return w.toBuffer();
}

/** Reads any version; a newer one than this client knows is read as the newest it knows (its fields only append). */
export function decodeSubscription(bytes: Buffer): Subscription {
  const r = new Reader(bytes);
  const version = Math.min(r.int16(), CONSUMER_PROTOCOL_VERSION);
  const s = decodeMessage(r, ConsumerProtocolSubscription, version);
  return { topics: s.topics, userData: s.userData, ownedPartitions: s.ownedPartitions, generationId: s.generationId };
}

export function encodeAssignment(assignment: Assignment, userData: Buffer | null = null): Buffer {
  const w = new Writer().int16(CONSUMER_PROTOCOL_VERSION);
  const assignedPartitions = [...assignment].filter(([, p]) => p.length > 0).map(([topic, partitions]) => ({ topic, partitions }));
  encodeMessage(w, ConsumerProtocolAssignment, CONSUMER_PROTOCOL_VERSION, { assignedPartitions, userData });
  return w.toBuffer();
}

/** An empty SyncGroup answer (a member the leader gave nothing, or a rebalance cut short) is no partitions. */
export function decodeAssignment(bytes: Buffer): Assignment {
  const out: Assignment = new Map();
  if (bytes.length < 2) return out;
  const r = new Reader(bytes);
  const version = Math.min(r.int16(), CONSUMER_PROTOCOL_VERSION);
  for (const { topic, partitions } of decodeMessage(r, ConsumerProtocolAssignment, version).assignedPartitions) {
    out.set(topic, [...(out.get(topic) ?? []), ...partitions].sort((a, b) => a - b));
  }
  return out;
}

// ---- assignors ----

/** Java's member order (MemberInfo.compareTo): static members by instance id first, then member id. */
function byMember(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compare(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compare(a.memberId, b.memberId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyAssignments(members: MemberSubscription[]): Map<string, Assignment> {
  return new Map(members.map((m) => [m.memberId, new Map()]));
}

function give(out: Map<string, Assignment>, memberId: string, topic: string, partition: number): void {
  const a = out.get(memberId)!;
  const list = a.get(topic);
  if (list) list.push(partition);
  else a.set(topic, [partition]);
}

function sortAll(out: Map<string, Assignment>): Map<string, Assignment> {
  for (const a of out.values()) for (const list of a.values()) list.sort((x, y) => x - y);
  return out;
}

/**
 * Java's RangeAssignor (librdkafka's "range"): per topic, its subscribers in member
 * order get consecutive ranges, the first ones one partition more when it does not divide.
 */
export const rangeAssignor: Assignor = {
  name: 'range',
  rebalanceProtocol: 'eager',
  assign(members, partitions) {
    const out = emptyAssignments(members);
    for (const [topic, count] of [...partitions].sort(([a], [b]) => compare(a, b))) {
      const subscribers = members.filter((m) => m.topics.includes(topic)).sort(byMember);
      if (subscribers.length === 0) continue;
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) give(out, m.memberId, topic, p);
      });
    }
    return sortAll(out);
  },
};

/**
 * Java's RoundRobinAssignor: every partition of every subscribed topic (topics in name
 * order) dealt in turn to the members in member order, skipping those not subscribed.
 */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  rebalanceProtocol: 'eager',
  assign(members, partitions) {
    const out = emptyAssignments(members);
    const sorted = [...members].sort(byMember);
    if (sorted.length === 0) return out;
    let next = 0;
    for (const [topic, count] of [...partitions].sort(([a], [b]) => compare(a, b))) {
      if (!sorted.some((m) => m.topics.includes(topic))) continue;
      for (let p = 0; p < count; p++) {
        while (!sorted[next % sorted.length]!.topics.includes(topic)) next++;
        give(out, sorted[next % sorted.length]!.memberId, topic, p);
        next++;
      }
    }
    return sortAll(out);
  },
};

/**
 * Java's CooperativeStickyAssignor under its name: members keep what they own as far as
 * balance allows, the rest goes to the least loaded subscriber; a partition that moves
 * from one member to another is left out this round (its owner revokes it, and the
 * rebalance that follows hands it over), which is what makes it cooperative. The
 * result can differ from Java's in which partition moves, never in balance or safety.
 */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  userData(generationId) {
    // Java writes the generation here too, for members whose subscription version has no generationId field.
    const b = Buffer.alloc(4);
    b.writeInt32BE(generationId);
    return b;
  },
  assign(members, partitions) {
    const out = emptyAssignments(members);
    const key = (topic: string, p: number) => `${p}\u0000${topic}`;
    const all: Array<[string, number]> = [];
    for (const [topic, count] of [...partitions].sort(([a], [b]) => compare(a, b))) {
      if (!members.some((m) => m.topics.includes(topic))) continue;
      for (let p = 0; p < count; p++) all.push([topic, p]);
    }
    // Current owners: a partition claimed twice goes to the claim of the newer generation.
    const owner = new Map<string, { memberId: string; generationId: number }>();
    for (const m of members) {
      const generationId = m.generationId >= 0 ? m.generationId : (m.userData?.length === 4 ? m.userData.readInt32BE(0) : -1);
      for (const { topic, partitions: owned } of m.ownedPartitions) {
        if (!m.topics.includes(topic)) continue;
        for (const p of owned) {
          if (p >= (partitions.get(topic) ?? 0)) continue;
          const previous = owner.get(key(topic, p));
          if (!previous || generationId > previous.generationId) owner.set(key(topic, p), { memberId: m.memberId, generationId });
        }
      }
    }
    const sorted = [...members].sort(byMember);
    const load = new Map(sorted.map((m) => [m.memberId, 0]));
    const eligible = (topic: string) => sorted.filter((m) => m.topics.includes(topic));
    // Keep: each member its owned partitions up to its share (the first `extra` of them one more).
    const total = all.length;
    const ceil = Math.ceil(total / Math.max(1, sorted.length));
    const floor = Math.floor(total / Math.max(1, sorted.length));
    let extra = total - floor * sorted.length;
    const kept = new Set<string>();
    const owners = [...sorted].sort((a, b) => ownedCount(b) - ownedCount(a) || byMember(a, b));
    function ownedCount(m: MemberSubscription): number {
      return [...owner.values()].filter((o) => o.memberId === m.memberId).length;
    }
    for (const m of owners) {
      const quota = extra > 0 ? ceil : floor;
      let n = 0;
      for (const [topic, p] of all) {
        if (n >= quota) break;
        if (owner.get(key(topic, p))?.memberId !== m.memberId) continue;
        give(out, m.memberId, topic, p);
        kept.add(key(topic, p));
        n++;
      }
      load.set(m.memberId, n);
      if (n === ceil && ceil !== floor) extra--;
    }
    // The rest to the least loaded subscriber, unless someone else owns it now.
    for (const [topic, p] of all) {
      if (kept.has(key(topic, p))) continue;
      const candidates = eligible(topic);
      if (candidates.length === 0) continue;
      let best = candidates[0]!;
      for (const c of candidates) if (load.get(c.memberId)! < load.get(best.memberId)!) best = c;
      load.set(best.memberId, load.get(best.memberId)! + 1);
      const current = owner.get(key(topic, p));
      if (current && current.memberId !== best.memberId) continue;
      give(out, best.memberId, topic, p);
    }
    return sortAll(out);
  },
};

export const ASSIGNORS: readonly Assignor[] = [rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor];

/** The assignor called `name` (range, roundrobin, cooperative-sticky). */
export function assignorNamed(name: string): Assignor {
  const found = ASSIGNORS.find((a) => a.name === name);
  if (!found) throw new Error(`unknown partition assignor "${name}" (known: ${ASSIGNORS.map((a) => a.name).join(', ')})`);
  return found;
}
