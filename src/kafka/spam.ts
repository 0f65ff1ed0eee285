import { setTimeout as delay } from 'node:timers/promises';
import { FirehoseError } from '../errors.js';
import { withDeadline } from '../util/deadline.js';
import type { Acks } from './acks.js';
import type { CompressionCodec } from './compression.js';
import type { KafkaClient } from './connect.js';
import { topicNotFound, validateTopicName } from './topics.js';
import type { Cluster } from './wire/cluster.js';
import { formatCount } from '../util/count.js';

export interface SpamOptions {
  topic: string;
  /** How many records to send (the spammer's TIMES). */
  times: number;
  acks: Acks;
  /** Record-batch codec; default none. */
  compression?: CompressionCodec;
  /** Upper bound in records per second; unlimited when absent. */
  rate?: number;
  /** Records per produce request; bounds memory whatever `times` is. */
  batchSize?: number;
  /**
   * How long one batch may take to be acknowledged, retries included (Kafka's
   * delivery.timeout.ms): long enough to ride out a broker restart. Default 60 s.
   */
  deliveryTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface SpamProgress {
  sent: number;
  total: number;
  elapsedMs: number;
}

export interface SpamResult {
  topic: string;
  sent: number;
  seconds: number;
  /** Records per second over the whole run. */
  rate: number;
  acks: Acks;
  idempotent: boolean;
  /** true when the run was stopped (Ctrl-C) before `times` records. */
  interrupted: boolean;
}

/** Record i's value, byte for byte as the workshop's kafka-python spammer writes it. */
export function spamValue(i: number): string {
  return `{ "message": "Sending Message: ${i}" }`;
}

/**
 * spamValue(from) … spamValue(to - 1) as one buffer and where each value ends in it: one
 * string and one encode per chunk instead of per record (spam's hot loop).
 */
export function spamValues(from: number, to: number): { bytes: Buffer; ends: Uint32Array } {
  const values = new Array<string>(to - from);
  const ends = new Uint32Array(to - from);
  let length = 0;
  for (let i = from; i < to; i++) {
    const value = spamValue(i);
    values[i - from] = value;
    length += value.length; // ASCII: one byte per character
    ends[i - from] = length;
  }
  return { bytes: Buffer.from(values.join(''), 'latin1'), ends };
}

/** Records between two progress reports and rate checks. */
const DEFAULT_BATCH = 1000;

export const DEFAULT_DELIVERY_TIMEOUT_MS = 60_000;

/**
 * Buffered and in-flight bytes before spam waits for acknowledgements: bounds memory
 * whatever `times` is (~16 MiB of records, a few hundred thousand spam records).
 */
const SPAM_BUFFER_BYTES = 16 * 1024 * 1024;

/**
 * The workshop spammer: `times` keyless, headerless records through firehose's own producer
 * (src/kafka/wire/producer.ts: batches per partition, several requests in flight).
 * acks=all uses the idempotent producer, so a retried batch is never written twice.
 *
 * Record i goes to partition i mod partitions: every partition gets its share in order, and
 * a batch retried after a lost answer carries the same records under the same sequence.
 *
 * A batch is retried until it is acknowledged or `deliveryTimeoutMs` has passed; a failure
 * says how many records were acknowledged before it.
 */
export async function spamTopic(
  client: KafkaClient,
  options: SpamOptions,
  onProgress: (progress: SpamProgress) => void = () => {},
): Promise<SpamResult> {
  validateTopicName(options.topic);
  const idempotent = options.acks === -1;
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const cluster = await client.cluster();
  const { Producer } = await import('./wire/producer.js');
  const producer = new Producer(cluster, {
    acks: options.acks,
    idempotent,
    compression: options.compression,
    deliveryTimeoutMs,
    bufferBytes: SPAM_BUFFER_BYTES,
    onRetry: ({ topic, partition, attempt, error }) => client.log?.debug(`spam: retry ${attempt} of a batch to ${topic}-${partition} after: ${describeCause(error)}`),
  });
  const stopped = (error: unknown) => spamStopped(client, error, { sent: producer.delivered, times: options.times, acks: options.acks, topic: options.topic });
  let partitions: number;
  try {
    partitions = await withDeadline(topicPartitions(cluster, client, options.topic), client.settings.connectTimeoutMs, () => new Error(`no answer within ${client.settings.connectTimeoutMs / 1000} s`));
    await withDeadline(producer.connect(), client.settings.connectTimeoutMs, () => new Error(`no answer within ${client.settings.connectTimeoutMs / 1000} s`));
  } catch (error) {
    await producer.abort();
    if (error instanceof FirehoseError) throw error;
    throw client.translate(error, `send to ${options.topic}`);
  }
  // With --rate, records go in steps of about 10 ms (a steady stream, not a burst per tick).
  const chunk = options.rate
    ? Math.max(1, Math.min(options.batchSize ?? DEFAULT_BATCH, Math.floor(options.rate / 100)))
    : (options.batchSize ?? DEFAULT_BATCH);
  const interrupted = abortPromise(options.signal);
  const started = performance.now();
  const report = () => onProgress({ sent: producer.delivered, total: options.times, elapsedMs: performance.now() - started });
  const ticker = setInterval(report, 100);
  let queued = 0;
  try {
    while (queued < options.times && !options.signal?.aborted) {
      if (options.rate) {
        const dueMs = (queued / options.rate) * 1000 - (performance.now() - started);
        if (dueMs > 0) await delay(dueMs, undefined, { signal: options.signal }).catch(() => {});
        if (options.signal?.aborted) break;
      }
      const { bytes, ends } = spamValues(queued, Math.min(queued + chunk, options.times));
      // Record i goes to partition i % partitions: one bulk call per partition for the chunk.
      const waits: Array<Promise<void>> = [];
      for (let p = 0; p < partitions && p < ends.length; p++) {
        const first = (((p - queued) % partitions) + partitions) % partitions;
        const wait = producer.sendValues(options.topic, p, bytes, ends, first, partitions);
        if (wait) waits.push(wait);
      }
      queued += ends.length;
      // Back-pressure (the buffer is full), or Ctrl-C while waiting for it.
      if (waits.length > 0 && (await Promise.race([Promise.all(waits).then(() => true), interrupted.promise])) !== true) break;
    }
    // Everything queued acknowledged, or Ctrl-C: then stop at once with what was acknowledged.
    if (!options.signal?.aborted) await Promise.race([producer.flush(), interrupted.promise]);
  } catch (error) {
    throw stopped(error);
  } finally {
    clearInterval(ticker);
    interrupted.dispose();
    await producer.abort();
  }
  report();
  const sent = producer.delivered;
  const seconds = (performance.now() - started) / 1000;
  return {
    topic: options.topic,
    sent,
    seconds,
    rate: seconds > 0 ? sent / seconds : sent,
    acks: options.acks,
    idempotent,
    interrupted: sent < options.times,
  };
}

/** The topic's partition count from the wire client's metadata; TOPIC_NOT_FOUND when it does not exist. */
async function topicPartitions(cluster: Cluster, client: KafkaClient, topic: string): Promise<number> {
  try {
    return (await cluster.topic(topic)).leaders.length;
  } catch (error) {
    if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') throw topicNotFound(client, topic);
    throw error;
  }
}

/** An error's message with the errno under it (ECONNREFUSED), for --verbose. */
function describeCause(error: Error): string {
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code ? `${error.message} [${code}]` : error.message;
}

/** Resolves with false when `signal` aborts; dispose() lets go of the signal. */
function abortPromise(signal: AbortSignal | undefined): { promise: Promise<false>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    if (signal?.aborted) resolve(false);
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal?.removeEventListener('abort', onAbort) };
}

/** The failure, translated, with how many records were acknowledged before it. */
function spamStopped(client: KafkaClient, error: unknown, progress: { sent: number; times: number; acks: Acks; topic: string }): FirehoseError {
  const reason = client.translate(error, `send to ${progress.topic}`);
  const count = formatCount;
  const done = progress.acks === 0 ? 'sent (acks=0: not acknowledged)' : 'acknowledged';
  return new FirehoseError(reason.code, `spam stopped after ${count(progress.sent)} of ${count(progress.times)} records were ${done}: ${reason.message}`, {
    hint: reason.code === 'KAFKA_UNREACHABLE'
      ? 'Check that the broker is running. spam retries each batch for --delivery-timeout, long enough to ride out a broker restart.'
      : reason.hint,
    exitCode: reason.exitCode,
    cause: error,
  });
}
