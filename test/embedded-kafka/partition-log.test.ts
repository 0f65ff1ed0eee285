// One partition's log: offsets, reads, retention, idempotent producers, and
// the segment files it reloads from after a restart or a crash.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionLog, type PartitionLogOptions } from '../../src/embedded-kafka/partition-log.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
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

  it('applyRetention drops every expired batch from the oldest on, the newest too, and stops at the first within retention', () => {
    const log = PartitionLog.open({ retentionBytes: BIG, retentionMs: 100 });
    log.append(batch({ timestamp: 1000n, records: 2 }), 1000);
    log.append(batch({ timestamp: 5000n }), 1000); // within retention: keeps the expired batch after it
    log.append(batch({ timestamp: 1000n }), 1000);
    expect(log.applyRetention(1099)).toBeUndefined();
    expect(log.applyRetention(1101)).toEqual({ from: 0n, to: 2n });
    expect([log.logStartOffset, log.logEndOffset]).toEqual([2n, 4n]);
    expect(baseOffsets(log.read(2n, BIG))).toEqual([2n, 3n]);
    expect(log.applyRetention(6000)).toEqual({ from: 2n, to: 4n });
    expect([log.logStartOffset, log.logEndOffset, log.sizeBytes()]).toEqual([4n, 4n, 0]);
    expect(log.append(batch({ timestamp: 6000n }), 6000).baseOffset).toBe(4n);
  });

  it('applyRetention takes new limits from setRetention; negative ones keep everything', () => {
    const size = batch().length;
    const log = PartitionLog.open({ retentionBytes: -1 });
    for (let i = 0; i < 4; i++) log.append(batch({ timestamp: 1000n }), 1000);
    expect(log.applyRetention(1_000_000_000)).toBeUndefined();
    log.setRetention(2 * size, undefined);
    expect(log.applyRetention(1_000_000_000)).toEqual({ from: 0n, to: 2n });
    log.setRetention(-1, 10);
    expect(log.applyRetention(1_000_000_000)).toEqual({ from: 2n, to: 4n });
    log.setRetention(-1, -1);
    log.append(batch({ timestamp: 1000n }), 1000);
    expect(log.applyRetention(1_000_000_000)).toBeUndefined();
    expect([log.logStartOffset, log.logEndOffset]).toEqual([4n, 5n]);
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
    warnings.length = 0;
  });

  const warnings: string[] = [];
  const logger = { debug: () => {}, info: () => {}, warn: (line: string) => void warnings.push(line) };

  function open(options: Partial<PartitionLogOptions> = {}): PartitionLog {
    const log = PartitionLog.open({ retentionBytes: BIG, dir: path.join(root, 'topic-0'), log: logger, ...options });
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

  /** Ten 2-record batches in one segment, closed as a clean stop leaves them. */
  function tenBatches(): { file: string; sizes: number[] } {
    const log = open();
    for (let i = 0; i < 10; i++) log.append(batch({ records: 2, payload: 50 }), NOW);
    log.close();
    return { file: segmentPath('00000000000000000000.log'), sizes: Array.from({ length: 10 }, () => batch({ records: 2, payload: 50 }).length) };
  }

  it('after a clean stop, keeps a segment with a flipped bit whole: the bad batch reads as CORRUPT_MESSAGE, the rest stays readable', () => {
    const { file, sizes } = tenBatches();
    const before = fs.readFileSync(file);
    const flipped = Buffer.from(before);
    flipped[sizes[0]! * 3 + 70]! ^= 0x10; // inside the 4th batch's records: offsets 6 and 7
    fs.writeFileSync(file, flipped);

    const reopened = open({ cleanShutdown: true, name: 'orders-0' });
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([0n, 20n]);
    expect(fs.readFileSync(file)).toEqual(flipped); // nothing cut
    expect(baseOffsets(reopened.read(0n, BIG))).toEqual([0n, 2n, 4n]); // stops before the bad batch
    const refused = refusal(() => reopened.read(6n, BIG));
    expect(refused.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(refused.message).toMatch(/offsets 6 to 7 of orders-0 are unreadable .*; seek to 8 to read on/);
    expect(baseOffsets(reopened.read(8n, BIG))).toEqual([8n, 10n, 12n, 14n, 16n, 18n]);
    expect(warnings).toEqual([expect.stringMatching(/^orders-0: bytes \d+ to \d+ of .*00000000000000000000\.log fail their checks: offsets 6 to 7 cannot be read and are reported to consumers as CORRUPT_MESSAGE/)]);
    expect(reopened.append(batch(), NOW).baseOffset).toBe(20n);
  });

  it('after a clean stop, finds the batches after a flipped bit in a batch length (byte 8 of a batch)', () => {
    const { file, sizes } = tenBatches();
    const flipped = fs.readFileSync(file);
    flipped[sizes[0]! + 9]! ^= 0x04; // the 2nd batch's length
    fs.writeFileSync(file, flipped);
    const reopened = open({ cleanShutdown: true });
    expect(reopened.logEndOffset).toBe(20n);
    expect(refusal(() => reopened.read(2n, BIG)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(baseOffsets(reopened.read(4n, BIG))).toEqual([4n, 6n, 8n, 10n, 12n, 14n, 16n, 18n]);
  });

  it('after a clean stop, keeps corrupt bytes at the very end and writes new records to a new segment', () => {
    const { file, sizes } = tenBatches();
    const flipped = fs.readFileSync(file);
    flipped[flipped.length - 3]! ^= 0x01; // the last batch: offsets 18 and 19
    fs.writeFileSync(file, flipped);
    const reopened = open({ cleanShutdown: true });
    expect(reopened.logEndOffset).toBe(20n);
    expect(refusal(() => reopened.read(18n, BIG)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(reopened.append(batch(), NOW).baseOffset).toBe(20n);
    reopened.close();
    expect(fs.statSync(file).size).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(segments()).toEqual(['00000000000000000000.log', '00000000000000000020.log']);
    const again = open({ cleanShutdown: true });
    expect(again.logEndOffset).toBe(21n);
    expect(baseOffsets(again.read(20n, BIG))).toEqual([20n]);
  });

  it('after a crash, keeps a corrupt batch in the middle and every segment after it', () => {
    const size = batch().length;
    const log = open({ segmentBytes: 2 * size });
    for (let i = 0; i < 6; i++) log.append(batch(), NOW);
    log.close();
    const first = segmentPath('00000000000000000000.log');
    const bytes = fs.readFileSync(first);
    bytes[size + 40]! ^= 0xff; // offset 1
    fs.writeFileSync(first, bytes);
    const reopened = open({ segmentBytes: 2 * size });
    expect(reopened.logEndOffset).toBe(6n);
    expect(segments()).toHaveLength(3);
    expect(refusal(() => reopened.read(1n, BIG)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(baseOffsets(reopened.read(2n, BIG))).toEqual([2n, 3n, 4n, 5n]);
  });

  it('cuts a torn last write on reopen', () => {
    const log = open();
    log.append(batch({ records: 2 }), NOW);
    log.append(batch(), NOW);
    const before = log.read(0n, BIG);
    log.close();
    const file = segmentPath('00000000000000000000.log');
    fs.appendFileSync(file, batch({ payload: 100 }).subarray(0, 70));

    const reopened = open({ name: 'orders-0' });
    expect(reopened.logEndOffset).toBe(3n);
    expect(fs.statSync(file).size).toBe(before.length);
    // The cut bytes are kept beside the segment, and the log says where.
    const [aside] = fs.readdirSync(path.join(root, 'topic-0')).filter((name) => name.includes('.torn-'));
    expect(fs.readFileSync(path.join(root, 'topic-0', aside!))).toEqual(batch({ payload: 100 }).subarray(0, 70));
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^orders-0: cut 70 bytes at the end of .*, a write torn by a crash \\(records from offset 3 on .*\\); the bytes are kept in .*${aside}`))]);
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

  it('applyRetention deletes whole segments below the new start and saves the start, so a restart does not bring records back', () => {
    const size = batch().length;
    const log = open({ segmentBytes: 2 * size });
    for (let i = 0; i < 5; i++) log.append(batch({ timestamp: 1000n }), 1000);
    log.append(batch({ timestamp: 9000n }), 9000);
    expect(segments()).toEqual(['00000000000000000000.log', '00000000000000000002.log', '00000000000000000004.log']);
    log.setRetention(BIG, 100); // retention.ms altered
    // Offsets 0-4 expired; offset 4 shares its segment with offset 5, so that segment stays.
    expect(log.applyRetention(9050)).toEqual({ from: 0n, to: 5n });
    expect(segments()).toEqual(['00000000000000000004.log']);
    log.close();

    const reopened = open({ segmentBytes: 2 * size, retentionMs: 100 });
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([5n, 6n]);
    expect(baseOffsets(reopened.read(5n, BIG))).toEqual([5n]);
    expect(reopened.applyRetention(9200)).toEqual({ from: 5n, to: 6n });
    reopened.close();
    const emptied = open({ segmentBytes: 2 * size, retentionMs: 100 });
    expect([emptied.logStartOffset, emptied.logEndOffset]).toEqual([6n, 6n]);
    expect(segments()).toEqual(['00000000000000000006.log']);
  });

  it('applyRetention passes unreadable offsets only together with expired batches after them', () => {
    const { file } = tenBatches();
    const flipped = fs.readFileSync(file);
    flipped[70]! ^= 0x10; // inside the first batch's records: offsets 0 and 1, whose age cannot be read
    fs.writeFileSync(file, flipped);
    const reopened = open({ cleanShutdown: true, name: 'orders-0', retentionMs: 100 });
    // tenBatches() writes timestamp 1000: within retention at 1050, expired at 2000.
    expect(reopened.applyRetention(1050)).toBeUndefined();
    expect(reopened.logStartOffset).toBe(0n);
    expect(reopened.applyRetention(2000)).toEqual({ from: 0n, to: 20n });
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([20n, 20n]);
  });

  it('removes its directory on deleteFiles', () => {
    const log = open();
    log.append(batch(), NOW);
    log.deleteFiles();
    expect(fs.existsSync(path.join(root, 'topic-0'))).toBe(false);
  });
});
