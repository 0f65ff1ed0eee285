// The producer: records go into one open batch per partition, which is sealed when it
// reaches its size bound or lingered long enough; sealed batches go out in one Produce
// request per leader, several requests in flight per partition. Keyed records use the
// Java/librdkafka murmur2 partitioner, keyless ones stick to one partition per batch.
// With idempotence (the default for acks=all) every batch carries the producer id and
// its sequence, so retries after a lost answer are never stored twice and order holds.
import { BATCH_OFFSETS, RecordBatchBuilder, type CompressionCodec, type ProducerRecord } from '../../protocol/records.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { sleep, type Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { responseError, type KafkaResponseError } from './errors.js';
import { partitionForKey } from './murmur2.js';

export interface ProducerOptions {
  /** 0 (no answer), 1 (the leader), -1 (all in-sync replicas). Default -1. */
  acks?: 0 | 1 | -1;
  /** Producer id and sequence numbers; default: on with acks=-1. Needs acks=-1. */
  idempotent?: boolean;
  /** How long a batch waits for more records before it is sent. */
  lingerMs?: number;
  /**
   * A batch is sealed at this many bytes of records. Default 256 KiB: measured against
   * 1 MiB, 512 KiB and 128 KiB with 1M spam records on 10 partitions, it let the broker
   * store earlier batches while later ones fill (1 MiB: ~25% longer runs, the last
   * batches' acks waited on at the end); librdkafka's batches are ~450 KB there.
   */
  batchBytes?: number;
  /** Bytes of records buffered or in flight before send() asks the caller to wait. */
  bufferBytes?: number;
  /** Produce requests in flight per partition (at most 5 with idempotence, as Kafka requires). */
  maxInFlight?: number;
  compression?: CompressionCodec;
  /** Attempts after the first for a batch that failed with a retriable error. Default: unbounded (deliveryTimeoutMs bounds them). */
  retries?: number;
  /** The first wait before a retry; it doubles per attempt up to retryBackoffMaxMs. */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /**
   * How long a batch may take from sealed to acknowledged, retries included (Kafka's
   * delivery.timeout.ms): long enough to ride out a broker restart. Default 120 s.
   */
  deliveryTimeoutMs?: number;
  /** Told of every retry (for --verbose). */
  onRetry?: (retry: { topic: string; partition: number; attempt: number; error: Error }) => void;
  /** The broker's time to wait for acks=all replicas (Produce timeoutMs). */
  ackTimeoutMs?: number;
  /** Told of every batch acknowledged (or, with acks=0, written): where its records landed. */
  onDelivered?: (report: DeliveryReport) => void;
}

export interface DeliveryReport {
  topic: string;
  partition: number;
  /** The offset of the batch's first record; null with acks=0, where the broker does not answer. */
  baseOffset: number | null;
  count: number;
}

/** A record for send(): a ProducerRecord, optionally with its partition chosen by the caller. */
export interface OutgoingRecord extends ProducerRecord {
  partition?: number;
}

interface Batch {
  state: PartitionState;
  /** The records written so far; dropped once the batch is encoded. */
  builder: RecordBatchBuilder | undefined;
  bytes: number;
  encoded?: Buffer;
  baseSequence: number;
  attempts: number;
  /** From the broker's answer. */
  baseOffset?: number;
  /** performance.now() when it was sealed: its delivery timeout counts from here. */
  sealedAt: number;
}

interface PartitionState {
  topic: string;
  partition: number;
  open: Batch | undefined;
  lingerTimer: NodeJS.Timeout | undefined;
  queue: Batch[];
  inFlight: number;
  nextSequence: number;
  /** After a failed batch: nothing is sent until the requests in flight have come back. */
  paused: boolean;
  resuming: boolean;
  /** The wait before the next retry: grows while attempts fail, back to the first after a success. */
  backoffMs: number;
  /** Bytes of the last batch sealed here. */
  lastBatchBytes: number;
  /** Idempotence: the sequence the broker expects next, from the batches acknowledged so far. */
  ackedSequence: number;
  /**
   * Idempotence: the broker has acknowledged a batch of this producer here. Until then one
   * batch goes at a time: Kafka takes any sequence as a new producer's first on a partition,
   * so a second batch stored before the first (refused NOT_LEADER_OR_FOLLOWER by a partition
   * just created) would make the first OUT_OF_ORDER_SEQUENCE_NUMBER for good.
   */
  confirmed: boolean;
}

