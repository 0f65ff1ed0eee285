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

/**
 * The records of one partition from one fetch, as the consume command gets them: decoded to
 * text only when asked (records()), or printed as they are (valueLines(): the bytes of each
 * value and a newline, what `consume` prints by default, with no string per record).
 */
export class ConsumedBatch {
  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly wire: readonly WireRecord[],
  ) {}

  get length(): number {
    return this.wire.length;
  }

  /** The offset after the last record. */
  get nextOffset(): number {
    return this.wire[this.wire.length - 1]!.offset + 1;
  }

  /** Every record as firehose shows it (text fields). */
  records(): ConsumedRecord[] {
    return this.wire.map((r) => fromWireRecord(this.topic, this.partition, r));
  }

  /** Each value's bytes followed by a newline (a record without a value: an empty line), as kcat -C prints them. */
  valueLines(): Buffer {
    let size = this.wire.length;
    for (const r of this.wire) if (r.value) size += r.value.length;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const r of this.wire) {
      if (r.value) {
        out.set(r.value, at);
        at += r.value.length;
      }
      out[at++] = 0x0a;
    }
    return out;
  }
}
