// One partition's log. Batches are kept as the bytes the producer sent (with
// baseOffset rewritten), so a Fetch answer is a concatenation of stored bytes
// and records are never decoded. The retained batches stay in memory, bounded
// by retentionBytes; with a dir the same bytes are also appended to segment
// files in Kafka's on-disk format, `<20-digit base offset>.log`, and reloaded
// from them on open.
import fs from 'node:fs';
import path from 'node:path';
import { checkSequence, isIdempotent, ProducerStates, type ProducerEntry } from './producer-state.js';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { firstRecordAtOrAfter } from './record-timestamps.js';
import { silentLogger, type Logger } from '../logger.js';
import { replaceFile } from './data-dir.js';
import { claimedOffsets, CONTROL_ABORT, controlBatch, controlType, readProducerId, scanSegment, setBaseOffset, setPartitionLeaderEpoch, splitBatches, type BatchHeader } from './record-batch.js';
import { storageError } from './storage-error.js';

export interface PartitionLogOptions {
  /** Drop the oldest whole batches once the partition holds more than this many bytes (always keeping the newest batch); negative: no limit. */
  retentionBytes: number;
  /** Also drop batches whose maxTimestamp is older than this many ms, checked on append and by applyRetention(); unset or negative keeps them by time forever. */
  retentionMs?: number;
  /** When set, the log lives in segment files in this directory (created if missing) and is reloaded from it. */
  dir?: string;
  /** Start a new segment file once the open one would grow past this many bytes; default 64 MiB. */
  segmentBytes?: number;
  /**
   * The broker that last wrote `dir` stopped cleanly: nothing can be torn, so
   * unreadable bytes anywhere are corruption, kept in place and reported to
   * readers. Otherwise (a crash, or unknown) unreadable bytes at the very end
   * of the newest segment are a write torn by the crash and are cut, after
   * being copied aside.
   */
  cleanShutdown?: boolean;
  /** How the log names itself in log lines ("orders-0"). */
  name?: string;
  /** Where the reload reports corrupt and torn bytes. */
  log?: Logger;
}

export interface AppendResult {
  /** Offset of the first record of the request (for a retried batch, where it was first stored). */
  baseOffset: bigint;
  /** True when every batch was a retry of one already stored: nothing was written. */
  duplicate: boolean;
}

/** A transaction aborted in this partition: its records lie in [firstOffset, lastOffset) and its marker at lastOffset. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
}

/** A transaction with records in this partition and no marker yet. */
export interface OpenTransaction {
  /** Offset of its first batch here; the last stable offset is the smallest of these. */
  firstOffset: bigint;
  producerEpoch: number;
}

export interface TimestampMatch {
  offset: bigint;
  timestamp: bigint;
}

interface StoredBatch {
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  bytes: Buffer;
  /** Set for offsets whose bytes on disk do not read back: reads of them fail with CORRUPT_MESSAGE. */
  corrupt?: string;
}

interface Segment {
  baseOffset: bigint;
  file: string;
  size: number;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const SEGMENT_FILE = /^\d{20}\.log$/;
/** Holds the log start offset DeleteRecords set, when it lies above the first stored batch. */
const START_OFFSET_FILE = 'log-start-offset';
const EMPTY = Buffer.alloc(0);
/** The transaction coordinator epoch in the markers this broker writes: its one coordinator never moves. */
const COORDINATOR_EPOCH = 0;
/** Fills the slots of dropped batches so their bytes can be collected before the array is compacted. */
const DROPPED: StoredBatch = { baseOffset: -1n, lastOffset: -1n, maxTimestamp: -1n, bytes: EMPTY };

export class PartitionLog {
  /** Retained batches in offset order, from index `head` on (dropping from the front is O(1)). */
  private batches: StoredBatch[] = [];
  private head = 0;
  private startOffset = 0n;
  private endOffset = 0n;
  private bytes = 0;
  private readonly producers = new ProducerStates();
  /** Transactions with batches here and no marker yet, by producer id (rebuilt from the log on reload). */
  private readonly open = new Map<bigint, OpenTransaction>();
  /** Aborted transactions in marker order (so by lastOffset), while their marker is retained. */
  private aborted: AbortedTransaction[] = [];
  private readonly segments: Segment[] = [];
  /** Append-mode descriptor of the newest segment, opened on first append. */
  private fd: number | undefined;
  private unsynced = false;
  /** The newest segment ends in unreadable bytes left in place: the next append starts a new segment. */
  private rollBeforeAppend = false;
  private readonly name: string;
  private readonly log: Logger;