/** See ProducerOptions.batchBytes. */
export const DEFAULT_BATCH_BYTES = 256 * 1024;

/** A new batch's first buffer; it doubles as records come (up to batchBytes and a record). */
const FIRST_BATCH_BYTES = 16 * 1024;

export class Producer {
  private readonly acks: 0 | 1 | -1;
  private readonly idempotent: boolean;
  private readonly lingerMs: number;
  private readonly batchBytes: number;
  private readonly bufferBytes: number;
  private readonly maxInFlight: number;
  private readonly retries: number;
  private readonly retryBackoffMs: number;
  private readonly retryBackoffMaxMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly onRetry: ProducerOptions['onRetry'];
  private readonly onDelivered: ProducerOptions['onDelivered'];
  private readonly ackTimeoutMs: number;
  private readonly compression: CompressionCodec;
  private partitions = new Map<string, PartitionState[]>();
  private sticky = new Map<string, number>();
  private producerId = -1n;
  private producerEpoch = -1;
  private buffered = 0;
  private outstanding = 0;
  private spaceWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private pumpScheduled = false;
  private error: Error | undefined;
  private aborted = false;
  /** Records acknowledged (or, with acks=0, written). */
  delivered = 0;
  /** The last error a retried batch met, for the message when delivery times out. */
  lastError: Error | undefined;

  constructor(
    private readonly cluster: Cluster,
    options: ProducerOptions = {},
  ) {
    this.acks = options.acks ?? -1;
    this.idempotent = options.idempotent ?? this.acks === -1;
    if (this.idempotent && this.acks !== -1) throw new Error('an idempotent producer needs acks=-1 (all)');
    this.lingerMs = options.lingerMs ?? 5;
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.bufferBytes = options.bufferBytes ?? 64 * 1024 * 1024;
    this.maxInFlight = Math.min(options.maxInFlight ?? 5, this.idempotent ? 5 : Infinity);
    this.retries = options.retries ?? Number.MAX_SAFE_INTEGER;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.retryBackoffMaxMs = Math.max(this.retryBackoffMs, options.retryBackoffMaxMs ?? 1000);
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 120_000;
    this.onRetry = options.onRetry;
    this.onDelivered = options.onDelivered;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.compression = options.compression ?? 'none';
  }

  /** Connects and, when idempotent, obtains a producer id. */
  async connect(): Promise<void> {
    const connection = await this.cluster.connect();
    if (!this.idempotent) return;
    for (let attempt = 0; ; attempt++) {
      const answer = await connection.request('InitProducerId', { transactionalId: null, transactionTimeoutMs: -1 });
      if (answer.errorCode === ErrorCode.NONE) {
        this.producerId = answer.producerId;
        this.producerEpoch = answer.producerEpoch;
        return;
      }
      const error = responseError(answer.errorCode, 'InitProducerId');
      if (!error.retriable || attempt >= 20) throw error;
      await sleep(this.retryBackoffMs);
    }
  }

