import type { IHeaders, KafkaMessage } from 'kafkajs';

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
