import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord as WireRecord } from '../protocol/records.js';

/** A record as firehose shows it: text fields, UTF-8 decoded. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  /** Record timestamp, milliseconds since the epoch. */
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
}

function headerText(value: IHeaders[string]): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => v.toString()).join(',');
  return value.toString();
}

/** A record decoded by firehose's own client (src/kafka/wire/), as firehose shows it. */
export function fromWireRecord(topic: string, partition: number, record: WireRecord): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const h of record.headers) {
    const text = h.value?.toString('utf8') ?? '';
    // A repeated header shows its values joined, as for kafkajs's arrays above.
    headers[h.key] = h.key in headers ? `${headers[h.key]},${text}` : text;
  }
  return {
    topic,
    partition,
    offset: String(record.offset),
    timestamp: record.timestamp,
    key: record.key ? record.key.toString('utf8') : null,
    headers,
    value: record.value ? record.value.toString('utf8') : null,
  };
}

export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = headerText(value);
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key ? message.key.toString('utf8') : null,
    headers,
    value: message.value ? message.value.toString('utf8') : null,
  };
}
