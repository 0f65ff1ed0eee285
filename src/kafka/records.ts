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

/** A record decoded by firehose's own client (src/kafka/wire/), as firehose shows it: a repeated header's values joined with commas. */
export function fromWireRecord(topic: string, partition: number, record: WireRecord): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const h of record.headers) {
    const text = h.value?.toString('utf8') ?? '';
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
