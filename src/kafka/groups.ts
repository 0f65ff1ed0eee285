// Consumer groups: list them, describe their members, committed offsets and lag,
// and plan/execute offset resets (the `kafka-consumer-groups --reset-offsets` job).
import { FirehoseError, UsageError } from '../errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { responseError } from './wire/errors.js';
import type { KafkaClient } from './connect.js';
import { validateTopicName } from './topics.js';
import type { GroupDescriptionRaw, GroupMemberDescription } from './wire/admin.js';

export interface GroupSummary {
  /** The group id consumers join with. */
  groupId: string;
  /** "consumer" for consumer groups; Kafka Connect and others use their own type. */
  protocolType: string;
  /** Coordinator state: Stable, Empty, PreparingRebalance, CompletingRebalance or Dead. */
  state: string;
}

export interface GroupMember {
  /** Id the coordinator gave this member when it joined. */
  memberId: string;
  /** client.id of the consumer (firehose, rdkafka, consumer-1, ...). */
  clientId: string;
  /** Address the member connected from, as the broker saw it. */
  clientHost: string;
  /** Partitions assigned to this member, by topic; empty while a rebalance runs. */
  assignments: Record<string, number[]>;
}

export interface GroupPartitionOffset {
  /** Topic of this partition. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** Offset of the next record the group will read; null when it never committed here. */
  committed: string | null;
  /** Offset the next record written to the partition will get; null when the topic is gone. */
  end: string | null;
  /** end - committed; null ("-") when nothing is committed or the end is unknown. */
  lag: number | null;
}

export interface GroupDescription {
  /** The group id. */
  groupId: string;
  /** Coordinator state, as in GroupSummary. */
  state: string;
  /** "consumer" for consumer groups; empty for a group that only has commits. */
  protocolType: string;
  /** Partition assignor of the current generation (e.g. RoundRobinAssigner); empty without members. */
  protocol: string;
  /** Current members, sorted by client id then member id. */
  members: GroupMember[];
  /** One row per partition of every topic the group committed to or is assigned, sorted. */
  offsets: GroupPartitionOffset[];
  /** Sum of the known lags. */
  totalLag: number;
}

/** Where an offset reset moves the group: the log ends, an exact offset, or the first record at/after a time. */
export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: string }
  | { kind: 'timestamp'; timestamp: number };

export interface OffsetResetOptions {
  /** Group whose committed offsets move. */
  groupId: string;
  /** Only this topic; default: every topic the group has committed offsets for. */
  topic?: string;
  /** Where to move them. */
  to: ResetTarget;
}

export interface OffsetResetRow {
  /** Topic of this partition. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** Committed offset before the reset; null when there was none. */
  current: string | null;
  /** Offset the group will read next after the reset. */
  target: string;
}

export interface OffsetResetPlan {
  /** Group whose committed offsets move. */
  groupId: string;
  /** One row per partition, sorted by topic then partition. */
  rows: OffsetResetRow[];
}

const notFound = (groupId: string) =>
  new FirehoseError('GROUP_NOT_FOUND', `Consumer group ${groupId} does not exist (no members, no committed offsets).`, {
    hint: 'List consumer groups with `firehose groups`.',
  });

const byTopicPartition = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) =>
  a.topic.localeCompare(b.topic) || a.partition - b.partition;

async function describeRaw(client: KafkaClient, groupIds: string[]): Promise<GroupDescriptionRaw[]> {
  const admin = await client.admin();
  try {
    return await admin.describeGroups(groupIds);
  } catch (error) {
    throw client.translate(error, `describe consumer group ${groupIds.join(', ')}`);
  }
}

async function listTopicNames(client: KafkaClient): Promise<string[]> {
  const admin = await client.admin();
  return admin.listTopics(true).catch((e) => { throw client.translate(e, 'list topics'); });
}

/** Every group the brokers know, with its state (ListGroups alone has no state). */
export async function listGroups(client: KafkaClient): Promise<GroupSummary[]> {
  const admin = await client.admin();
  const groups = await admin.listGroups().catch((e) => { throw client.translate(e, 'list consumer groups'); });
  if (groups.length === 0) return [];
  const states = new Map((await describeRaw(client, groups.map((g) => g.groupId))).map((g) => [g.groupId, g.state]));
  return groups
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: states.get(g.groupId) ?? 'Unknown' }))
    .sort((a, b) => a.groupId.localeCompare(b.groupId));
}

