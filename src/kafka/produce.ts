import { UsageError } from '../errors.js';
import type { Acks } from './acks.js';
import type { CompressionCodec } from './compression.js';
import type { KafkaClient } from './connect.js';
import { requireTopic } from './topics.js';
import type { DeliveryReport, OutgoingRecord } from './wire/producer.js';

export interface ProduceOptions {
  topic: string;
  /** A fixed key for every record. */
  key?: string;
  /** Split each line at the first occurrence into key and value. */
  keySeparator?: string;
  headers: Record<string, string>;
  partition?: number;
  acks: Acks;
  /** Record-batch codec; default none. */
  compression?: CompressionCodec;
  /**
   * Send and acknowledge each line as it arrives (a person typing); otherwise lines are
   * batched for speed (a pipe).
   */
  interactive: boolean;
}

/** One acknowledged record, as the broker placed it. */
export interface ProducedRecord {
  partition: number;
  /** null with --acks 0, where the broker does not answer. */
  offset: string | null;
}

export interface ProduceResult {
  topic: string;
  sent: number;
}

/** A record for firehose's own producer: the line's key, value, headers and partition. */
export function lineToRecord(line: string, options: ProduceOptions): OutgoingRecord {
  let key: string | null = options.key ?? null;
  let value = line;
  if (options.keySeparator) {
    const at = line.indexOf(options.keySeparator);
    if (at < 0) {
      throw new UsageError(
        `Line "${line.slice(0, 60)}" has no key separator "${options.keySeparator}".`,
        'Write key<sep>value on every line, or drop --key-separator.',
      );
    }
    key = line.slice(0, at);
    value = line.slice(at + options.keySeparator.length);
  }
  const record: OutgoingRecord = { key, value };
  const headers = Object.entries(options.headers);
  if (headers.length > 0) record.headers = headers.map(([name, text]) => ({ key: name, value: Buffer.from(text, 'utf8') }));
  if (options.partition !== undefined) record.partition = options.partition;
  return record;
}

/**
 * Sends one record per line on firehose's own producer. Interactive: each line is sent at
 * once and `onAck` gets its partition and offset. Piped: lines are batched per partition
 * (linger 5 ms) with back-pressure. Resolves after every record is acknowledged.
 */
export async function produceLines(
  client: KafkaClient,
  lineGroups: AsyncIterable<string[]>,
  options: ProduceOptions,
  onAck: (record: ProducedRecord, line: string) => void = () => {},
): Promise<ProduceResult> {
  const partitions = await requireTopic(client, options.topic);
  if (options.partition !== undefined && options.partition >= partitions) {
    throw new UsageError(`Topic ${options.topic} has partitions 0..${partitions - 1}; there is no partition ${options.partition}.`);
  }
  const cluster = await client.cluster();
  const { Producer } = await import('./wire/producer.js');
  const delivered: { last?: DeliveryReport } = {};
  const producer = new Producer(cluster, {
    acks: options.acks,
    idempotent: options.acks === -1,
    compression: options.compression,
    onDelivered: (report) => { delivered.last = report; },
    onRetry: ({ topic, partition, attempt, error }) => client.log?.debug(`produce: retry ${attempt} of a batch to ${topic}-${partition} after: ${error.message}`),
  });
  const what = `produce to ${options.topic}`;
  let sent = 0;
  try {
    await producer.connect();
    for await (const lines of lineGroups) {
      for (const line of lines) {
        const record = lineToRecord(line, options);
        const wait = producer.send(options.topic, record);
        if (wait) await wait;
        if (!options.interactive) continue;
        delivered.last = undefined;
        await producer.flush();
        sent += 1;
        const ack = delivered.last as DeliveryReport | undefined;
        onAck({ partition: ack?.partition ?? record.partition ?? -1, offset: ack?.baseOffset == null ? null : String(ack.baseOffset) }, line);
      }
      if (!options.interactive) sent += lines.length;
    }
    await producer.flush();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw client.translate(error, what);
  } finally {
    await producer.abort().catch(() => undefined);
  }
  return { topic: options.topic, sent };
}
