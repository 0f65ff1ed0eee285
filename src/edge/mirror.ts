// `firehose mirror run`: MirrorMaker2's job between two Kafka clusters, on firehose's own
// client. What it keeps from MirrorMaker2:
// - names: DefaultReplicationPolicy, `<source alias><separator><topic>` (`manuela-factory.
//   iot-sensor-sw-temperature`), or IdentityReplicationPolicy (the same name);
// - which topics: a regex over the source's topics (topicsPattern), never internal ones
//   (`__*`, `*.internal`, MirrorMaker2's heartbeats/checkpoints), and never a topic that
//   came from the target (`<target alias>.x`: nothing is mirrored back);
// - the target topic gets the source's partition count, and each record goes to the same
//   partition with its key, value, headers and timestamp;
// - consumer-group offsets of the groups matching groupsPattern are translated to the target
//   (checkpoints), for groups with no members there, so a consumer that moves resumes where
//   it was (or a little before: a translated offset is never past what was mirrored).
// Progress: one consumer group per mirrored topic on the source (`firehose-mirror.<source
// alias>.<target alias>.<topic>`), committed only for records the target acknowledged
// (acks=all, idempotent): a restart, even after SIGKILL, copies again at most what was in flight.
import { consumeBatches, type RawRecord } from '../kafka/batches.js';
import type { KafkaClient } from '../kafka/connect.js';
import { StopSignal, type StopReason } from '../kafka/stop-signal.js';
import { FirehoseError, UsageError } from '../errors.js';

export interface MirrorOptions {
  /** The source cluster's alias: the prefix of mirrored topic names (manuela-factory). */
  sourceAlias: string;
  /** The target cluster's alias: its topics are never mirrored back (manuela-central). */
  targetAlias: string;
  /** DefaultReplicationPolicy's separator. */
  separator: string;
  /** identity: target topics keep the source's names (IdentityReplicationPolicy). */
  policy: 'default' | 'identity';
  /** Source topics to mirror (topicsPattern, matched against the whole name). */
  topics: RegExp;
  /** Groups whose offsets are translated (groupsPattern). */
  groups: RegExp;
  /** How often group offsets are translated. */
  checkpointIntervalMs: number;
  signal?: AbortSignal;
}

export type MirrorEvent =
  | { kind: 'topics'; pairs: Array<{ source: string; target: string; partitions: number; created: boolean }> }
  | { kind: 'copied'; source: string; target: string; records: number }
  | { kind: 'checkpoint'; group: string; topic: string; partitions: number };

export interface MirrorResult {
  copied: number;
  checkpoints: number;
  stoppedBy: StopReason;
}

/** What MirrorMaker2 itself and Kafka keep to themselves: never mirrored. */
function internalTopic(name: string): boolean {
  return name.startsWith('__') || name.endsWith('.internal') || /(^|\.)(heartbeats|checkpoints\.internal|mm2-offset-syncs\..*)$/.test(name) || name.startsWith('mm2-');
}

export function targetTopicName(topic: string, options: Pick<MirrorOptions, 'sourceAlias' | 'separator' | 'policy'>): string {
  return options.policy === 'identity' ? topic : `${options.sourceAlias}${options.separator}${topic}`;
}

/** The group that stores a topic's mirror progress on the source. */
export function progressGroup(topic: string, options: Pick<MirrorOptions, 'sourceAlias' | 'targetAlias'>): string {
  return `firehose-mirror.${options.sourceAlias}.${options.targetAlias}.${topic}`;
}

/** The source topics to mirror: matching, not internal, not from the target. */
export function topicsToMirror(names: string[], options: Pick<MirrorOptions, 'topics' | 'targetAlias' | 'separator'>): string[] {
  const fromTarget = `${options.targetAlias}${options.separator}`;
  return names.filter((n) => !internalTopic(n) && !n.startsWith(fromTarget) && options.topics.test(n)).sort();
}

/** An anchored regex from a MirrorMaker2 pattern (`.*`, `iot-sensor-.*`, `a|b`); a usage error naming the flag. */
export function mirrorPattern(text: string, flag: string): RegExp {
  try {
    return new RegExp(`^(?:${text})$`);
  } catch (error) {
    throw new UsageError(`${flag} "${text}" is not a valid regular expression: ${(error as Error).message}.`, 'MirrorMaker2 patterns are Java regexes such as .* or iot-sensor-.*; the usual syntax works here.');
  }
}

/** Per partition: source offset → target offset of mirrored records, a bounded history. */
class OffsetSyncs {
  private readonly syncs = new Map<number, Array<[source: number, target: number]>>();

  add(partition: number, source: number, target: number): void {
    let list = this.syncs.get(partition);
    if (!list) this.syncs.set(partition, (list = []));
    list.push([source, target]);
    if (list.length > 4096) list.splice(0, list.length - 2048);
  }

  /**
   * The target offset for a source group offset (the next record it would read): after the
   * last mirrored record below it, or, with no sync at or below it, nothing (undefined).
   */
  translate(partition: number, groupOffset: number): number | undefined {
    const list = this.syncs.get(partition);
    if (!list) return undefined;
    let found: [number, number] | undefined;
    for (const sync of list) {
      if (sync[0] < groupOffset) found = sync;
      else break;
    }
    return found ? found[1] + 1 : undefined;
  }
}

