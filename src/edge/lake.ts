// `firehose lake`: seed 002's kafka-to-s3 route on this machine. Consumes topics as a group
// and stores objects of N records (s3.message.aggregation.count) in a local folder (the
// one-machine lab's data lake) or an S3 bucket (src/edge/lake-store.ts). What makes it safe
// to stop at any point:
// - an object's name is its topic, partition and first offset (`<topic>/<partition>/
//   <first offset, 20 digits>.jsonl`), so after a crash the same records start the same
//   object again and the rewrite replaces it instead of adding a duplicate;
// - a partition's offset is committed up to the last record of each stored object before its
//   next object is written, so at most one object per partition is stored and not committed:
//   the one a restart begins with, and rewrites;
// - a slow partition still gets its object after --max-wait (fewer than N records).
// The object format is JSON lines, one record each: topic, partition, offset, timestamp (ms),
// key and value (UTF-8 text, or {"base64": ...} for bytes that are not UTF-8), headers.
import { consumeBatches, type BatchControl, type RawRecord } from '../kafka/batches.js';
import type { KafkaClient } from '../kafka/connect.js';
import { StopSignal, type StopReason } from '../kafka/stop-signal.js';
import { requireTopic } from '../kafka/topics.js';
import { UsageError } from '../errors.js';
import type { LakeStore } from './lake-store.js';

export interface LakeOptions {
  topics: string[];
  /** Where objects go (prepared: runLake checks it before it reads anything). */
  store: LakeStore;
  /** Records per object (the seed's s3.message.aggregation.count). */
  records: number;
  /** An object is stored this long after its first record at the latest, however few it has. */
  maxWaitMs: number;
  group: string;
  fromBeginning: boolean;
  signal?: AbortSignal;
}

export type LakeEvent =
  /** The topics exist and the store takes objects (bucket there, keys accepted): reading starts. */
  | { kind: 'started'; where: string }
  | { kind: 'stored'; name: string; records: number };

export interface LakeResult {
  objects: number;
  records: number;
  stoppedBy: StopReason;
}

const OFFSET_DIGITS = 20;

/** `<topic>/<partition>/<first offset, zero-padded>.jsonl`, with / as separator whatever the OS. */
export function lakeObjectName(topic: string, partition: number, firstOffset: string): string {
  return `${topic}/${partition}/${firstOffset.padStart(OFFSET_DIGITS, '0')}.jsonl`;
}

function text(data: Buffer | string | null | undefined): string | { base64: string } | null {
  if (data === null || data === undefined) return null;
  if (typeof data === 'string') return data;
  const decoded = data.toString('utf8');
  return Buffer.from(decoded, 'utf8').equals(data) ? decoded : { base64: data.toString('base64') };
}

/** One JSON line per record (the object format). */
export function objectBody(records: RawRecord[]): string {
  return records.map((r) => JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    timestamp: r.timestamp,
    key: text(r.key),
    value: text(r.value),
    headers: Object.fromEntries(Object.entries(r.headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, text(v)])),
  })).join('\n') + '\n';
}