  /** Bytes kept (Infinity: no limit) and age kept in ms (undefined: forever); setRetention() changes them (a topic config altered). */
  private retentionBytes: number;
  private retentionMs: number | undefined;

  private constructor(
    retentionBytes: number,
    retentionMs: number | undefined,
    private readonly dir: string | undefined,
    private readonly segmentBytes: number,
    options: PartitionLogOptions,
  ) {
    this.name = options.name ?? (dir === undefined ? 'partition' : path.basename(dir));
    this.log = options.log ?? silentLogger;
    this.retentionBytes = retentionBytes < 0 ? Number.POSITIVE_INFINITY : retentionBytes;
    this.retentionMs = retentionMs === undefined || retentionMs < 0 ? undefined : retentionMs;
  }

  /** An empty in-memory log, or (with `dir`) the log reloaded from its segment files. */
  static open(options: PartitionLogOptions): PartitionLog {
    const log = new PartitionLog(options.retentionBytes, options.retentionMs, options.dir, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, options);
    if (options.dir !== undefined) log.load(options.dir, options.cleanShutdown ?? false);
    return log;
  }

  get logStartOffset(): bigint {
    return this.startOffset;
  }

  /** Next offset to be assigned; also the high watermark, as there is one replica. */
  get logEndOffset(): bigint {
    return this.endOffset;
  }

  /** The first offset of the earliest open transaction, or the log end: read_committed consumers read up to here. */
  get lastStableOffset(): bigint {
    let stable = this.endOffset;
    for (const txn of this.open.values()) if (txn.firstOffset < stable) stable = txn.firstOffset;
    return stable < this.startOffset ? this.startOffset : stable;
  }

  /**
   * The producers this partition remembers, as DescribeProducers (kafka-transactions
   * describe-producers) lists them: epoch, last sequence (-1 when none since a marker), last
   * timestamp, the coordinator epoch of the last marker (-1 before one) and the first offset
   * of the transaction open here (-1 when none).
   */
  activeProducers(): Array<{ producerId: bigint; producerEpoch: number; lastSequence: number; lastTimestamp: bigint; coordinatorEpoch: number; currentTxnStartOffset: bigint }> {
    return [...this.producers.entries()].map(([producerId, entry]) => ({
      producerId,
      producerEpoch: entry.epoch,
      lastSequence: entry.batches.at(-1)?.lastSequence ?? -1,
      lastTimestamp: entry.lastTimestamp,
      coordinatorEpoch: entry.coordinatorEpoch,
      currentTxnStartOffset: this.open.get(producerId)?.firstOffset ?? -1n,
    }));
  }

  /** The transactions with batches here and no marker yet, by producer id. */
  openTransactions(): ReadonlyMap<bigint, OpenTransaction> {
    return this.open;
  }

