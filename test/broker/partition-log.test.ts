// One partition's log: offsets, reads, retention, idempotent producers, and
// the segment files it reloads from after a restart or a crash.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionLog, type PartitionLogOptions } from '../../src/broker/partition-log.js';
import { ErrorCode } from '../../src/broker/protocol/error-codes.js';
import { batchWithRecords, encodeBatch, refusal } from '../support/record-batch.js';

interface BatchSpec {
  records?: number;
  /** Bytes of opaque record data: the log never looks inside. */
  payload?: number;
  timestamp?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

/** A valid magic v2 batch whose records are filler bytes. */
function batch(spec: BatchSpec = {}): Buffer {
  return batchWithRecords(Buffer.alloc(spec.payload ?? 20, 0x5a), {
    baseOffset: 999n, // the producer's baseOffset, which the log replaces
    recordCount: spec.records ?? 1,
    timestamp: spec.timestamp ?? 1000n,
    producerId: spec.producerId,
    producerEpoch: spec.producerEpoch,
    baseSequence: spec.baseSequence,
  });
}

/** baseOffsets of the batches in a read answer. */
function baseOffsets(bytes: Buffer): bigint[] {
  const offsets: bigint[] = [];
  for (let at = 0; at < bytes.length; at += 12 + bytes.readInt32BE(at + 8)) offsets.push(bytes.readBigInt64BE(at));
  return offsets;
}

const NOW = 1_000_000;
const BIG = 1 << 30;

describe('PartitionLog in memory', () => {
  it('assigns consecutive offsets and returns the stored bytes with baseOffset rewritten', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    const first = batch({ records: 3 });
    const second = batch({ records: 2, payload: 30 });
    expect(log.append(first, NOW)).toEqual({ baseOffset: 0n, duplicate: false });
    expect(log.append(second, NOW)).toEqual({ baseOffset: 3n, duplicate: false });
    expect([log.logStartOffset, log.logEndOffset]).toEqual([0n, 5n]);
    expect(log.sizeBytes()).toBe(first.length + second.length);

    const read = log.read(0n, BIG);
    expect(read.length).toBe(first.length + second.length);
    expect(baseOffsets(read)).toEqual([0n, 3n]);
    expect(read.readInt32BE(12)).toBe(0); // partitionLeaderEpoch
    expect(read.subarray(16, first.length)).toEqual(first.subarray(16));
    expect(read.subarray(first.length + 16)).toEqual(second.subarray(16));
    expect(first.readBigInt64BE(0)).toBe(999n); // the request buffer is left alone
  });

  it('stores every batch of a multi-batch request', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    expect(log.append(Buffer.concat([batch({ records: 2 }), batch({ records: 4 })]), NOW).baseOffset).toBe(0n);
    expect(log.logEndOffset).toBe(6n);
    expect(baseOffsets(log.read(0n, BIG))).toEqual([0n, 2n]);
  });

