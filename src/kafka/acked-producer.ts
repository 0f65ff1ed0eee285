/**
 * A producer whose send() resolves when Kafka has acknowledged that record: for bridges that
 * may acknowledge upstream (an MQTT PUBACK) only after Kafka has the record (at-least-once).
 * Records are still batched (linger) and pipelined; a record's promise settles once the
 * batches of its partition up to it are acknowledged, in order (idempotent, acks=all).
 */
import type { KafkaClient } from './connect.js';
import { requireTopic } from './topics.js';

export interface AckedRecord {
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
  /** Default: by key (murmur2, as Java's producer), keyless ones round robin. */
  partition?: number;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
}

export interface AckedProducer {
  /** Resolves with the record's offset when Kafka acknowledged it; rejects when it cannot be delivered. */
  send(topic: string, record: AckedRecord): Promise<number>;
  /** Records sent and not yet acknowledged. */
  pending(): number;
  /** Waits for what is in flight, then disconnects. */
  close(): Promise<void>;
}

interface Waiter {
  seq: number;
  resolve: (offset: number) => void;
  reject: (error: unknown) => void;
}

interface PartitionTrack {
  sent: number;
  delivered: number;
  waiters: Waiter[];
}

export async function openAckedProducer(client: KafkaClient, options: { lingerMs?: number } = {}): Promise<AckedProducer> {
  const cluster = await client.cluster();
  const [{ Producer }, { partitionForKey }] = await Promise.all([import('./wire/producer.js'), import('./wire/murmur2.js')]);
  const tracks = new Map<string, PartitionTrack>();
  const track = (topic: string, partition: number) => {
    const id = `${topic}\u0000${partition}`;
    let t = tracks.get(id);
    if (!t) tracks.set(id, (t = { sent: 0, delivered: 0, waiters: [] }));
    return t;
  };
  const producer = new Producer(cluster, {
    acks: -1,
    idempotent: true,
    lingerMs: options.lingerMs ?? 2,
    onDelivered: (report) => {
      const t = track(report.topic, report.partition);
      const first = t.delivered;
      t.delivered += report.count;
      // The batch holds this partition's records first..delivered-1, at baseOffset onwards.
      while (t.waiters.length > 0 && t.waiters[0]!.seq < t.delivered) {
        const w = t.waiters.shift()!;
        w.resolve(report.baseOffset === null ? -1 : report.baseOffset + (w.seq - first));
      }
    },
    onRetry: ({ topic, partition, attempt, error }) => client.log?.debug(`bridge: retry ${attempt} of a batch to ${topic}-${partition} after: ${error.message}`),
  });
  await producer.connect().catch((error: unknown) => {
    throw client.translate(error, 'connect a producer');
  });
  const partitionCounts = new Map<string, Promise<number>>();
  const roundRobin = new Map<string, number>();
  let outstanding = 0;
  let failure: unknown;

  const failAll = (error: unknown) => {
    failure ??= client.translate(error, 'produce');
    for (const t of tracks.values()) for (const w of t.waiters.splice(0)) w.reject(failure);
  };
  // Delivery failures surface in flush(): look now and then while anything is pending. On a
  // timer, not in a promise loop: a flush that returns at once (nothing appended yet) must not
  // keep the event loop from the I/O that appends it.
  let flushing = false;
  const watcher = setInterval(() => {
    if (flushing || outstanding === 0 || failure) return;
    flushing = true;
    producer.flush().then(() => { flushing = false; }, (error: unknown) => { flushing = false; failAll(error); });
  }, 200);
  watcher.unref();

  return {
    async send(topic, record) {
      if (failure) throw failure;
      let counting = partitionCounts.get(topic);
      // The producer's partitions are loaded before the first record: every send then appends
      // at once, in the order of `seq` below, which is what the count of delivered records per
      // partition is matched against.
      if (!counting) partitionCounts.set(topic, (counting = requireTopic(client, topic).then(async (n) => { await producer.prepare(topic); return n; })));
      const partitions = await counting;
      let partition: number;
      if (record.partition !== undefined) partition = record.partition;
      else if (record.key !== null) partition = partitionForKey(typeof record.key === 'string' ? Buffer.from(record.key) : record.key, partitions);
      else {
        partition = (roundRobin.get(topic) ?? 0) % partitions;
        roundRobin.set(topic, partition + 1);
      }
      const t = track(topic, partition);
      const acked = new Promise<number>((resolve, reject) => t.waiters.push({ seq: t.sent++, resolve, reject }));
      outstanding += 1;
      const headers = Object.entries(record.headers ?? {}).map(([key, value]) => ({ key, value: typeof value === 'string' ? Buffer.from(value) : value }));
      const wait = producer.send(topic, { key: record.key, value: record.value, partition, ...(record.timestamp !== undefined ? { timestamp: record.timestamp } : {}), ...(headers.length ? { headers } : {}) });
      if (wait) await wait.catch(failAll);
      try {
        return await acked;
      } finally {
        outstanding -= 1;
      }
    },
    pending: () => outstanding,
    async close() {
      clearInterval(watcher);
      try {
        await producer.flush();
      } catch (error) {
        failAll(error);
      } finally {
        await producer.abort().catch(() => undefined);
      }
    },
  };
}
