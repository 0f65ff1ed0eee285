// Reading partitions: ListOffsets (earliest, latest, by time) and a Fetch loop per
// leader that keeps one answer ahead of the caller, yielding each partition's decoded
// records as they come.
import { BATCH_OFFSETS, decodeRecordBatches, RECORD_BATCH_HEADER_SIZE, UnsupportedCodecError, withoutAbortedBatches, type ConsumedRecord } from '../../protocol/records.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { sleep, type Cluster } from './cluster.js';
import { KafkaConnectionError, responseError, type KafkaResponseError } from './errors.js';

export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface FetcherOptions {
  /** How long the broker may wait for minBytes. */
  maxWaitMs?: number;
  minBytes?: number;
  /** Whole answer bound. */
  maxBytes?: number;
  partitionMaxBytes?: number;
  /** 0 read uncommitted, 1 read committed (records of aborted transactions are skipped). */
  isolationLevel?: 0 | 1;
}

export interface FetchedRecords {
  topic: string;
  partition: number;
  /** Empty when the answer held only what a reader never sees (transaction markers, aborted records). */
  records: ConsumedRecord[];
  highWatermark: number;
  /** The partition's position after this answer: past its records and any markers or aborted records it skipped. */
  nextOffset: number;
}

const RETRY_MS = 100;

export class Fetcher {
  private readonly maxWaitMs: number;
  private readonly minBytes: number;
  private readonly maxBytes: number;
  private readonly partitionMaxBytes: number;
  private readonly isolationLevel: 0 | 1;

  constructor(
    private readonly cluster: Cluster,
    options: FetcherOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? 500;
    this.minBytes = options.minBytes ?? 1;
    this.maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
    this.partitionMaxBytes = options.partitionMaxBytes ?? 1024 * 1024;
    this.isolationLevel = options.isolationLevel ?? 0;
  }

