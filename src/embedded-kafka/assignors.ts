// The server-side assignors of KIP-848 consumer groups: the coordinator, not a
// member, decides who reads which partition. "uniform" (Kafka's default) spreads
// the partitions evenly and keeps each where it is when it can; "range" gives each
// member contiguous ranges of every topic it subscribes to. Pure functions.

/** topic id → partitions. */
export type TopicPartitions = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Ids of the topics it subscribes to that exist. */
  topicIds: string[];
  /** What it is meant to own now (the current target), for stickiness. */
  current: TopicPartitions;
}

export type Assignor = (members: AssignorMember[], partitionCounts: ReadonlyMap<string, number>) => Map<string, TopicPartitions>;

export const ASSIGNOR_NAMES = ['uniform', 'range'] as const;
export type AssignorName = (typeof ASSIGNOR_NAMES)[number];
export const DEFAULT_ASSIGNOR: AssignorName = 'uniform';

export function isAssignorName(name: string): name is AssignorName {
  return (ASSIGNOR_NAMES as readonly string[]).includes(name);
}

export const ASSIGNORS: Record<AssignorName, Assignor> = { uniform: uniformAssign, range: rangeAssign };

function emptyResult(members: AssignorMember[]): Map<string, TopicPartitions> {
  return new Map(members.map((m) => [m.memberId, new Map()]));
}

function add(target: TopicPartitions, topicId: string, partition: number): void {
  let set = target.get(topicId);
  if (!set) target.set(topicId, (set = new Set()));
  set.add(partition);
}

function countOf(tp: TopicPartitions): number {
  let n = 0;
  for (const s of tp.values()) n += s.size;
  return n;
}

/**
 * Even and sticky: a partition stays with its current member while that member still
 * subscribes to its topic and has no more than its share; the rest go one by one to the
 * least-loaded subscribed member; then partitions move from the most to the least loaded
 * while that evens things out (members with the same subscriptions end within one).
 */
export function uniformAssign(members: AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartitions> {
  const result = emptyResult(members);
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const subscribers = new Map<string, AssignorMember[]>();
  for (const m of sorted) for (const t of new Set(m.topicIds)) if (partitionCounts.has(t)) subscribers.set(t, [...(subscribers.get(t) ?? []), m]);
  const topics = [...subscribers.keys()].sort();
  let total = 0;
  for (const t of topics) total += partitionCounts.get(t)!;
  const share = sorted.length === 0 ? 0 : Math.ceil(total / sorted.length);
  const load = new Map(sorted.map((m) => [m.memberId, 0]));
  const unassigned: Array<[string, number]> = [];
  for (const t of topics) {
    for (let p = 0; p < partitionCounts.get(t)!; p++) {
      const owner = subscribers.get(t)!.find((m) => m.current.get(t)?.has(p));
      if (owner && load.get(owner.memberId)! < share) {
        add(result.get(owner.memberId)!, t, p);
        load.set(owner.memberId, load.get(owner.memberId)! + 1);
      } else {
        unassigned.push([t, p]);
      }
    }
  }
  for (const [t, p] of unassigned) {
    const to = leastLoaded(subscribers.get(t)!, load);
    add(result.get(to.memberId)!, t, p);
    load.set(to.memberId, load.get(to.memberId)! + 1);
  }
  // Balance: move a partition from a member with at least two more than another that could take it.
  for (let moved = true; moved; ) {
    moved = false;
    for (const from of sorted) {
      for (const [t, ps] of result.get(from.memberId)!) {
        for (const p of ps) {
          const to = leastLoaded(subscribers.get(t)!, load);
          if (load.get(from.memberId)! - load.get(to.memberId)! < 2) continue;
          ps.delete(p);
          add(result.get(to.memberId)!, t, p);
          load.set(from.memberId, load.get(from.memberId)! - 1);
          load.set(to.memberId, load.get(to.memberId)! + 1);
          moved = true;
          break;
        }
        if (moved) break;
      }
      if (moved) break;
    }
  }
  for (const tp of result.values()) for (const [t, ps] of tp) if (ps.size === 0) tp.delete(t);
  return result;
}

function leastLoaded(candidates: AssignorMember[], load: Map<string, number>): AssignorMember {
  let best = candidates[0]!;
  for (const c of candidates) if (load.get(c.memberId)! < load.get(best.memberId)!) best = c;
  return best;
}

/** Per topic, its subscribers in member-id order each take a contiguous range; the first ones one more when it does not divide. */
export function rangeAssign(members: AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartitions> {
  const result = emptyResult(members);
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const topics = new Set(sorted.flatMap((m) => m.topicIds).filter((t) => partitionCounts.has(t)));
  for (const t of topics) {
    const subs = sorted.filter((m) => m.topicIds.includes(t));
    const n = partitionCounts.get(t)!;
    const base = Math.floor(n / subs.length);
    const extra = n % subs.length;
    let next = 0;
    subs.forEach((m, i) => {
      const take = base + (i < extra ? 1 : 0);
      for (let k = 0; k < take; k++) add(result.get(m.memberId)!, t, next++);
    });
  }
  return result;
}

export { countOf as partitionCount };