/** Committed offsets of the group, keyed "topic:partition"; partitions without a commit are left out. */
async function committedOffsets(client: KafkaClient, groupId: string, topics?: string[]): Promise<Map<string, string>> {
  const admin = await client.admin();
  let result: Map<string, Map<number, number>>;
  try {
    // Without `topics`, every topic the group committed to.
    const asked = topics && new Map(await Promise.all(topics.map(async (t) => [t, await admin.partitions(t)] as const)));
    result = await admin.committedOffsets(groupId, asked);
  } catch (error) {
    throw client.translate(error, `fetch committed offsets of group ${groupId}`);
  }
  const committed = new Map<string, string>();
  for (const [topic, partitions] of result) for (const [partition, offset] of partitions) committed.set(`${topic}:${partition}`, String(offset));
  return committed;
}

interface PartitionRange { partition: number; low: string; high: string }

async function partitionRanges(client: KafkaClient, topic: string): Promise<PartitionRange[]> {
  const admin = await client.admin();
  try {
    return (await admin.offsets(topic)).map(({ partition, earliest, latest }) => ({ partition, low: String(earliest), high: String(latest) }));
  } catch (error) {
    throw client.translate(error, `fetch offsets of topic ${topic}`);
  }
}

/** A member's assignment is opaque bytes in the protocol; consumer groups use the standard encoding. */
async function decodeMemberAssignment(bytes: Buffer): Promise<Record<string, number[]>> {
  if (bytes.length === 0) return {};
  const { decodeAssignment } = await import('./wire/assignors.js');
  try {
    const sorted: Record<string, number[]> = {};
    const decoded = decodeAssignment(bytes);
    for (const topic of [...decoded.keys()].sort()) sorted[topic] = [...decoded.get(topic)!].sort((a, b) => a - b);
    return sorted;
  } catch {
    // Non-consumer groups (e.g. Kafka Connect) encode assignments their own way.
    return {};
  }
}

async function toMembers(members: GroupMemberDescription[]): Promise<GroupMember[]> {
  const out = await Promise.all(members.map(async (m) => ({
    memberId: m.memberId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    assignments: await decodeMemberAssignment(m.assignment),
  })));
  return out.sort((a, b) => a.clientId.localeCompare(b.clientId) || a.memberId.localeCompare(b.memberId));
}

/** Rows for every partition of `topic`; a deleted topic keeps its committed rows with an unknown end. */
async function offsetRows(client: KafkaClient, topic: string, exists: boolean, committed: Map<string, string>): Promise<GroupPartitionOffset[]> {
  if (!exists) {
    return [...committed.entries()]
      .filter(([key]) => key.slice(0, key.lastIndexOf(':')) === topic)
      .map(([key, offset]) => ({ topic, partition: Number(key.slice(key.lastIndexOf(':') + 1)), committed: offset, end: null, lag: null }));
  }
  return (await partitionRanges(client, topic)).map(({ partition, high }) => {
    const offset = committed.get(`${topic}:${partition}`) ?? null;
    // Retention can delete past a commit; lag never goes negative though.
    const lag = offset === null ? null : Math.max(0, Number(BigInt(high) - BigInt(offset)));
    return { topic, partition, committed: offset, end: high, lag };
  });
}

/** Members, assignments, committed offsets and lag of one group. */
export async function describeGroup(client: KafkaClient, groupId: string): Promise<GroupDescription> {
  const [described] = await describeRaw(client, [groupId]);
  const committed = await committedOffsets(client, groupId);
  if (!described || (described.state === 'Dead' && described.members.length === 0 && committed.size === 0)) {
    throw notFound(groupId);
  }
  const members = await toMembers(described.members);
  const topics = new Set([...committed.keys()].map((key) => key.slice(0, key.lastIndexOf(':'))));
  for (const m of members) for (const topic of Object.keys(m.assignments)) topics.add(topic);
  const existing = new Set(topics.size === 0 ? [] : await listTopicNames(client));
  const offsets: GroupPartitionOffset[] = [];
  for (const topic of [...topics].sort()) offsets.push(...await offsetRows(client, topic, existing.has(topic), committed));
  offsets.sort(byTopicPartition);
  return {
    groupId,
    state: described.state,
    protocolType: described.protocolType,
    protocol: described.protocol,
    members,
    offsets,
    totalLag: offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0),
  };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Date.parse rolls 2024-02-30 over to March 1st; a reset target must be a real day. */
function realDay(year: string, month: string, day: string): boolean {
  const d = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return d.getUTCFullYear() === Number(year) && d.getUTCMonth() === Number(month) - 1 && d.getUTCDate() === Number(day);
}