  it('reads from the batch that contains the offset, even when it starts earlier', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    for (let i = 0; i < 3; i++) log.append(batch({ records: 3 }), NOW);
    expect(baseOffsets(log.read(4n, BIG))).toEqual([3n, 6n]);
    expect(baseOffsets(log.read(8n, BIG))).toEqual([6n]);
  });

  it('adds whole batches up to maxBytes, but always returns at least one', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    const size = batch().length;
    for (let i = 0; i < 4; i++) log.append(batch(), NOW);
    expect(baseOffsets(log.read(0n, 1))).toEqual([0n]);
    expect(baseOffsets(log.read(0n, size))).toEqual([0n]);
    expect(baseOffsets(log.read(0n, 2 * size + 1))).toEqual([0n, 1n]);
    expect(baseOffsets(log.read(1n, 3 * size))).toEqual([1n, 2n, 3n]);
  });

  it('answers the log end with nothing and beyond it with OFFSET_OUT_OF_RANGE', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    expect(log.read(0n, BIG).length).toBe(0);
    log.append(batch(), NOW);
    expect(log.read(1n, BIG).length).toBe(0);
    expect(refusal(() => log.read(2n, BIG)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('refuses a whole request when one batch is bad, storing nothing', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    const bad = batch();
    bad[bad.length - 1] ^= 1;
    expect(refusal(() => log.append(Buffer.concat([batch(), bad]), NOW)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(refusal(() => log.append(Buffer.alloc(0), NOW)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect([log.logEndOffset, log.sizeBytes()]).toEqual([0n, 0]);
  });

  it('drops the oldest batches beyond retentionBytes and refuses reads below the new start', () => {
    const size = batch().length;
    const log = PartitionLog.open({ retentionBytes: 2 * size + size / 2 });
    for (let i = 0; i < 5; i++) log.append(batch(), NOW);
    expect([log.logStartOffset, log.logEndOffset, log.sizeBytes()]).toEqual([3n, 5n, 2 * size]);
    expect(refusal(() => log.read(2n, BIG)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(baseOffsets(log.read(3n, BIG))).toEqual([3n, 4n]);
  });

  it('keeps the newest batch even when it alone is over retentionBytes', () => {
    const log = PartitionLog.open({ retentionBytes: 10 });
    log.append(batch(), NOW);
    log.append(batch(), NOW);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([1n, 2n]);
  });

  it('drops batches older than retentionMs on append', () => {
    const log = PartitionLog.open({ retentionBytes: BIG, retentionMs: 100 });
    log.append(batch({ timestamp: 1000n }), 1000);
    log.append(batch({ timestamp: 1050n }), 1050);
    log.append(batch({ timestamp: 1120n }), 1120);
    expect(log.logStartOffset).toBe(1n);
  });

  it('finds the first record at or after a timestamp, inside plain and gzip batches', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    const timed = (times: bigint[], compression = 0) =>
      encodeBatch({ records: times.map((timestamp, i) => ({ key: null, value: `v${i}`, timestamp })), timestamp: times[0], compression });
    log.append(timed([100n, 110n]), NOW);
    log.append(timed([200n, 210n]), NOW);
    log.append(timed([300n, 320n], 1), NOW);
    expect(log.offsetForTimestamp(50n)).toEqual({ offset: 0n, timestamp: 100n });
    expect(log.offsetForTimestamp(105n)).toEqual({ offset: 1n, timestamp: 110n });
    expect(log.offsetForTimestamp(150n)).toEqual({ offset: 2n, timestamp: 200n });
    expect(log.offsetForTimestamp(205n)).toEqual({ offset: 3n, timestamp: 210n });
    expect(log.offsetForTimestamp(310n)).toEqual({ offset: 5n, timestamp: 320n });
    expect(log.offsetForTimestamp(321n)).toBeUndefined();
    // Below the log start, records no longer count.
    log.deleteRecordsBefore(1n);
    expect(log.offsetForTimestamp(50n)).toEqual({ offset: 1n, timestamp: 110n });
  });

  it('deletes records below an offset, also down to an empty log', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    for (let i = 0; i < 3; i++) log.append(batch({ records: 2 }), NOW);
    log.deleteRecordsBefore(3n);
    expect(log.logStartOffset).toBe(3n);
    expect(refusal(() => log.read(2n, BIG)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(baseOffsets(log.read(3n, BIG))).toEqual([2n, 4n]);
    expect(refusal(() => log.deleteRecordsBefore(7n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    log.deleteRecordsBefore(6n);
    expect([log.logStartOffset, log.logEndOffset, log.sizeBytes()]).toEqual([6n, 6n, 0]);
    expect(log.append(batch(), NOW).baseOffset).toBe(6n);
  });
});

describe('PartitionLog with idempotent producers', () => {
  const producer = (baseSequence: number, records = 2, producerEpoch = 0) => batch({ records, producerId: 5n, producerEpoch, baseSequence });

  it('answers a retried batch with its first offset and does not store it again', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    log.append(batch(), NOW);
    expect(log.append(producer(0), NOW)).toEqual({ baseOffset: 1n, duplicate: false });
    expect(log.append(producer(2), NOW)).toEqual({ baseOffset: 3n, duplicate: false });
    expect(log.append(producer(0), NOW)).toEqual({ baseOffset: 1n, duplicate: true });
    expect(log.append(producer(2), NOW)).toEqual({ baseOffset: 3n, duplicate: true });
    expect(log.logEndOffset).toBe(5n);
    expect(baseOffsets(log.read(0n, BIG))).toEqual([0n, 1n, 3n]);
  });

  it('accepts any first sequence, then only the next one', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    log.append(producer(40), NOW);
    const error = refusal(() => log.append(producer(45), NOW));
    expect(error.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(error.message).toMatch(/sent sequence 45, expected 42/);
    expect(log.append(producer(42), NOW).baseOffset).toBe(2n);
  });

  it('fences an older epoch and restarts sequences at 0 for a newer one', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    log.append(producer(0, 2, 3), NOW);
    expect(refusal(() => log.append(producer(2, 2, 2), NOW)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(refusal(() => log.append(producer(2, 2, 4), NOW)).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(log.append(producer(0, 2, 4), NOW)).toEqual({ baseOffset: 2n, duplicate: false });
  });

  it('checks sequences across the batches of one request and stores none when one is out of order', () => {
    const log = PartitionLog.open({ retentionBytes: BIG });
    log.append(producer(0), NOW);
    expect(refusal(() => log.append(Buffer.concat([producer(2), producer(5)]), NOW)).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(log.logEndOffset).toBe(2n);
    // The refused request left no trace: sequence 2 is still the next one.
    expect(log.append(Buffer.concat([producer(2), producer(4)]), NOW)).toEqual({ baseOffset: 2n, duplicate: false });
    expect(log.logEndOffset).toBe(6n);
  });
});

describe('PartitionLog with a directory', () => {
  let root: string;
  const logs: PartitionLog[] = [];

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'firehose-partition-log-'));
  });

  afterEach(() => {
    for (const log of logs.splice(0)) log.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function open(options: Partial<PartitionLogOptions> = {}): PartitionLog {
    const log = PartitionLog.open({ retentionBytes: BIG, dir: path.join(root, 'topic-0'), ...options });
    logs.push(log);
    return log;
  }

  const segments = () => fs.readdirSync(path.join(root, 'topic-0')).filter((name) => name.endsWith('.log')).sort();
  const segmentPath = (name: string) => path.join(root, 'topic-0', name);

  it('writes Kafka-format segments and reloads the same offsets and bytes', () => {
    const log = open();
    log.append(batch({ records: 3 }), NOW);
    log.append(encodeBatch({ records: [{ key: null, value: 'a' }, { key: null, value: 'b' }], timestamp: 2000n }), NOW);
    const before = log.read(0n, BIG);
    log.flush();
    log.close();

    expect(segments()).toEqual(['00000000000000000000.log']);
    expect(fs.readFileSync(segmentPath('00000000000000000000.log'))).toEqual(before);

    const reopened = open();
    expect([reopened.logStartOffset, reopened.logEndOffset, reopened.sizeBytes()]).toEqual([0n, 5n, before.length]);
    expect(reopened.read(0n, BIG)).toEqual(before);
    expect(reopened.offsetForTimestamp(1500n)).toEqual({ offset: 3n, timestamp: 2000n });
    expect(reopened.append(batch(), NOW).baseOffset).toBe(5n);
  });

  it('remembers idempotent producers across a restart', () => {
    const log = open();
    const first = batch({ records: 2, producerId: 9n, producerEpoch: 0, baseSequence: 0 });
    log.append(first, NOW);
    log.close();
    const reopened = open();
    expect(reopened.append(first, NOW)).toEqual({ baseOffset: 0n, duplicate: true });
    expect(refusal(() => reopened.append(batch({ producerId: 9n, producerEpoch: 0, baseSequence: 7 }), NOW)).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('cuts a torn last write on reopen', () => {
    const log = open();
    log.append(batch({ records: 2 }), NOW);
    log.append(batch(), NOW);
    const before = log.read(0n, BIG);
    log.close();
    const file = segmentPath('00000000000000000000.log');
    fs.appendFileSync(file, batch({ payload: 100 }).subarray(0, 70));

    const reopened = open();
    expect(reopened.logEndOffset).toBe(3n);
    expect(fs.statSync(file).size).toBe(before.length);
    expect(reopened.append(batch(), NOW).baseOffset).toBe(3n);
    reopened.close();
    expect(open().logEndOffset).toBe(4n);
  });

  it('rolls segments at segmentBytes and deletes those retention has passed', () => {
    const size = batch().length;
    const log = open({ segmentBytes: 2 * size, retentionBytes: 3 * size });
    for (let i = 0; i < 4; i++) log.append(batch(), NOW);
    expect(segments()).toEqual(['00000000000000000000.log', '00000000000000000002.log']);
    for (let i = 0; i < 3; i++) log.append(batch(), NOW);
    // Offsets 0-6 in segments 0, 2, 4, 6; retention keeps 4-6, so segments 0 and 2 go.
    expect(log.logStartOffset).toBe(4n);
    expect(segments()).toEqual(['00000000000000000004.log', '00000000000000000006.log']);
    log.close();

    const reopened = open({ segmentBytes: 2 * size, retentionBytes: 3 * size });
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([4n, 7n]);
    expect(baseOffsets(reopened.read(4n, BIG))).toEqual([4n, 5n, 6n]);
  });

  it('keeps only the newest retentionBytes when reopened with a smaller retention', () => {
    const size = batch().length;
    const log = open({ segmentBytes: 2 * size });
    for (let i = 0; i < 6; i++) log.append(batch(), NOW);
    log.close();
    const reopened = open({ segmentBytes: 2 * size, retentionBytes: size });
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([5n, 6n]);
    expect(segments()).toEqual(['00000000000000000004.log']);
  });

  it('keeps a DeleteRecords start offset across a restart, also for an emptied log', () => {
    const log = open();
    for (let i = 0; i < 3; i++) log.append(batch({ records: 2 }), NOW);
    log.deleteRecordsBefore(3n);
    log.close();
    const reopened = open();
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([3n, 6n]);
    reopened.deleteRecordsBefore(6n);
    reopened.close();

    const emptied = open();
    expect([emptied.logStartOffset, emptied.logEndOffset]).toEqual([6n, 6n]);
    expect(segments()).toEqual(['00000000000000000006.log']);
    expect(emptied.append(batch(), NOW).baseOffset).toBe(6n);
  });

  it('removes its directory on deleteFiles', () => {
    const log = open();
    log.append(batch(), NOW);
    log.deleteFiles();
    expect(fs.existsSync(path.join(root, 'topic-0'))).toBe(false);
  });
});