export async function runMirror(source: KafkaClient, target: KafkaClient, options: MirrorOptions, onEvent: (event: MirrorEvent) => void): Promise<MirrorResult> {
  const [sourceAdmin, targetAdmin] = await Promise.all([source.admin(), target.admin()]).catch((error: unknown) => {
    throw source.translate(error, 'connect to the source and target clusters');
  });
  const names = await sourceAdmin.listTopics(false).catch((error: unknown) => { throw source.translate(error, 'list the source topics'); });
  const topics = topicsToMirror(names, options);
  if (topics.length === 0) {
    throw new FirehoseError('TOPIC_NOT_FOUND', `No topic on the source matches --topics ${options.topics.source.slice(4, -2)} (of ${names.length} topics there${names.length ? `: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}` : ''}).`, {
      hint: 'Check --topics (a regex over whole names, as MirrorMaker2\'s topicsPattern) and --source.',
    });
  }

  // Target topics with the source's partition counts.
  const pairs: Array<{ source: string; target: string; partitions: number; created: boolean }> = [];
  for (const topic of topics) {
    const partitions = (await sourceAdmin.partitions(topic)).length;
    const name = targetTopicName(topic, options);
    const existing = await targetAdmin.topic(name).catch((error: unknown) => { throw target.translate(error, `read topic ${name} on the target`); });
    let created = false;
    if (!existing) {
      await targetAdmin.createTopics([{ name, partitions, replicationFactor: -1 }]).catch((error: unknown) => { throw target.translate(error, `create topic ${name} on the target`); });
      created = true;
    } else if (existing.partitions.length < partitions) {
      await targetAdmin.createPartitions(name, partitions).catch((error: unknown) => { throw target.translate(error, `add partitions to ${name} on the target`); });
    }
    pairs.push({ source: topic, target: name, partitions, created });
  }
  onEvent({ kind: 'topics', pairs });

  const { openAckedProducer } = await import('../kafka/acked-producer.js');
  const producer = await openAckedProducer(target);
  const syncs = new Map(topics.map((t) => [t, new OffsetSyncs()]));
  const stop = new StopSignal(undefined, options.signal);
  let copied = 0;
  let checkpoints = 0;

  const checkpoint = async () => {
    const groups = (await sourceAdmin.listGroups()).map((g) => g.groupId).filter((g) => !g.startsWith('firehose-mirror.') && options.groups.test(g));
    for (const group of groups) {
      const committed = await sourceAdmin.committedOffsets(group).catch(() => undefined);
      if (!committed) continue;
      const translated = new Map<string, Map<number, number>>();
      for (const [topic, offsets] of committed) {
        const pair = pairs.find((p) => p.source === topic);
        if (!pair) continue;
        const partitions = new Map<number, number>();
        for (const [partition, offset] of offsets) {
          const t = syncs.get(topic)!.translate(partition, offset);
          if (t !== undefined) partitions.set(partition, t);
        }
        if (partitions.size) translated.set(pair.target, partitions);
      }
      if (translated.size === 0) continue;
      // A group with members on the target moves its own offsets: leave it (as MirrorMaker2 does).
      const [description] = await targetAdmin.describeGroups([group]).catch(() => [undefined]);
      if (description && description.members.length > 0) continue;
      try {
        await targetAdmin.commitOffsets(group, translated);
      } catch {
        continue; // it gained members meanwhile
      }
      checkpoints += 1;
      for (const [topic, partitions] of translated) onEvent({ kind: 'checkpoint', group, topic, partitions: partitions.size });
    }
  };
  let checkpointing = Promise.resolve();
  const timer = setInterval(() => {
    checkpointing = checkpointing.then(checkpoint).catch((error: Error) => source.log?.debug(`mirror: checkpoint failed: ${error.message}`));
  }, options.checkpointIntervalMs);

  const copyTopic = (pair: (typeof pairs)[number]) => consumeBatches(source, {
    groupId: progressGroup(pair.source, options),
    topic: pair.source,
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 2_000,
    maxWaitMs: 200,
    concurrency: 16,
    // MirrorMaker2's consumers take max.poll.records (500) at a time.
    maxRecords: 500,
    // After every batch the target acknowledged: a restart copies again at most the batches in flight.
    commitIntervalMs: 0,
    stop,
    what: `mirror ${pair.source} to ${pair.target}`,
  }, async (batch, control) => {
    const sent = batch.records.map((record: RawRecord) => producer.send(pair.target, {
      partition: record.partition,
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: Object.fromEntries(Object.entries(record.headers).filter((h): h is [string, string | Buffer] => h[1] !== undefined)),
    }));
    const offsets = await Promise.all(sent);
    const partitionSyncs = syncs.get(pair.source)!;
    batch.records.forEach((record, i) => { if (offsets[i]! >= 0) partitionSyncs.add(record.partition, Number(record.offset), offsets[i]!); });
    control.resolveOffset(batch.records[batch.records.length - 1]!.offset);
    copied += batch.records.length;
    onEvent({ kind: 'copied', source: pair.source, target: pair.target, records: batch.records.length });
  });

  try {
    const results = await Promise.allSettled(pairs.map(copyTopic));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    clearInterval(timer);
    await checkpointing;
    await checkpoint().catch((error: Error) => source.log?.debug(`mirror: final checkpoint failed: ${error.message}`));
    return { copied, checkpoints, stoppedBy: await stop.done };
  } finally {
    clearInterval(timer);
    stop.stop('done');
    await producer.close();
  }
}
