import type { Message } from 'kafkajs';
import { setTimeout as delay } from 'node:timers/promises';
import { FirehoseError } from '../errors.js';
import { withDeadline } from '../util/deadline.js';
import type { Acks } from './acks.js';
import type { KafkaClient } from './connect.js';
import { requireTopic } from './topics.js';

export interface SpamOptions {
  topic: string;
  /** How many records to send (the spammer's TIMES). */
  times: number;
  acks: Acks;
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
 * Records per send(). kafkajs groups each send's records by partition by copying the
 * partition's array once per record (groupMessagesPerPartition), which costs
 * (records per partition)² per send. With 5000, a 1,000,000-record run to 10 partitions spent
 * ~14% of its CPU there (a 1-partition topic far more); 1000 keeps that small while each
 * request still carries ~100 records per partition (bench/RESULTS.md).
 */
const DEFAULT_BATCH = 1000;

export const DEFAULT_DELIVERY_TIMEOUT_MS = 60_000;

/**
 * The workshop spammer: `times` keyless, headerless records, sent in bounded batches.
 * acks=all uses the idempotent producer, so a retried batch is never written twice.
 *
 * Record i goes to partition i mod partitions, chosen here rather than by kafkajs: its
 * round-robin partitioner moves on with every attempt, so a request retried after a lost
 * answer (a broker restart) would carry other records per partition under the same sequence
 * numbers, which the broker refuses as out of order or, when the counts happen to match,
 * drops as duplicates of records it never got.
 *
 * A batch is retried until it is acknowledged or `deliveryTimeoutMs` has passed; a failure
 * says how many records were acknowledged before it.
 */
export async function spamTopic(
  client: KafkaClient,
  options: SpamOptions,
  onProgress: (progress: SpamProgress) => void = () => {},
): Promise<SpamResult> {
  const partitions = await requireTopic(client, options.topic);
  const idempotent = options.acks === -1;
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  let sent = 0;
  const stopped = (error: unknown) => spamStopped(client, error, { sent, times: options.times, acks: options.acks, topic: options.topic });
  const producer = await client
    .patientProducer({
      allowAutoTopicCreation: false,
      idempotent,
      // kafkajs keeps ordering (and idempotence) only with one request in flight.
      maxInFlightRequests: idempotent ? 1 : undefined,
    }, deliveryTimeoutMs)
    .catch((error: unknown) => { throw stopped(error); });
  const batchSize = options.rate
    ? Math.max(1, Math.min(options.batchSize ?? DEFAULT_BATCH, Math.floor(options.rate / 20)))
    : (options.batchSize ?? DEFAULT_BATCH);
  const interrupted = abortPromise(options.signal);
  const started = performance.now();
  try {
    while (sent < options.times && !options.signal?.aborted) {
      if (options.rate) {
        const dueMs = (sent / options.rate) * 1000 - (performance.now() - started);
        if (dueMs > 0) await delay(dueMs, undefined, { signal: options.signal }).catch(() => {});
        if (options.signal?.aborted) break;
      }
      const count = Math.min(batchSize, options.times - sent);
      const messages: Message[] = new Array(count);
      for (let j = 0; j < count; j++) messages[j] = { value: spamValue(sent + j), partition: (sent + j) % partitions };
      const delivered = withDeadline(producer.send({ topic: options.topic, acks: options.acks, messages }), deliveryTimeoutMs, () => notDelivered(client, deliveryTimeoutMs));
      // Ctrl-C while kafkajs retries: stop now, with the records acknowledged so far.
      if ((await Promise.race([delivered.then(() => true), interrupted.promise])) !== true) break;
      sent += count;
      onProgress({ sent, total: options.times, elapsedMs: performance.now() - started });
    }
  } catch (error) {
    throw stopped(error);
  } finally {
    interrupted.dispose();
  }
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

/** No acknowledgement within the delivery timeout: why, as far as kafkajs said. */
function notDelivered(client: KafkaClient, ms: number): Error {
  const last = client.lastLoggedError;
  return new Error(`no acknowledgement within ${ms / 1000} s${last ? ` (last error: ${last})` : ''}`);
}

/** The failure, translated, with how many records were acknowledged before it. */
function spamStopped(client: KafkaClient, error: unknown, progress: { sent: number; times: number; acks: Acks; topic: string }): FirehoseError {
  const reason = client.translate(error, `send to ${progress.topic}`);
  const count = (n: number) => n.toLocaleString('en-US');
  const done = progress.acks === 0 ? 'sent (acks=0: not acknowledged)' : 'acknowledged';
  return new FirehoseError(reason.code, `spam stopped after ${count(progress.sent)} of ${count(progress.times)} records were ${done}: ${reason.message}`, {
    hint: reason.code === 'KAFKA_UNREACHABLE'
      ? 'Check that the broker is running. spam retries each batch for --delivery-timeout, long enough to ride out a broker restart.'
      : reason.hint,
    exitCode: reason.exitCode,
    cause: error,
  });
}
