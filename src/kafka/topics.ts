import { setTimeout as delay } from 'node:timers/promises';
import { FirehoseError, UsageError } from '../errors.js';
import type { KafkaClient } from './connect.js';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Kafka's own rule for topic names, checked before any network call. */
export function validateTopicName(name: string): string {
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new UsageError(
      `"${name}" is not a valid Kafka topic name.`,
      'Topic names use letters, digits, ".", "_" and "-", at most 249 characters.',
    );
  }
  return name;
}

export interface CreateTopicOptions {
  topic: string;
  partitions: number;
  replicas: number;
  /** Topic configs such as retention.ms. */
  configs: Record<string, string>;
}

export interface CreateTopicResult {
  topic: string;
  partitions: number;
  replicas: number;
  /** false when the topic was already there with the same partition count. */
  created: boolean;
  method: 'admin-api';
}

async function topicPartitionCount(client: KafkaClient, topic: string): Promise<number | undefined> {
  const admin = await client.admin();
  const meta = await admin.topic(topic).catch((e) => { throw client.translate(e, `describe topic ${topic}`); });
  return meta?.partitions.length;
}

/** The topic's partition count; TOPIC_NOT_FOUND when it does not exist. */
export async function requireTopic(client: KafkaClient, topic: string): Promise<number> {
  validateTopicName(topic);
  const count = await topicPartitionCount(client, topic);
  if (count === undefined) throw topicNotFound(client, topic);
  return count;
}

export function topicNotFound(client: KafkaClient, topic: string, hint = 'Create it with `firehose create-topic`, or list topics with `firehose topics`.'): FirehoseError {
  return new FirehoseError('TOPIC_NOT_FOUND', `Topic ${topic} does not exist on ${client.brokers.join(',')}.`, { hint });
}

function mismatch(topic: string, existing: number, wanted: number): FirehoseError {
  return new FirehoseError('TOPIC_MISMATCH', `Topic ${topic} already exists with ${existing} partitions, not ${wanted}.`, {
    hint: `Use --partitions ${existing} to accept it, or delete it first with \`firehose delete-topic ${topic}\`.`,
  });
}

/** Creates a topic through the admin API; idempotent when an equal topic exists. */
export async function createTopic(client: KafkaClient, options: CreateTopicOptions): Promise<CreateTopicResult> {
  const { topic, partitions, replicas } = options;
  validateTopicName(topic);
  const result = { topic, partitions, replicas, method: 'admin-api' as const };
  const existing = await topicPartitionCount(client, topic);
  if (existing !== undefined) {
    if (existing !== partitions) throw mismatch(topic, existing, partitions);
    return { ...result, created: false };
  }
  const admin = await client.admin();
  let created: boolean;
  try {
    const answer = await admin.createTopics([{ name: topic, partitions, replicationFactor: replicas, configs: options.configs }]);
    created = answer.get(topic) ?? false;
  } catch (error) {
    throw client.translate(error, `create topic ${topic}`);
  }
  if (!created) {
    // Someone else created it between our check and our request.
    const now = await topicPartitionCount(client, topic);
    if (now !== undefined && now !== partitions) throw mismatch(topic, now, partitions);
  }
  await waitUntilServed(client, topic);
  return { ...result, created };
}

/**
 * The metadata names a leader for a new partition a moment before that leader serves it
 * (KRaft), so an offsets request right after CreateTopics can fail with "not the leader".
 * Returns once every partition answers, so `create-topic && topics describe` works.
 */
async function waitUntilServed(client: KafkaClient, topic: string): Promise<void> {
  const admin = await client.admin();
  const deadline = Date.now() + Math.max(client.settings.connectTimeoutMs, 30_000);
  for (;;) {
    try {
      await admin.offsets(topic);
      return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) {
        throw client.translate(error, `read offsets of new topic ${topic}`);
      }
      await delay(100);
    }
  }
}

export async function deleteTopic(client: KafkaClient, topic: string): Promise<{ topic: string; deleted: boolean }> {
  validateTopicName(topic);
  if ((await topicPartitionCount(client, topic)) === undefined) {
    throw topicNotFound(client, topic, 'Nothing to delete there; `firehose topics` lists the topics it has (check --bootstrap if you expected it).');
  }
  const admin = await client.admin();
  try {
    await admin.deleteTopics([topic]);
  } catch (error) {
    throw client.translate(error, `delete topic ${topic}`);
  }
  return { topic, deleted: true };
}

export interface TopicSummary {
  topic: string;
  partitions: number;
  replicas: number;
  /** Sum of the partitions' end offsets: records ever written (before retention). */
  messages: number;
}

export async function listTopics(client: KafkaClient, { includeInternal = false } = {}): Promise<TopicSummary[]> {
  const admin = await client.admin();
  try {
    const shown = await admin.allTopics(includeInternal);
    const summaries = await Promise.all(shown.map(async (t) => ({
      topic: t.name,
      partitions: t.partitions.length,
      replicas: t.partitions[0]?.replicas.length ?? 0,
      messages: [...(await admin.offsetsFor(t.name, 'latest')).values()].reduce((sum, o) => sum + o, 0),
    })));
    return summaries.sort((a, b) => a.topic.localeCompare(b.topic));
  } catch (error) {
    throw client.translate(error, 'list topics');
  }
}

export interface PartitionDescription {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  /** First offset still stored. */
  startOffset: string;
  /** Offset the next record will get. */
  endOffset: string;
}

export interface TopicDescription {
  topic: string;
  partitions: PartitionDescription[];
  configs: Record<string, string>;
}

export async function describeTopic(client: KafkaClient, topic: string): Promise<TopicDescription> {
  await requireTopic(client, topic);
  const admin = await client.admin();
  try {
    const [meta, offsets, configs] = await Promise.all([admin.topic(topic), admin.offsets(topic), admin.topicConfigs(topic)]);
    if (!meta) throw topicNotFound(client, topic);
    const byPartition = new Map(offsets.map((o) => [o.partition, o]));
    const partitions = meta.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      startOffset: String(byPartition.get(p.partition)?.earliest ?? 0),
      endOffset: String(byPartition.get(p.partition)?.latest ?? 0),
    }));
    const overridden: Record<string, string> = {};
    for (const entry of configs) if (entry.overridden && entry.value !== null) overridden[entry.name] = entry.value;
    return { topic, partitions, configs: overridden };
  } catch (error) {
    throw client.translate(error, `describe topic ${topic}`);
  }
}