  /**
   * Aborted transactions a read_committed consumer needs for records in [from, upTo):
   * those whose marker is at or after `from` and whose first record is before `upTo`.
   */
  abortedTransactions(from: bigint, upTo: bigint): AbortedTransaction[] {
    let low = 0;
    let high = this.aborted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.aborted[mid].lastOffset < from) low = mid + 1;
      else high = mid;
    }
    const found: AbortedTransaction[] = [];
    for (let i = low; i < this.aborted.length; i++) if (this.aborted[i].firstOffset < upTo) found.push(this.aborted[i]);
    return found;
  }

  /**
   * Ends the producer's open transaction here with a COMMIT or ABORT marker (a control
   * batch, written to the segment before anything changes, as append() does). A marker at
   * a newer epoch fences the producer's older epochs. Returns false, writing nothing, when
   * the producer has no open transaction here (it added the partition but sent nothing to
   * it, or the marker is already written: completing a transaction again is harmless).
   */
  writeMarker(producerId: bigint, producerEpoch: number, commit: boolean, nowMs: number): boolean {
    const txn = this.open.get(producerId);
    if (txn === undefined) return false;
    const offset = this.endOffset;
    const chunk = controlBatch(producerId, producerEpoch, commit, COORDINATOR_EPOCH, nowMs);
    setBaseOffset(chunk, 0, offset);
    if (this.dir !== undefined) this.writeToSegment(this.dir, chunk);
    this.batches.push({ baseOffset: offset, lastOffset: offset, maxTimestamp: BigInt(nowMs), bytes: chunk });
    this.endOffset = offset + 1n;
    this.bytes += chunk.length;
    this.endTransaction(producerId, producerEpoch, commit, offset, BigInt(nowMs));
    this.enforceRetention(nowMs);
    return true;
  }

  /**
   * Validates a Produce request's records, assigns consecutive offsets and
   * stores them (written to the segment file before returning, fsynced by
   * flush()). All batches are checked before any is stored, so a refused
   * request leaves the log unchanged. Retries of batches an idempotent producer
   * already got stored are answered with their first offset and not stored again.
   */
  append(records: Buffer, nowMs: number): AppendResult {
    const headers = splitBatches(records);
    if (headers.length === 0) throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, 'the produce request carries no record batches for this partition');

    let offset = this.endOffset;
    let firstOffset: bigint | undefined;
    let size = 0;
    const accepted: BatchHeader[] = [];
    // Producer state changes wait here until every batch has passed.
    let staged: Map<bigint, ProducerEntry> | undefined;
    for (const header of headers) {
      if (isIdempotent(header)) {
        staged ??= new Map();
        const result = checkSequence(staged.get(header.producerId) ?? this.producers.get(header.producerId), header, offset);
        if ('duplicateOf' in result) {
          firstOffset ??= result.duplicateOf;
          continue;
        }
        staged.set(header.producerId, result.entry);
      }
      firstOffset ??= offset;
      offset += BigInt(header.lastOffsetDelta) + 1n;
      size += header.size;
      accepted.push(header);
    }
    if (accepted.length === 0) return { baseOffset: firstOffset as bigint, duplicate: true };

    // A copy the log owns: the request buffer may be pooled or hold other
    // partitions. allocUnsafeSlow so a small batch does not pin a shared 8 KiB slab.
    const chunk = Buffer.allocUnsafeSlow(size);
    let position = 0;
    offset = this.endOffset;
    const stored: StoredBatch[] = [];
    for (const header of accepted) {
      records.copy(chunk, position, header.position, header.position + header.size);
      setBaseOffset(chunk, position, offset);
      setPartitionLeaderEpoch(chunk, position, 0);
      const lastOffset = offset + BigInt(header.lastOffsetDelta);
      stored.push({ baseOffset: offset, lastOffset, maxTimestamp: header.maxTimestamp, bytes: chunk.subarray(position, position + header.size) });
      position += header.size;
      offset = lastOffset + 1n;
    }
    if (this.dir !== undefined) this.writeToSegment(this.dir, chunk);

    for (const batch of stored) this.batches.push(batch);
    if (staged !== undefined) for (const [producerId, entry] of staged) this.producers.set(producerId, entry);
    accepted.forEach((header, i) => {
      if (header.transactional && !this.open.has(header.producerId)) this.open.set(header.producerId, { firstOffset: stored[i].baseOffset, producerEpoch: header.producerEpoch });
    });
    this.endOffset = offset;
    this.bytes += size;
    this.enforceRetention(nowMs);
    return { baseOffset: firstOffset as bigint, duplicate: false };
  }

  /**
   * Whole batches from the one that contains `offset` (it may start earlier;
   * clients skip records before the offset they asked for), adding batches
   * while the total stays within maxBytes but always at least one. Empty at
   * the log end. The buffer may share memory with the log: do not modify it.
   */
  read(offset: bigint, maxBytes: number, below = this.endOffset): Buffer {
    if (offset < this.startOffset || offset > this.endOffset) {
      throw new KafkaProtocolError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is outside the partition's offsets ${this.startOffset} to ${this.endOffset}`);
    }
    if (offset >= below) return EMPTY;
    const batches = this.batches;
    let first = this.indexOf(offset);
    // Only a log reloaded with an offset gap can hold a batch ending before `offset`.
    while (batches[first].lastOffset < offset) first++;
    // read_committed (`below` is the last stable offset, always a batch's start): nothing past it.
    if (batches[first].lastOffset >= below) return EMPTY;
    const corrupt = batches[first].corrupt;
    if (corrupt !== undefined) {
      throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, `offsets ${batches[first].baseOffset} to ${batches[first].lastOffset} of ${this.name} are unreadable (${corrupt}); seek to ${batches[first].lastOffset + 1n} to read on`);
    }
    let total = batches[first].bytes.length;
    let end = first + 1;
    // A read stops before corrupt offsets: the reader gets what is good, then the error.
    while (end < batches.length && batches[end].corrupt === undefined && batches[end].lastOffset < below && total + batches[end].bytes.length <= maxBytes) total += batches[end++].bytes.length;
    if (end === first + 1) return batches[first].bytes;
    const out = Buffer.allocUnsafe(total);
    let position = 0;
    for (let i = first; i < end; i++) position += batches[i].bytes.copy(out, position);
    return out;
  }

  /**
   * The first record at or after `timestampMs`, as Kafka answers ListOffsets by
   * time: batches whose maxTimestamp is earlier are skipped by their header, the
   * first candidate's records are read. A linear scan, as timestamps need not
   * grow with offsets.
   */
  offsetForTimestamp(timestampMs: bigint): TimestampMatch | undefined {
    for (let i = this.head; i < this.batches.length; i++) {
      const batch = this.batches[i];
      if (batch.maxTimestamp < timestampMs) continue;
      const found = firstRecordAtOrAfter(batch.bytes, timestampMs, this.startOffset);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * ListOffsets MAX_TIMESTAMP: the first record with the largest timestamp, found from the
   * batches' headers (their max timestamps), then inside the first batch that holds it.
   */
  maxTimestampRecord(): TimestampMatch | undefined {
    let best: StoredBatch | undefined;
    for (let i = this.head; i < this.batches.length; i++) {
      const batch = this.batches[i];
      if (batch.bytes.length > 0 && (best === undefined || batch.maxTimestamp > best.maxTimestamp)) best = batch;
    }
    if (best === undefined || best.maxTimestamp < 0n) return undefined;
    return firstRecordAtOrAfter(best.bytes, best.maxTimestamp, this.startOffset);
  }

  /**
   * DeleteRecords: moves the log start up to `offset` (which may fall inside a
   * batch; reads from there still return that whole batch) and drops the
   * batches wholly below it. With a dir the new start is saved, so a restart
   * does not bring the records back.
   */
  deleteRecordsBefore(offset: bigint): void {
    if (offset > this.endOffset) {
      throw new KafkaProtocolError(ErrorCode.OFFSET_OUT_OF_RANGE, `cannot delete records before ${offset}: the partition ends at ${this.endOffset}`);
    }
    if (offset <= this.startOffset) return;
    this.startOffset = offset;
    while (this.head < this.batches.length && this.batches[this.head].lastOffset < offset) this.dropOldest();
    if (this.dir !== undefined) {
      // An empty log keeps its end offset as the name of an empty segment.
      const newest = this.segments[this.segments.length - 1];
      if (this.head === this.batches.length && newest !== undefined && newest.size > 0) this.roll(this.dir);
      replaceFile(path.join(this.dir, START_OFFSET_FILE), `${offset}\n`);
    }
    this.dropOldSegments();
  }

  /** New limits (a topic's retention.bytes / retention.ms altered); applyRetention() enforces them. Negative: no limit. */
  setRetention(retentionBytes: number, retentionMs: number | undefined): void {
    this.retentionBytes = retentionBytes < 0 ? Number.POSITIVE_INFINITY : retentionBytes;
    this.retentionMs = retentionMs === undefined || retentionMs < 0 ? undefined : retentionMs;
  }

  /**
   * The periodic retention check (Kafka's log.retention.check.interval.ms): moves the log
   * start past every batch whose max timestamp is older than retentionMs, oldest first and
   * stopping at the first that is not (the newest batch too, as Kafka deletes an expired
   * active segment), then past the oldest batches while more than retentionBytes are kept
   * (always keeping the newest). Batches are dropped whole and segment files once wholly
   * below the new start, which is saved as DeleteRecords saves it, so a restart does not
   * bring the records back. Returns the offsets deleted, if any.
   */
  applyRetention(nowMs: number): { from: bigint; to: bigint } | undefined {
    let target = this.startOffset;
    let index = this.head;
    // Bytes that stay: counted down from the total, so a check costs only the batches it passes.
    let kept = this.bytes;
    if (this.retentionMs !== undefined) {
      const expiredBefore = BigInt(nowMs - this.retentionMs);
      let passed = 0;
      for (let i = this.head; i < this.batches.length; i++) {
        const batch = this.batches[i];
        passed += batch.bytes.length;
        // Unreadable offsets say nothing of their age: they go only with expired batches after them.
        if (batch.corrupt !== undefined) continue;
        if (batch.maxTimestamp >= expiredBefore) break;
        target = batch.lastOffset + 1n;
        index = i + 1;
        kept = this.bytes - passed;
      }
    }
    while (kept > this.retentionBytes && this.batches.length - index > 1) {
      kept -= this.batches[index].bytes.length;
      index++;
      target = this.batches[index].baseOffset;
    }
    if (target <= this.startOffset) return undefined;
    const from = this.startOffset;
    this.deleteRecordsBefore(target);
    return { from, to: target };
  }

  /** Bytes of the retained batches. */
  sizeBytes(): number {
    return this.bytes;
  }

  /** fsyncs the open segment file; the broker calls it every second and on shutdown. */
  flush(): void {
    if (this.fd === undefined || !this.unsynced) return;
    fs.fsyncSync(this.fd);
    this.unsynced = false;
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes the log and removes its directory (DeleteTopics). */
  deleteFiles(): void {
    this.close();
    if (this.dir !== undefined) fs.rmSync(this.dir, { recursive: true, force: true });
    this.segments.length = 0;
    this.batches = [];
    this.head = 0;
    this.bytes = 0;
  }

  /** Index of the last retained batch whose baseOffset is <= offset (offset must be >= logStartOffset). */
  private indexOf(offset: bigint): number {
    let low = this.head;
    let high = this.batches.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.batches[mid].baseOffset <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Drops the oldest batches beyond retention; by time only when `nowMs` is given (not on reload). */
  private enforceRetention(nowMs: number | undefined): void {
    const expiredBefore = this.retentionMs === undefined || nowMs === undefined ? undefined : BigInt(nowMs - this.retentionMs);
    while (this.batches.length - this.head > 1) {
      const oldest = this.batches[this.head];
      const expired = expiredBefore !== undefined && oldest.maxTimestamp < expiredBefore;
      if (this.bytes <= this.retentionBytes && !expired) break;
      this.dropOldest();
      const next = this.batches[this.head].baseOffset;
      if (next > this.startOffset) this.startOffset = next;
    }
    this.dropOldSegments();
  }

  private dropOldest(): void {
    const oldest = this.batches[this.head];
    this.batches[this.head++] = DROPPED;
    this.bytes -= oldest.bytes.length;
    const producerId = oldest.bytes.length > 0 ? readProducerId(oldest.bytes, 0) : -1n;
    if (producerId >= 0n) this.producers.forgetIfLast(producerId, oldest.lastOffset);
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }

  private dropOldSegments(): void {
    // An aborted transaction is needed while its marker is retained.
    let gone = 0;
    while (gone < this.aborted.length && this.aborted[gone].lastOffset < this.startOffset) gone++;
    if (gone > 0) this.aborted = this.aborted.slice(gone);
    // A segment lies wholly below the log start once the next one starts at or before it.
    while (this.segments.length > 1 && this.segments[1].baseOffset <= this.startOffset) {
      fs.rmSync(this.segments[0].file, { force: true });
      this.segments.shift();
    }
  }

  private writeToSegment(dir: string, chunk: Buffer): void {
    let segment = this.segments[this.segments.length - 1];
    try {
      if (segment === undefined || this.rollBeforeAppend || (segment.size > 0 && segment.size + chunk.length > this.segmentBytes)) {
        segment = this.roll(dir);
        this.rollBeforeAppend = false;
      }
      this.fd ??= fs.openSync(segment.file, 'a');
    } catch (error) {
      throw storageError(`write ${this.name}`, error);
    }
    try {
      for (let written = 0; written < chunk.length; ) written += fs.writeSync(this.fd, chunk, written);
    } catch (error) {
      // Cut a partial write, or the next append would land behind garbage.
      try {
        fs.ftruncateSync(this.fd, segment.size);
      } catch {
        // The reload finds the torn tail instead.
      }
      throw storageError(`write ${this.name}`, error);
    }
    segment.size += chunk.length;
    this.unsynced = true;
  }

  /** Closes the full segment (fsynced, so only the newest can be torn) and starts one at the log end. */
  private roll(dir: string): Segment {
    this.close();
    const segment = { baseOffset: this.endOffset, file: path.join(dir, segmentFileName(this.endOffset)), size: 0 };
    const newest = this.segments[this.segments.length - 1];
    if (newest !== undefined && newest.file === segment.file && newest.size > 0) {
      // The newest segment holds only unreadable bytes and no offsets: keep them aside, start it anew.
      const aside = setAside(newest.file, fs.readFileSync(newest.file), 'corrupt');
      fs.truncateSync(newest.file, 0);
      this.log.warn(`${this.name}: segment ${newest.file} held only unreadable bytes; moved them to ${aside} before writing new records`);
      this.segments.pop();
    }
    fs.closeSync(fs.openSync(segment.file, 'a'));
    this.segments.push(segment);
    return segment;
  }

  /**
   * Rebuilds the log from its segment files: replays idempotent producers'
   * sequences and keeps the newest retentionBytes. Bytes that do not read back
   * (a failed CRC, a broken length) are left where they are: their offsets,
   * known from the batches around them, read as CORRUPT_MESSAGE, and the
   * batches after them stay readable. Only after a crash, and only at the very
   * end of the newest segment, are such bytes a torn write: they are copied
   * aside and cut. Every such find is logged with the partition and offsets.
   * Segments that retention would drop whole are deleted unread, so start-up
   * memory is about retentionBytes plus one segment.
   */
  private load(dir: string, cleanShutdown: boolean): void {
    fs.mkdirSync(dir, { recursive: true });
    const names = fs.readdirSync(dir).filter((name) => SEGMENT_FILE.test(name)).sort();
    const sizes = names.map((name) => fs.statSync(path.join(dir, name)).size);
    let first = names.length;
    for (let newest = 0; first > 0 && newest < this.retentionBytes; ) newest += sizes[--first];
    for (let i = 0; i < first; i++) fs.rmSync(path.join(dir, names[i]), { force: true });

    for (let i = first; i < names.length; i++) {
      const file = path.join(dir, names[i]);
      const baseOffset = BigInt(names[i].slice(0, 20));
      if (i === first || baseOffset > this.endOffset) this.endOffset = baseOffset;
      const buf = fs.readFileSync(file);
      const newestSegment = i === names.length - 1;
      let size = buf.length;
      const entries = scanSegment(buf, this.endOffset);
      entries.forEach((entry, e) => {
        if (entry.kind === 'batch') {
          const { header } = entry;
          const lastOffset = header.baseOffset + BigInt(header.lastOffsetDelta);
          this.batches.push({ baseOffset: header.baseOffset, lastOffset, maxTimestamp: header.maxTimestamp, bytes: buf.subarray(header.position, header.position + header.size) });
          this.bytes += header.size;
          this.producers.replay(header);
          this.replayTransaction(buf, header);
          this.endOffset = lastOffset + 1n;
          return;
        }
        const bytes = `bytes ${entry.position} to ${entry.end - 1} of ${file}`;
        const next = entries[e + 1];
        if (next?.kind === 'batch') {
          this.markCorrupt(next.header.baseOffset - 1n, `${bytes} fail their checks`, 'the records after them stay readable');
        } else if (!newestSegment) {
          this.markCorrupt(BigInt(names[i + 1].slice(0, 20)) - 1n, `${bytes} fail their checks`, 'the next segment is read on');
        } else if (!cleanShutdown) {
          const aside = setAside(file, buf.subarray(entry.position), 'torn');
          fs.truncateSync(file, entry.position);
          size = entry.position;
          this.log.warn(`${this.name}: cut ${entry.end - entry.position} bytes at the end of ${file}, a write torn by a crash (records from offset ${this.endOffset} on that never reached the disk whole); the bytes are kept in ${aside}`);
        } else {
          // A clean stop tears nothing: this is corruption, never cut. Its header may still say which offsets it held.
          const claimed = claimedOffsets(buf, entry.position, this.endOffset);
          if (claimed) this.markCorrupt(claimed.lastOffset, `${bytes} fail their checks`, 'new records go to a new segment');
          else this.log.warn(`${this.name}: ${bytes} fail their checks although the broker stopped cleanly; their offsets cannot be told, so the log goes on at ${this.endOffset}; the bytes stay in place and new records go to a new segment`);
          this.rollBeforeAppend = true;
        }
      });
      this.segments.push({ baseOffset, file, size });
      this.startOffset = this.batches.length > this.head ? this.batches[this.head].baseOffset : this.endOffset;
      this.enforceRetention(undefined);
    }
    const saved = readStartOffset(path.join(dir, START_OFFSET_FILE));
    if (saved !== undefined && saved > this.startOffset) {
      this.startOffset = saved < this.endOffset ? saved : this.endOffset;
      while (this.head < this.batches.length && this.batches[this.head].lastOffset < this.startOffset) this.dropOldest();
      this.dropOldSegments();
    }
  }

  /** A stored batch's part in transactions: a transactional batch opens its producer's transaction here, a marker ends it. */
  private replayTransaction(buf: Buffer, header: BatchHeader): void {
    if (!header.transactional) return;
    if (!header.control) {
      if (!this.open.has(header.producerId)) this.open.set(header.producerId, { firstOffset: header.baseOffset, producerEpoch: header.producerEpoch });
      return;
    }
    const type = controlType(buf, header);
    if (type !== undefined) this.endTransaction(header.producerId, header.producerEpoch, type !== CONTROL_ABORT, header.baseOffset, header.maxTimestamp);
  }

  private endTransaction(producerId: bigint, producerEpoch: number, commit: boolean, markerOffset: bigint, timestamp: bigint): void {
    const txn = this.open.get(producerId);
    this.open.delete(producerId);
    if (!commit && txn !== undefined) this.aborted.push({ producerId, firstOffset: txn.firstOffset, lastOffset: markerOffset });
    this.producers.markerAt(producerId, producerEpoch, markerOffset, timestamp, COORDINATOR_EPOCH);
  }

  /** Offsets endOffset..lastOffset read back as CORRUPT_MESSAGE from now on; says so in the log. */
  private markCorrupt(lastOffset: bigint, what: string, after: string): void {
    if (lastOffset < this.endOffset) {
      this.log.warn(`${this.name}: ${what}; they held no offsets the log needs (${after})`);
      return;
    }
    const range = `offsets ${this.endOffset} to ${lastOffset}`;
    this.log.warn(`${this.name}: ${what}: ${range} cannot be read and are reported to consumers as CORRUPT_MESSAGE; the bytes stay in place (${after})`);
    this.batches.push({ baseOffset: this.endOffset, lastOffset, maxTimestamp: -1n, bytes: EMPTY, corrupt: what });
    this.endOffset = lastOffset + 1n;
  }
}

/** Copies bytes cut from a segment next to it (`<segment>.<why>-<time>`) before they go; returns the copy's path. */
function setAside(file: string, bytes: Buffer, why: string): string {
  const aside = `${file}.${why}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  fs.writeFileSync(aside, bytes);
  return aside;
}

function readStartOffset(file: string): bigint | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? BigInt(text) : undefined;
  } catch {
    return undefined;
  }
}

function segmentFileName(baseOffset: bigint): string {
  return `${baseOffset.toString().padStart(20, '0')}.log`;
}