export async function runLake(client: KafkaClient, options: LakeOptions, onEvent: (event: LakeEvent) => void): Promise<LakeResult> {
  for (const topic of options.topics) await requireTopic(client, topic);
  // A bucket that is not there or keys the server refuses fail here, before any record is read.
  await options.store.prepare();
  onEvent({ kind: 'started', where: options.store.where });
  const stop = new StopSignal(undefined, options.signal);
  let objects = 0;
  let stored = 0;
  /** Per topic and partition: records read and not yet in an object, since when, and how to resolve them. */
  const buffers = new Map<string, { records: RawRecord[]; since: number; control: BatchControl }>();
  /** Per partition, the object writes in order (partitions write side by side). */
  const writing = new Map<string, Promise<void>>();

  const flush = async (key: string, all: boolean) => {
    const buffer = buffers.get(key);
    if (!buffer || buffer.records.length === 0) return;
    while (buffer.records.length >= options.records || (all && buffer.records.length > 0)) {
      if (!buffer.control.isRunning()) {
        buffers.delete(key); // the partition moved: its new owner reads these again
        return;
      }
      const chunk = buffer.records.splice(0, options.records);
      const first = chunk[0]!;
      const name = lakeObjectName(first.topic, first.partition, first.offset);
      await options.store.put(name, objectBody(chunk));
      buffer.control.resolveOffset(chunk[chunk.length - 1]!.offset);
      // Committed before the partition's next object: a restart rewrites this one, never two (a short
      // object from --max-wait followed by a full one would otherwise both hold the records after it).
      await buffer.control.commit();
      buffer.since = Date.now();
      objects += 1;
      stored += chunk.length;
      onEvent({ kind: 'stored', name, records: chunk.length });
    }
  };
  // One write at a time per partition, in order: its objects are stored in offset order.
  const enqueue = (key: string, work: () => Promise<void>) => {
    const next = (writing.get(key) ?? Promise.resolve()).then(work);
    writing.set(key, next.catch(() => undefined)); // a failed write fails its caller, not the writes after it
    return next;
  };

  const timer = setInterval(() => {
    const now = Date.now();
    for (const [key, buffer] of buffers) {
      if (buffer.records.length > 0 && now - buffer.since >= options.maxWaitMs) void enqueue(key, () => flush(key, true)).catch(() => undefined);
    }
  }, Math.max(50, Math.min(1000, options.maxWaitMs / 4)));

  const consumeTopic = (topic: string) => consumeBatches(client, {
    groupId: options.group,
    topic,
    fromBeginning: options.fromBeginning,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 2_000,
    maxWaitMs: 500,
    concurrency: 16,
    commitIntervalMs: 1000,
    stop,
    what: `store ${topic} in ${options.store.where}`,
  }, async (batch, control) => {
    const key = `${batch.topic}\u0000${batch.partition}`;
    let buffer = buffers.get(key);
    if (!buffer || !buffer.control.isRunning()) {
      // A new assignment of the partition reads from the committed offset: nothing buffered before counts.
      buffer = { records: [], since: Date.now(), control };
      buffers.set(key, buffer);
    } else buffer.control = control;
    if (buffer.records.length === 0) buffer.since = Date.now();
    buffer.records.push(...batch.records);
    await enqueue(key, () => flush(key, false));
  });

  try {
    const results = await Promise.allSettled(options.topics.map(consumeTopic));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { objects, records: stored, stoppedBy: await stop.done };
  } finally {
    clearInterval(timer);
    stop.stop('done');
  }
}

export interface LakeConfig {
  topics: string[];
  records?: number;
  bootstrap?: string;
  bucket?: string;
  region?: string;
  /** s3.custom.endpoint.url, when s3.custom.endpoint.enabled is true. */
  endpoint?: string;
}

/** The seed's kafka-to-s3 ConfigMap: its Kafka topics (kafka.broker.topic.*), bootstrap, records per object and S3 settings. */
export async function lakeConfigFromConfigMap(text: string, file: string): Promise<LakeConfig> {
  const { configMapProperties } = await import('./configmap.js');
  const props = await configMapProperties(text, file, 'Give the seed\'s kafka-to-s3 ConfigMap (kafka-to-s3-cm.yaml), or the topics as arguments.');
  const topics = [...props].filter(([key]) => key.startsWith('kafka.broker.topic.')).map(([, topic]) => topic);
  if (topics.length === 0) {
    throw new UsageError(`${file}: application.properties names no kafka.broker.topic.* to store.`, 'Add them, or give the topics as arguments.');
  }
  const count = props.get('s3.message.aggregation.count');
  const records = count === undefined ? undefined : Number(count);
  if (records !== undefined && !(Number.isSafeInteger(records) && records > 0)) {
    throw new UsageError(`${file}: s3.message.aggregation.count must be a whole number above 0, not "${count}".`);
  }
  const endpoint = props.get('s3.custom.endpoint.enabled') === 'true' ? props.get('s3.custom.endpoint.url') : undefined;
  return { topics, records, bootstrap: props.get('kafka.broker.uri'), bucket: props.get('s3.bucket.name'), region: props.get('s3.region'), endpoint };
}