/**
 * Reads a reset target: "earliest", "latest", an offset ("42"), an ISO date/time
 * ("2024-05-01", "2024-05-01T10:00:00Z"; local time without a zone) or "@" and epoch
 * milliseconds ("@1714557600000"). Epoch needs the "@" because a bare number is an offset.
 */
export function parseResetTarget(text: string): ResetTarget {
  const value = text.trim();
  const lower = value.toLowerCase();
  if (lower === 'earliest' || lower === 'latest') return { kind: lower };
  if (/^\d+$/.test(value)) return { kind: 'offset', offset: BigInt(value).toString() };
  const epoch = /^@(\d{1,15})$/.exec(value);
  if (epoch) return { kind: 'timestamp', timestamp: Number(epoch[1]) };
  const iso = ISO_DATE.exec(value);
  const ms = iso && realDay(iso[1]!, iso[2]!, iso[3]!) ? Date.parse(value.replace(' ', 'T')) : NaN;
  if (!Number.isNaN(ms)) return { kind: 'timestamp', timestamp: ms };
  throw new UsageError(
    `"${text}" is not an offset reset target.`,
    'Use earliest, latest, an offset (42), an ISO date/time (2024-05-01T10:00:00Z) or epoch milliseconds (@1714557600000).',
  );
}

const clamp = (offset: bigint, { low, high }: PartitionRange): string =>
  (offset < BigInt(low) ? BigInt(low) : offset > BigInt(high) ? BigInt(high) : offset).toString();

/** Target offset per partition of one topic. */
async function targetsFor(client: KafkaClient, topic: string, to: ResetTarget): Promise<Map<number, string>> {
  const ranges = await partitionRanges(client, topic);
  if (to.kind !== 'timestamp') {
    return new Map(ranges.map((r) => [r.partition, to.kind === 'earliest' ? r.low : to.kind === 'latest' ? r.high : clamp(BigInt(to.offset), r)]));
  }
  const admin = await client.admin();
  // Past the last record's time the answer is the end: the group starts there.
  const byPartition = await admin.offsetsFor(topic, { timestamp: to.timestamp })
    .catch((e) => { throw client.translate(e, `look up offsets of topic ${topic} by time`); });
  return new Map(ranges.map((r) => {
    const offset = byPartition.get(r.partition);
    return [r.partition, offset === undefined || offset < 0 ? r.high : clamp(BigInt(offset), r)];
  }));
}

async function topicsToReset(client: KafkaClient, groupId: string, topic: string | undefined, committed: Map<string, string>): Promise<string[]> {
  if (topic !== undefined) {
    validateTopicName(topic);
    const names = await listTopicNames(client);
    if (!names.includes(topic)) {
      throw new FirehoseError('TOPIC_NOT_FOUND', `Topic ${topic} does not exist on ${client.brokers.join(',')}.`, {
        hint: 'List topics with `firehose topics`.',
      });
    }
    return [topic];
  }
  const topics = [...new Set([...committed.keys()].map((key) => key.slice(0, key.lastIndexOf(':'))))].sort();
  if (topics.length > 0) return topics;
  const [described] = await describeRaw(client, [groupId]);
  if (!described || described.state === 'Dead') throw notFound(groupId);
  throw new FirehoseError('GROUP_NO_OFFSETS', `Consumer group ${groupId} has no committed offsets to reset.`, {
    hint: 'Name the topic to reset with --topic.',
  });
}

/** Works out the new offsets without changing anything (a dry run). */
export async function planOffsetReset(client: KafkaClient, options: OffsetResetOptions): Promise<OffsetResetPlan> {
  const { groupId, topic, to } = options;
  const committed = await committedOffsets(client, groupId);
  const rows: OffsetResetRow[] = [];
  for (const t of await topicsToReset(client, groupId, topic, committed)) {
    for (const [partition, target] of await targetsFor(client, t, to)) {
      rows.push({ topic: t, partition, current: committed.get(`${t}:${partition}`) ?? null, target });
    }
  }
  return { groupId, rows: rows.sort(byTopicPartition) };
}

const groupActive = (groupId: string, state: string) =>
  new FirehoseError('GROUP_ACTIVE', `Consumer group ${groupId} has active members (state ${state}); Kafka only moves offsets of an idle group.`, {
    hint: 'Stop its consumers, wait until `firehose groups` shows it Empty, then run the reset again.',
  });

/**
 * Commits the plan's targets from outside the group, as `kafka-consumer-groups
 * --reset-offsets --execute` does. Kafka refuses while consumers are in the group, so
 * check first for a clear error.
 */
