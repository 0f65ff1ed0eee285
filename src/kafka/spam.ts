import type { Message } from 'kafkajs';
import { setTimeout as delay } from 'node:timers/promises';
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

/**
 * The workshop spammer: `times` keyless, headerless records, sent in bounded batches.
 * acks=all uses the idempotent producer, so a retried batch is never written twice.
 */
export async function spamTopic(
  client: KafkaClient,
  options: SpamOptions,
  onProgress: (progress: SpamProgress) => void = () => {},
): Promise<SpamResult> {
  await requireTopic(client, options.topic);
  const idempotent = options.acks === -1;
  const producer = await client.producer({
    allowAutoTopicCreation: false,
    idempotent,
    // kafkajs keeps ordering (and idempotence) only with one request in flight.
    maxInFlightRequests: idempotent ? 1 : undefined,
  });
  const batchSize = options.rate
    ? Math.max(1, Math.min(options.batchSize ?? DEFAULT_BATCH, Math.floor(options.rate / 20)))
    : (options.batchSize ?? DEFAULT_BATCH);
  const started = performance.now();
  let sent = 0;
  while (sent < options.times && !options.signal?.aborted) {
    if (options.rate) {
      const dueMs = (sent / options.rate) * 1000 - (performance.now() - started);
      if (dueMs > 0) await delay(dueMs, undefined, { signal: options.signal }).catch(() => {});
      if (options.signal?.aborted) break;
    }
    const count = Math.min(batchSize, options.times - sent);
    const messages: Message[] = new Array(count);
    for (let j = 0; j < count; j++) messages[j] = { value: spamValue(sent + j) };
    try {
      await producer.send({ topic: options.topic, acks: options.acks, messages });
    } catch (error) {
      throw client.translate(error, `send to ${options.topic}`);
    }
    sent += count;
    onProgress({ sent, total: options.times, elapsedMs: performance.now() - started });
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
