import type { Message, Producer } from 'kafkajs';
import { UsageError } from '../errors.js';
import type { Acks } from './acks.js';
import type { KafkaClient } from './connect.js';
import { requireTopic } from './topics.js';

export interface ProduceOptions {
  topic: string;
  /** A fixed key for every record. */
  key?: string;
  /** Split each line at the first occurrence into key and value. */
  keySeparator?: string;
  headers: Record<string, string>;
  partition?: number;
  acks: Acks;
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

const PIPE_BATCH = 1000;

export function lineToMessage(line: string, options: ProduceOptions): Message {
  let key: string | undefined = options.key;
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
  const message: Message = { value };
  if (key !== undefined) message.key = key;
  if (Object.keys(options.headers).length > 0) message.headers = { ...options.headers };
  if (options.partition !== undefined) message.partition = options.partition;
  return message;
}

async function sendMessages(client: KafkaClient, producer: Producer, options: ProduceOptions, messages: Message[]): Promise<ProducedRecord[]> {
  try {
    const metadata = await producer.send({ topic: options.topic, acks: options.acks, messages });
    if (options.acks === 0) return messages.map((m) => ({ partition: m.partition ?? -1, offset: null }));
    // With several records per partition, kafkajs reports the base offset of each partition's batch.
    return metadata.map((m) => ({ partition: m.partition, offset: m.baseOffset ?? null }));
  } catch (error) {
    throw client.translate(error, `produce to ${options.topic}`);
  }
}

/**
 * Sends one record per line. Interactive: each line is sent at once and `onAck` gets its
 * partition and offset. Piped: the lines of each input chunk go out as one batch.
 * Resolves after the last batch is acknowledged.
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
  const producer = await client.producer({ allowAutoTopicCreation: false });
  let sent = 0;
  for await (const lines of lineGroups) {
    if (options.interactive) {
      for (const line of lines) {
        const [ack] = await sendMessages(client, producer, options, [lineToMessage(line, options)]);
        sent += 1;
        onAck(ack!, line);
      }
      continue;
    }
    for (let start = 0; start < lines.length; start += PIPE_BATCH) {
      const batch = lines.slice(start, start + PIPE_BATCH).map((line) => lineToMessage(line, options));
      await sendMessages(client, producer, options, batch);
      sent += batch.length;
    }
  }
  return { topic: options.topic, sent };
}