export async function executeOffsetReset(client: KafkaClient, plan: OffsetResetPlan): Promise<OffsetResetRow[]> {
  const [described] = await describeRaw(client, [plan.groupId]);
  const state = described?.state ?? 'Dead';
  if (state !== 'Empty' && state !== 'Dead') throw groupActive(plan.groupId, state);
  const admin = await client.admin();
  const offsets = new Map<string, Map<number, number>>();
  for (const r of plan.rows) {
    if (!offsets.has(r.topic)) offsets.set(r.topic, new Map());
    offsets.get(r.topic)!.set(r.partition, Number(r.target));
  }
  try {
    await admin.commitOffsets(plan.groupId, offsets);
  } catch (error) {
    // A consumer joined between our check and the commit: the coordinator refuses outside commits then.
    const type = (error as { type?: string }).type;
    if (type === 'UNKNOWN_MEMBER_ID' || type === 'ILLEGAL_GENERATION' || type === 'REBALANCE_IN_PROGRESS') {
      const [now] = await describeRaw(client, [plan.groupId]);
      throw groupActive(plan.groupId, now?.state ?? 'unknown');
    }
    throw client.translate(error, `set offsets of group ${plan.groupId}`);
  }
  await verifyApplied(client, plan);
  return plan.rows;
}

/** Reads the commits back: what the table shows is what the group will read next. */
async function verifyApplied(client: KafkaClient, plan: OffsetResetPlan): Promise<void> {
  const committed = await committedOffsets(client, plan.groupId, [...new Set(plan.rows.map((r) => r.topic))]);
  const missed = plan.rows.filter((r) => committed.get(`${r.topic}:${r.partition}`) !== r.target);
  if (missed.length === 0) return;
  const first = missed[0]!;
  throw new FirehoseError(
    'OFFSET_RESET_INCOMPLETE',
    `${missed.length} of ${plan.rows.length} partitions of group ${plan.groupId} did not take the new offset (first: ${first.topic}-${first.partition}).`,
    { hint: 'A consumer probably joined during the reset: stop its consumers and run the reset again.' },
  );
}

/** One partition of `groups delete-offsets`: its committed offset before, now gone. */
export interface DeletedOffsetRow {
  topic: string;
  partition: number;
  /** The offset the group had committed, or null when it had none. */
  committed: string | null;
}

/**
 * Deletes a group's committed offsets of one topic (all its partitions, or those given), as
 * `kafka-consumer-groups --delete-offsets` does: the group then starts those partitions from
 * its reset policy. Kafka refuses while a member of the group reads the topic.
 */
export async function deleteGroupOffsets(client: KafkaClient, options: { groupId: string; topic: string; partitions?: number[] }): Promise<DeletedOffsetRow[]> {
  const { groupId, topic } = options;
  validateTopicName(topic);
  const admin = await client.admin();
  const all = await admin.partitions(topic).catch((e) => { throw client.translate(e, `read the partitions of ${topic}`); });
  const missing = options.partitions?.find((p) => !all.includes(p));
  if (missing !== undefined) {
    throw new UsageError(`Topic ${topic} has partitions 0..${all.length - 1}; there is no partition ${missing}.`, 'Pick one of those with --partition, or leave it out for every partition.');
  }
  const partitions = options.partitions ?? all;
  const before = await committedOffsets(client, groupId, [topic]);
  let answer: { errorCode: number; partitions: Map<number, number> };
  try {
    answer = await admin.deleteOffsets(groupId, topic, partitions);
  } catch (error) {
    throw client.translate(error, `delete offsets of group ${groupId}`);
  }
  if (answer.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw notFound(groupId);
  if (answer.errorCode === ErrorCode.NON_EMPTY_GROUP) throw groupActive(groupId, 'not Empty');
  if (answer.errorCode !== ErrorCode.NONE) throw client.translate(responseError(answer.errorCode, `deleting offsets of group ${groupId}`), `delete offsets of group ${groupId}`);
  if ([...answer.partitions.values()].some((code) => code === ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC)) {
    throw new FirehoseError('GROUP_ACTIVE', `Consumer group ${groupId} has members reading ${topic}; Kafka only deletes the offsets of a topic no member subscribes to.`, {
      hint: 'Stop its consumers of that topic (`firehose groups describe` shows them), then run this again.',
    });
  }
  const failed = [...answer.partitions].find(([, code]) => code !== ErrorCode.NONE);
  if (failed) throw client.translate(responseError(failed[1], `deleting the offset of ${topic}-${failed[0]} of group ${groupId}`), `delete offsets of group ${groupId}`);
  return partitions.map((partition) => ({ topic, partition, committed: before.get(`${topic}:${partition}`) ?? null })).sort(byTopicPartition);
}