  /** The offset per partition that `spec` names (for a time: the first record at or after it; the end when none is). */
  async listOffsets(topic: string, partitions: number[], spec: OffsetSpec): Promise<Map<number, number>> {
    const timestamp = spec === 'earliest' ? -2n : spec === 'latest' ? -1n : BigInt(spec.timestamp);
    const out = new Map<number, number>();
    let remaining = partitions;
    for (let attempt = 0; remaining.length > 0; attempt++) {
      const t = await this.cluster.topic(topic);
      const byLeader = groupBy(remaining, (p) => t.leaders[p] ?? -1);
      const failed: number[] = [];
      let lastError: KafkaResponseError | undefined;
      await Promise.all(
        [...byLeader].map(async ([leader, list]) => {
          const connection = await this.cluster.connection(leader);
          const answer = await connection.request('ListOffsets', {
            replicaId: -1,
            isolationLevel: this.isolationLevel,
            topics: [{ name: topic, partitions: list.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
          });
          for (const tt of answer.topics) {
            for (const p of tt.partitions) {
              if (p.errorCode === ErrorCode.NONE) {
                out.set(p.partitionIndex, p.offset < 0n && spec !== 'earliest' && spec !== 'latest' ? -1 : Number(p.offset));
                continue;
              }
              const error = responseError(p.errorCode, `ListOffsets for ${topic}-${p.partitionIndex}`);
              if (!error.retriable) throw error;
              lastError = error;
              failed.push(p.partitionIndex);
            }
          }
        }),
      );
      remaining = failed;
      if (remaining.length === 0) break;
      if (attempt >= 20) throw lastError!;
      this.cluster.invalidate(topic);
      await sleep(RETRY_MS);
    }
    // By time, past the last record: the end offset, as Kafka's consumers do.
    const unresolved = [...out].filter(([, o]) => o < 0).map(([p]) => p);
    if (unresolved.length > 0) for (const [p, o] of await this.listOffsets(topic, unresolved, 'latest')) out.set(p, o);
    return out;
  }

  /**
   * Fetches `topic` from `positions` (partition → next offset) until the caller stops
   * iterating or `signal` aborts (which also ends a wait for records that may never come:
   * the generator then returns). One Fetch per leader is in flight or waiting to be taken.
   */
  async *fetch(topic: string, positions: Map<number, number>, signal?: AbortSignal): AsyncGenerator<FetchedRecords> {
    const ready: FetchedRecords[] = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    let stopped = false;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    /** Parked loops wait here until the caller has taken what was ready. */
    let taken: Array<() => void> = [];
    /** Fetches `partitions` from their leaders; a lost connection is reopened, up to 5 times in a row. */
    const loop = async (partitions: number[], failures = 0): Promise<void> => {
      if (stopped) return;
      const progress = { answers: 0 };
      try {
        await fetchFrom(partitions, progress);
      } catch (error) {
        const inARow = progress.answers > 0 ? 1 : failures + 1;
        if (!(error instanceof KafkaConnectionError) || stopped || inARow > 5) throw error;
        this.cluster.invalidate(topic);
        await sleep(RETRY_MS * inARow);
        await loop(partitions, inARow);
      }
    };
    const fetchFrom = async (partitions: number[], progress: { answers: number }): Promise<void> => {
      const t = await this.cluster.topic(topic);
      const byLeader = groupBy(partitions, (p) => t.leaders[p] ?? -1);
      if (byLeader.size > 1) {
        await Promise.all([...byLeader.values()].map((list) => loop(list)));
        return;
      }
      const [leader] = [...byLeader.keys()];
      const connection = await this.cluster.connection(leader!);
      let mine = partitions;
      while (!stopped && mine.length > 0) {
        const answer = await connection.request('Fetch', {
          replicaId: -1,
          maxWaitMs: this.maxWaitMs,
          minBytes: this.minBytes,
          maxBytes: this.maxBytes,
          isolationLevel: this.isolationLevel,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [{ topic, partitions: mine.map((partition) => ({ partition, fetchOffset: BigInt(positions.get(partition)!), partitionMaxBytes: this.partitionMaxBytes })) }],
          forgottenTopicsData: [],
          rackId: '',
        });
        progress.answers++;
        if (answer.errorCode !== ErrorCode.NONE) throw responseError(answer.errorCode, `Fetch from ${connection.broker}`);
        const moved: number[] = [];
        let got = 0;
        for (const tt of answer.responses) {
          for (const p of tt.partitions) {
            if (p.errorCode !== ErrorCode.NONE) {
              const error = responseError(p.errorCode, `fetching ${topic}-${p.partitionIndex} at offset ${positions.get(p.partitionIndex)}`);
              if (!error.staleMetadata) throw error;
              moved.push(p.partitionIndex);
              continue;
            }
            const from = positions.get(p.partitionIndex)!;
            const bytes = p.records;
            if (!bytes || bytes.length < RECORD_BATCH_HEADER_SIZE) continue;
            let records: FetchedRecords['records'];
            let next: number;
            try {
              records = decodeRecordBatches(this.isolationLevel === 1 ? withoutAbortedBatches(bytes, p.abortedTransactions) : bytes, from);
              next = nextOffset(bytes);
            } catch (error) {
              if (error instanceof UnsupportedCodecError) throw error;
              // A batch that fails its CRC or does not decode: fetched again on a new connection (up to 5 times).
              throw connection.malformed(`Fetch (the records of ${topic}-${p.partitionIndex} at offset ${from})`, error);
            }
            if (next <= from && records.length === 0) continue;
            if (next > from) positions.set(p.partitionIndex, next);
            // Also an answer of markers alone: the caller's position moves past them (a
            // transaction's end would otherwise stay one offset short of the partition's end).
            ready.push({ topic, partition: p.partitionIndex, records, highWatermark: Number(p.highWatermark), nextOffset: Math.max(next, from) });
            got++;
          }
        }
        if (got > 0) notify();
        if (moved.length > 0) {
          mine = mine.filter((p) => !moved.includes(p));
          this.cluster.invalidate(topic);
          void sleep(RETRY_MS).then(() => loop(moved)).catch(fail);
        }
        // Fetch ahead by one answer: wait for the caller while it has two or more to take.
        while (!stopped && ready.length > 1) await new Promise<void>((resolve) => taken.push(resolve));
      }
    };
    const fail = (error: unknown) => {
      failure ??= error as Error;
      notify();
    };
    // An abort stops the loops at once (after the request in flight), not only when the caller
    // next takes from this generator: a stopped consumer of an idle topic would otherwise go on
    // fetching, reopening connections of a cluster that was closed.
    const onAbort = () => {
      stopped = true;
      for (const resume of taken.splice(0)) resume();
      notify();
    };
    void loop([...positions.keys()]).catch(fail);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal?.aborted) return;
        if (ready.length > 0) {
          const next = ready.shift()!;
          if (ready.length <= 1) for (const resume of taken.splice(0)) resume();
          yield next;
          continue;
        }
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stopped = true;
      for (const resume of taken.splice(0)) resume();
      taken = [];
    }
  }
}

/** The offset after the last whole batch in a Fetch answer's records (0 when none is whole). */
function nextOffset(bytes: Buffer): number {
  let next = 0;
  for (let at = 0; at + RECORD_BATCH_HEADER_SIZE <= bytes.length; ) {
    const size = 12 + bytes.readInt32BE(at + BATCH_OFFSETS.batchLength);
    if (at + size > bytes.length) break;
    next = Number(bytes.readBigInt64BE(at + BATCH_OFFSETS.baseOffset)) + bytes.readInt32BE(at + BATCH_OFFSETS.lastOffsetDelta) + 1;
    at += size;
  }
  return next;
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(item);
  }
  return out;
}