  /**
   * Queues one record. Returns undefined when it was taken without waiting; otherwise a
   * promise the caller awaits before the next send (topic metadata being fetched, or the
   * buffer full: back-pressure). Delivery failures surface in flush().
   */
  send(topic: string, record: OutgoingRecord): Promise<void> | undefined {
    if (this.error) return Promise.reject(this.error);
    if (this.aborted) return Promise.reject(new Error('the producer was aborted'));
    const states = this.partitions.get(topic);
    if (!states) return this.prepare(topic).then(() => this.send(topic, record));
    let partition = record.partition;
    if (partition === undefined) {
      if (record.key != null) partition = partitionForKey(typeof record.key === 'string' ? Buffer.from(record.key) : record.key, states.length);
      else partition = this.sticky.get(topic) ?? this.newSticky(topic, states.length);
    }
    const state = states[partition];
    if (!state) return Promise.reject(new Error(`topic "${topic}" has no partition ${partition}`));
    const now = Date.now();
    const bytes = (state.open ?? this.open(state)).builder!.append(record, now, this.batchBytes);
    if (bytes > 0) return this.taken(state, bytes, false);
    // The record does not fit: this batch goes, and the record starts the next one.
    this.seal(state);
    return this.taken(state, this.open(state).builder!.append(record, now, this.batchBytes), true);
  }

  /**
   * Queues one keyless, headerless record whose value is `source[start, end)`, to a chosen
   * partition: the bytes are copied into the batch, so a caller holding many values in one
   * buffer (lines read from a file, spam's values) allocates nothing per record. Returns as
   * send() does.
   */
  sendValue(topic: string, partition: number, source: Buffer, start: number, end: number): Promise<void> | undefined {
    if (this.error) return Promise.reject(this.error);
    if (this.aborted) return Promise.reject(new Error('the producer was aborted'));
    const states = this.partitions.get(topic);
    if (!states) return this.prepare(topic).then(() => this.sendValue(topic, partition, source, start, end));
    const state = states[partition];
    if (!state) return Promise.reject(new Error(`topic "${topic}" has no partition ${partition}`));
    const now = Date.now();
    const bytes = (state.open ?? this.open(state)).builder!.appendValue(source, start, end, now, this.batchBytes);
    if (bytes > 0) return this.taken(state, bytes, false);
    this.seal(state);
    return this.taken(state, this.open(state).builder!.appendValue(source, start, end, now, this.batchBytes), true);
  }

  /**
   * sendValue in bulk: the values source[ends[k - 1], ends[k]) (from 0 for k = 0) for k =
   * first, first + step, … below ends.length, in that order, all to `partition`. One clock
   * read and one back-pressure check per call (spam's hot loop: a chunk of values spread
   * round-robin over the partitions is one call per partition). Returns as send() does.
   */
  sendValues(topic: string, partition: number, source: Buffer, ends: Uint32Array, first: number, step: number): Promise<void> | undefined {
    if (this.error) return Promise.reject(this.error);
    if (this.aborted) return Promise.reject(new Error('the producer was aborted'));
    const states = this.partitions.get(topic);
    if (!states) return this.prepare(topic).then(() => this.sendValues(topic, partition, source, ends, first, step));
    const state = states[partition];
    if (!state) return Promise.reject(new Error(`topic "${topic}" has no partition ${partition}`));
    const now = Date.now();
    let sealed = false;
    for (let k = first; k < ends.length; k += step) {
      const start = k === 0 ? 0 : ends[k - 1]!;
      let batch = state.open ?? this.open(state);
      let bytes = batch.builder!.appendValue(source, start, ends[k]!, now, this.batchBytes);
      if (bytes === 0) {
        // The value does not fit: this batch goes, and the value starts the next one.
        this.seal(state);
        sealed = true;
        batch = this.open(state);
        bytes = batch.builder!.appendValue(source, start, ends[k]!, now, this.batchBytes);
      }
      if (this.count(state, batch, bytes)) sealed = true;
    }
    return this.afterAppend(sealed);
  }

  /** Bookkeeping after a record of `bytes` went into the partition's open batch. */
  private taken(state: PartitionState, bytes: number, sealed: boolean): Promise<void> | undefined {
    return this.afterAppend(this.count(state, state.open!, bytes) || sealed);
  }

  /** Counts `bytes` just appended to `batch` and seals it once full; true when it was sealed. */
  private count(state: PartitionState, batch: Batch, bytes: number): boolean {
    batch.bytes += bytes;
    this.buffered += bytes;
    if (batch.bytes < this.batchBytes) return false;
    this.seal(state);
    return true;
  }

  /** What a send returns: back-pressure while the buffer is over its bound, else a turn of the event loop after a batch was sealed. */
  private afterAppend(sealed: boolean): Promise<void> | undefined {
    if (this.buffered > this.bufferBytes) return new Promise((resolve) => this.spaceWaiters.push(resolve));
    if (!sealed) return undefined;
    // A caller sending in a loop never leaves it otherwise: let the sealed batch go out
    // (and answers come in) while the next one fills.
    return new Promise((resolve) => setImmediate(resolve));
  }

  private open(state: PartitionState): Batch {
    // As large as this partition's last batch was: a steady stream writes without regrowing.
    const batch: Batch = { state, builder: new RecordBatchBuilder(Math.min(this.batchBytes, Math.max(FIRST_BATCH_BYTES, state.lastBatchBytes))), bytes: 0, baseSequence: -1, attempts: 0, sealedAt: 0 };
    state.open = batch;
    this.outstanding++;
    state.lingerTimer = setTimeout(() => this.seal(state), this.lingerMs);
    return batch;
  }

  /** Sends everything buffered and waits for every answer; throws the first delivery failure. */
  async flush(): Promise<void> {
    for (const states of this.partitions.values()) for (const s of states) if (s.open) this.seal(s);
    if (this.outstanding > 0 && !this.aborted) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.error) throw this.error;
  }

  /**
   * Stops at once (Ctrl-C): nothing more is sent or retried, flush() and send() return, and
   * the connections close. What was acknowledged before stays counted in `delivered`.
   */
  async abort(): Promise<void> {
    this.aborted = true;
    for (const states of this.partitions.values()) {
      for (const s of states) {
        clearTimeout(s.lingerTimer);
        s.open = undefined;
        s.queue = [];
      }
    }
    for (const wake of this.spaceWaiters.splice(0)) wake();
    for (const wake of this.idleWaiters.splice(0)) wake();
    await this.cluster.close();
  }

  /**
   * What each partition with work has under way (batches queued and in flight, paused for a
   * retry, sequences), for a message when a caller gives up waiting on the producer.
   */
  describeState(): string {
    const parts: string[] = [];
    for (const states of this.partitions.values()) {
      for (const s of states) {
        if (!s.open && s.queue.length === 0 && s.inFlight === 0) continue;
        parts.push(`${s.topic}[${s.partition}] open=${s.open ? s.open.bytes : 0}B queued=${s.queue.length} inFlight=${s.inFlight}${s.paused ? ' paused' : ''}${s.resuming ? ' resuming' : ''} next=${s.nextSequence} acked=${s.ackedSequence}${s.confirmed ? '' : ' unconfirmed'}`);
      }
    }
    return `${this.outstanding} batches outstanding, ${this.buffered} bytes buffered${parts.length ? `: ${parts.join('; ')}` : ''}`;
  }

  /** Flushes, then closes the cluster's connections. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.cluster.close();
    }
  }

  private loading = new Map<string, Promise<void>>();

  /**
   * Loads a topic's partitions once: every send that comes while they load waits on the one
   * promise, so their records are appended in the order sent, before any record sent later
   * (each waiting on a load of its own, they were appended in the order the loads answered,
   * and a record sent between two answers went before older ones). A caller that sends
   * without awaiting each send (a bridge) calls this first.
   */
  prepare(topic: string): Promise<void> {
    if (this.partitions.has(topic)) return Promise.resolve();
    let loading = this.loading.get(topic);
    if (!loading) {
      loading = this.loadTopic(topic).finally(() => this.loading.delete(topic));
      this.loading.set(topic, loading);
    }
    return loading;
  }

  private async loadTopic(topic: string): Promise<void> {
    const t = await this.cluster.topic(topic);
    if (this.partitions.has(topic)) return;
    this.partitions.set(topic, t.leaders.map((_, partition) => ({ topic, partition, open: undefined, lingerTimer: undefined, queue: [], inFlight: 0, nextSequence: 0, paused: false, resuming: false, backoffMs: this.retryBackoffMs, lastBatchBytes: 0, ackedSequence: 0, confirmed: false })));
  }

  private newSticky(topic: string, count: number, previous = -1): number {
    let next = Math.floor(Math.random() * count);
    if (count > 1 && next === previous) next = (next + 1) % count;
    this.sticky.set(topic, next);
    return next;
  }

  private seal(state: PartitionState): void {
    const batch = state.open;
    if (!batch) return;
    clearTimeout(state.lingerTimer);
    state.open = undefined;
    state.lingerTimer = undefined;
    batch.sealedAt = performance.now();
    state.lastBatchBytes = batch.builder!.length;
    state.queue.push(batch);
    // Keyless records move on to another partition once this one's batch is full or due.
    const sticky = this.sticky.get(state.topic);
    if (sticky === state.partition) this.newSticky(state.topic, this.partitions.get(state.topic)!.length, sticky);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Sends every batch that may go now: one request per leader, one batch per partition in it. */
  private pump(): void {
    if (this.aborted) return;
    const byLeader = new Map<number, Batch[]>();
    for (const states of this.partitions.values()) {
      for (const state of states) {
        if (state.paused || state.queue.length === 0 || state.inFlight >= (this.idempotent && !state.confirmed ? 1 : this.maxInFlight)) continue;
        const leader = this.cluster.leaderOf(state.topic, state.partition);
        if (leader < 0) {
          this.refreshThenPump(state.topic);
          continue;
        }
        const batch = state.queue.shift()!;
        state.inFlight++;
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(batch);
      }
    }
    for (const [leader, batches] of byLeader) void this.produce(leader, batches);
  }

  private refreshing = new Set<string>();

  private refreshThenPump(topic: string): void {
    if (this.refreshing.has(topic)) return;
    this.refreshing.add(topic);
    void sleep(this.retryBackoffMs)
      .then(() => this.cluster.refresh([topic]))
      .catch(() => undefined)
      .finally(() => {
        this.refreshing.delete(topic);
        this.schedulePump();
      });
  }

  private encode(batch: Batch): Buffer {
    if (batch.encoded) return batch.encoded;
    const state = batch.state;
    if (this.idempotent) {
      batch.baseSequence = state.nextSequence;
      // Sequences wrap to 0 after 2^31 - 1, as Kafka's do.
      state.nextSequence = (state.nextSequence + batch.builder!.count) % 0x80000000;
    }
    batch.encoded = batch.builder!.finish({ compression: this.compression, producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence: batch.baseSequence });
    batch.builder = undefined;
    return batch.encoded;
  }

  private async produce(leader: number, batches: Batch[]): Promise<void> {
    const topicData = new Map<string, Array<{ index: number; records: Buffer }>>();
    let records: Buffer[];
    try {
      records = batches.map((b) => this.encode(b));
    } catch (error) {
      for (const b of batches) this.finish(b, error as Error);
      return;
    }
    batches.forEach((b, i) => {
      let list = topicData.get(b.state.topic);
      if (!list) topicData.set(b.state.topic, (list = []));
      list.push({ index: b.state.partition, records: records[i]! });
    });
    const body = { transactionalId: null, acks: this.acks, timeoutMs: this.ackTimeoutMs, topicData: [...topicData].map(([name, partitionData]) => ({ name, partitionData })) };
    let connection: Connection;
    try {
      connection = await this.cluster.connection(leader);
      if (this.acks === 0) {
        await connection.request('Produce', body, { noResponse: true });
        await connection.drained(4 * this.batchBytes);
        for (const b of batches) this.finish(b);
        return;
      }
      const answer = await connection.request('Produce', body);
      const results = new Map<string, { errorCode: number; errorMessage: string | null; baseOffset: bigint }>();
      for (const t of answer.responses) for (const p of t.partitionResponses) results.set(`${t.name}\0${p.index}`, p);
      for (const b of batches) {
        const result = results.get(`${b.state.topic}\0${b.state.partition}`);
        if (!result) this.failed(b, responseError(ErrorCode.UNKNOWN_SERVER_ERROR, `no answer for ${b.state.topic}-${b.state.partition}`));
        else if (result.errorCode === ErrorCode.NONE || result.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
          b.baseOffset = Number(result.baseOffset);
          this.finish(b);
        }
        else this.failed(b, responseError(result.errorCode, `producing to ${b.state.topic}-${b.state.partition}${result.errorMessage ? `: ${result.errorMessage}` : ''}`));
      }
    } catch (error) {
      // The connection failed: none of these batches is known to be stored. Idempotence makes resending safe.
      for (const b of batches) this.failed(b, Object.assign(error as Error, { retriable: true }));
    }
  }

  /** A batch came back with an error: retried in sequence order when it may be, else the producer fails. */
  private failed(batch: Batch, error: Error): void {
    const state = batch.state;
    const e = error as Partial<KafkaResponseError>;
    // As Java's producer: a batch refused as out of order while an earlier one is not yet
    // acknowledged (failed and being retried, or still in flight) is retried after it.
    const outOfOrder = e.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && (state.paused || batch.baseSequence !== state.ackedSequence);
    if (this.aborted) return this.finish(batch);
    this.lastError = error;
    const expired = performance.now() - batch.sealedAt >= this.deliveryTimeoutMs;
    if ((e.retriable || outOfOrder) && batch.attempts < this.retries && !expired) {
      batch.attempts++;
      state.inFlight--;
      state.backoffMs = Math.min(this.retryBackoffMaxMs, batch.attempts === 1 ? this.retryBackoffMs : state.backoffMs * 2);
      this.onRetry?.({ topic: state.topic, partition: state.partition, attempt: batch.attempts, error });
      // Back in the queue before the batches sent after it, so sequences stay in order.
      const at = state.queue.findIndex((q) => q.baseSequence < 0 || q.baseSequence > batch.baseSequence);
      state.queue.splice(at < 0 ? state.queue.length : at, 0, batch);
      if (e.staleMetadata || e.retriable) this.refreshThenPump(state.topic);
      if (!state.paused) state.paused = true;
      this.resumeWhenDrained(state);
      return;
    }
    this.finish(batch, expired ? new DeliveryTimeoutError(this.deliveryTimeoutMs, error) : error);
  }

  private resumeWhenDrained(state: PartitionState): void {
    if (!state.paused || state.inFlight > 0 || state.resuming) return;
    state.resuming = true;
    setTimeout(() => {
      state.paused = false;
      state.resuming = false;
      this.schedulePump();
    }, state.backoffMs);
  }

  private finish(batch: Batch, error?: Error): void {
    const state = batch.state;
    state.inFlight--;
    this.outstanding--;
    this.buffered -= batch.bytes;
    if (error) this.error ??= error;
    else if (!this.aborted) {
      const count = batch.encoded ? batch.encoded.readInt32BE(BATCH_OFFSETS.recordCount) : 0;
      this.delivered += count;
      if (this.idempotent && batch.baseSequence >= 0) {
        state.ackedSequence = (batch.baseSequence + count) % 0x80000000;
        state.confirmed = true;
      }
      state.backoffMs = this.retryBackoffMs;
      this.onDelivered?.({ topic: state.topic, partition: state.partition, baseOffset: batch.baseOffset ?? null, count });
    }
    this.resumeWhenDrained(state);
    if (this.buffered <= this.bufferBytes) for (const wake of this.spaceWaiters.splice(0)) wake();
    if (this.outstanding === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    this.schedulePump();
  }
}

/** A batch was not acknowledged within deliveryTimeoutMs; `cause` is the last error it met. */
export class DeliveryTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly lastError: Error,
  ) {
    super(`no acknowledgement within ${timeoutMs / 1000} s (last error: ${lastError.message})`, { cause: lastError });
    this.name = 'DeliveryTimeoutError';
  }
}
