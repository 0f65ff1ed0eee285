// Transactions on the embedded broker, spoken through the raw protocol: the last stable
// offset and aborted transactions a read_committed fetch gets, ListOffsets by isolation
// level, fencing by epoch (with the error code each version expects), transactional offsets
// seen only after the commit, the timeout abort, and open transactions across a restart on
// a data dir. Real clients (librdkafka, Java) are in test/interop/transactions.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { Message } from '../../src/protocol/schema.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { decodeBatchValues, encodeBatch } from '../support/record-batch.js';
import { waitFor } from '../support/wait.js';

const TRANSACTIONAL = 0x10;
const brokers: EmbeddedBroker[] = [];
const clients: RawClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const broker of brokers.splice(0)) await broker.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: { dataDir?: string; transactionCheckIntervalMs?: number } = {}) {
  const broker = await startEmbeddedBroker({ port: 0, ...options, log: { debug() {}, info() {}, warn() {} } });
  brokers.push(broker);
  const client = await RawClient.open(broker.port);
  clients.push(client);
  return { broker, client };
}

async function createTopic(client: RawClient, name: string): Promise<void> {
  const created = await client.request(API_KEY.CreateTopics, 4, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
  expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
}

interface Producer {
  id: string;
  producerId: bigint;
  producerEpoch: number;
  sequence: number;
}

async function initProducer(client: RawClient, id: string, timeoutMs = 60_000): Promise<Producer> {
  const answer = await client.request(API_KEY.InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: timeoutMs, producerId: -1n, producerEpoch: -1 });
  expect(answer.errorCode).toBe(ErrorCode.NONE);
  return { id, producerId: answer.producerId, producerEpoch: answer.producerEpoch, sequence: 0 };
}

async function addPartition(client: RawClient, p: Producer, topic: string, version = 3, epoch = p.producerEpoch): Promise<number> {
  const answer = await client.request(API_KEY.AddPartitionsToTxn, version, { transactionalId: p.id, producerId: p.producerId, producerEpoch: epoch, topics: [{ name: topic, partitions: [0] }] });
  return answer.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode;
}

async function endTxn(client: RawClient, p: Producer, committed: boolean, version = 3, epoch = p.producerEpoch): Promise<number> {
  return (await client.request(API_KEY.EndTxn, version, { transactionalId: p.id, producerId: p.producerId, producerEpoch: epoch, committed })).errorCode;
}

async function produce(client: RawClient, topic: string, values: string[], p?: Producer, epoch = p?.producerEpoch): Promise<Message> {
  const records = encodeBatch({
    records: values.map((value) => ({ key: null, value })),
    ...(p ? { producerId: p.producerId, producerEpoch: epoch, baseSequence: p.sequence, compression: TRANSACTIONAL } : {}),
  });
  const answer = await client.request(API_KEY.Produce, 8, { transactionalId: p?.id ?? null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  const partition = answer.responses[0].partitionResponses[0];
  if (p && partition.errorCode === ErrorCode.NONE) p.sequence += values.length;
  return partition;
}

async function fetchFrom(client: RawClient, topic: string, offset: bigint, isolationLevel: 0 | 1): Promise<Message> {
  const answer = await client.request(API_KEY.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  return answer.responses[0].partitions[0];
}

/** Values of the data batches in a fetch answer (control batches hold no values a consumer sees). */
function values(partition: Message): string[] {
  const records = partition.records as Buffer;
  const out: string[] = [];
  for (let at = 0; at < records.length; ) {
    const size = 12 + records.readInt32BE(at + 8);
    if ((records.readInt16BE(at + 21) & 0x20) === 0) out.push(...decodeBatchValues(records.subarray(at, at + size)).map((r) => r.value));
    at += size;
  }
  return out;
}

async function latest(client: RawClient, topic: string, isolationLevel: 0 | 1): Promise<bigint> {
  const answer = await client.request(API_KEY.ListOffsets, 5, { replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
  return answer.topics[0].partitions[0].offset;
}

describe('embedded broker: transactions', () => {
  it('stops read_committed at the first open transaction, then names the aborted ones; read_uncommitted reads everything', async () => {
    const { client } = await start();
    await createTopic(client, 'tx-lso');
    await produce(client, 'tx-lso', ['p0']);
    const p = await initProducer(client, 'tx-lso-producer');
    expect(await addPartition(client, p, 'tx-lso')).toBe(ErrorCode.NONE);
    expect((await produce(client, 'tx-lso', ['a1', 'a2'], p)).errorCode).toBe(ErrorCode.NONE);
    await produce(client, 'tx-lso', ['p3']);

    const open = await fetchFrom(client, 'tx-lso', 0n, 1);
    expect({ hw: open.highWatermark, lso: open.lastStableOffset, values: values(open) }).toEqual({ hw: 4n, lso: 1n, values: ['p0'] });
    expect(values(await fetchFrom(client, 'tx-lso', 1n, 1))).toEqual([]);
    expect(values(await fetchFrom(client, 'tx-lso', 0n, 0))).toEqual(['p0', 'a1', 'a2', 'p3']);
    expect([await latest(client, 'tx-lso', 1), await latest(client, 'tx-lso', 0)]).toEqual([1n, 4n]);

    expect(await endTxn(client, p, false)).toBe(ErrorCode.NONE);
    const aborted = await fetchFrom(client, 'tx-lso', 0n, 1);
    // The ABORT marker took offset 4.
    expect({ hw: aborted.highWatermark, lso: aborted.lastStableOffset }).toEqual({ hw: 5n, lso: 5n });
    expect(aborted.abortedTransactions).toEqual([{ producerId: p.producerId, firstOffset: 1n }]);
    expect([await latest(client, 'tx-lso', 1), await latest(client, 'tx-lso', 0)]).toEqual([5n, 5n]);
    // A retried EndTxn of the same outcome is answered NONE and writes nothing.
    expect(await endTxn(client, p, false)).toBe(ErrorCode.NONE);
    expect(await endTxn(client, p, true)).toBe(ErrorCode.INVALID_TXN_STATE);

    expect(await addPartition(client, p, 'tx-lso')).toBe(ErrorCode.NONE);
    await produce(client, 'tx-lso', ['c1'], p);
    expect(await endTxn(client, p, true)).toBe(ErrorCode.NONE);
    const committed = await fetchFrom(client, 'tx-lso', 5n, 1);
    expect({ lso: committed.lastStableOffset, values: values(committed), aborted: committed.abortedTransactions }).toEqual({ lso: 7n, values: ['c1'], aborted: [] });
  });

  it('fences an older epoch: a new instance bumps it and aborts what the old one left open; the old one gets the error its version knows', async () => {
    const { client } = await start();
    await createTopic(client, 'tx-fence');
    await createTopic(client, 'tx-fence-other');
    const old = await initProducer(client, 'tx-fence-producer');
    await addPartition(client, old, 'tx-fence');
    await produce(client, 'tx-fence', ['zombie'], old);

    const fresh = await initProducer(client, 'tx-fence-producer');
    expect(fresh.producerId).toBe(old.producerId);
    expect(fresh.producerEpoch).toBe(old.producerEpoch + 1);
    const after = await fetchFrom(client, 'tx-fence', 0n, 1);
    expect({ lso: after.lastStableOffset, hw: after.highWatermark, aborted: after.abortedTransactions }).toEqual({ lso: 2n, hw: 2n, aborted: [{ producerId: old.producerId, firstOffset: 0n }] });

    expect(await addPartition(client, old, 'tx-fence', 3)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await addPartition(client, old, 'tx-fence', 1)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await endTxn(client, old, true, 3)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await endTxn(client, old, true, 0)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await produce(client, 'tx-fence', ['zombie-2'], old)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // A v3+ re-init naming the stale epoch is a zombie too.
    const reinit = await client.request(API_KEY.InitProducerId, 4, { transactionalId: old.id, transactionTimeoutMs: 60_000, producerId: old.producerId, producerEpoch: old.producerEpoch });
    expect(reinit.errorCode).toBe(ErrorCode.PRODUCER_FENCED);

    // The new instance's first batch at the marker's epoch starts its sequences afresh.
    expect(await addPartition(client, fresh, 'tx-fence')).toBe(ErrorCode.NONE);
    expect((await produce(client, 'tx-fence', ['fresh'], fresh)).errorCode).toBe(ErrorCode.NONE);
    // A partition the transaction did not add is refused.
    expect((await produce(client, 'tx-fence-other', ['stray'], fresh)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await endTxn(client, fresh, true)).toBe(ErrorCode.NONE);
    expect(values(await fetchFrom(client, 'tx-fence', 2n, 1))).toEqual(['fresh']);
  });

  it('keeps offsets sent with a transaction from OffsetFetch until it commits (requireStable: UNSTABLE_OFFSET_COMMIT)', async () => {
    const { client } = await start();
    await createTopic(client, 'tx-offsets');
    const p = await initProducer(client, 'tx-offsets-producer');
    const commitOffset = (version = 3) => client.request(API_KEY.TxnOffsetCommit, version, {
      transactionalId: p.id, groupId: 'tx-group', producerId: p.producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'tx-offsets', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    // Before AddOffsetsToTxn the group is not in the transaction.
    expect((await commitOffset()).topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await client.request(API_KEY.AddOffsetsToTxn, 3, { transactionalId: p.id, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'tx-group' })).errorCode).toBe(ErrorCode.NONE);
    expect((await commitOffset()).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);

    const offsetFetch = async (requireStable: boolean) =>
      (await client.request(API_KEY.OffsetFetch, 7, { groupId: 'tx-group', topics: [{ name: 'tx-offsets', partitionIndexes: [0] }], requireStable })).topics[0].partitions[0];
    expect(await offsetFetch(true)).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1n });
    expect(await offsetFetch(false)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: -1n });
    expect(await endTxn(client, p, true)).toBe(ErrorCode.NONE);
    expect(await offsetFetch(true)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 7n });
  });

  it('aborts a transaction open past its timeout and fences the producer that left it', async () => {
    const { client } = await start({ transactionCheckIntervalMs: 50 });
    await createTopic(client, 'tx-timeout');
    const p = await initProducer(client, 'tx-timeout-producer', 300);
    await addPartition(client, p, 'tx-timeout');
    await produce(client, 'tx-timeout', ['left'], p);
    expect((await fetchFrom(client, 'tx-timeout', 0n, 1)).lastStableOffset).toBe(0n);
    const aborted = await waitFor(async () => {
      const answer = await fetchFrom(client, 'tx-timeout', 0n, 1);
      return answer.lastStableOffset === answer.highWatermark && answer.highWatermark > 1n ? answer : undefined;
    }, { timeoutMs: 10_000, what: 'the timed-out transaction to be aborted' });
    expect(aborted.abortedTransactions).toEqual([{ producerId: p.producerId, firstOffset: 0n }]);
    expect(await endTxn(client, p, true)).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('keeps an open transaction and the producer epoch across a restart on a data dir, and commits it after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firehose-tx-'));
    dirs.push(dir);
    const first = await start({ dataDir: dir });
    await createTopic(first.client, 'tx-restart');
    const p = await initProducer(first.client, 'tx-restart-producer');
    await addPartition(first.client, p, 'tx-restart');
    await produce(first.client, 'tx-restart', ['r1', 'r2'], p);
    await produce(first.client, 'tx-restart', ['plain']);
    first.client.close();
    await first.broker.stop();
    brokers.splice(brokers.indexOf(first.broker), 1);

    const second = await start({ dataDir: dir });
    const reopened = await fetchFrom(second.client, 'tx-restart', 0n, 1);
    expect({ lso: reopened.lastStableOffset, hw: reopened.highWatermark }).toEqual({ lso: 0n, hw: 3n });
    // The same producer and epoch end it: the coordinator's state came back with the log's.
    expect(await endTxn(second.client, p, true)).toBe(ErrorCode.NONE);
    const committed = await fetchFrom(second.client, 'tx-restart', 0n, 1);
    expect({ lso: committed.lastStableOffset, values: values(committed), aborted: committed.abortedTransactions }).toEqual({ lso: 4n, values: ['r1', 'r2', 'plain'], aborted: [] });
    const next = await initProducer(second.client, 'tx-restart-producer');
    expect([next.producerId, next.producerEpoch]).toEqual([p.producerId, p.producerEpoch + 1]);
  });

  it('aborts at start a transaction the log holds open when transactions.json is gone, so read_committed is not stuck', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firehose-tx-'));
    dirs.push(dir);
    const first = await start({ dataDir: dir });
    await createTopic(first.client, 'tx-orphan');
    const p = await initProducer(first.client, 'tx-orphan-producer');
    await addPartition(first.client, p, 'tx-orphan');
    await produce(first.client, 'tx-orphan', ['orphan'], p);
    first.client.close();
    await first.broker.stop();
    brokers.splice(brokers.indexOf(first.broker), 1);
    rmSync(join(dir, 'transactions.json'));

    const second = await start({ dataDir: dir });
    const answer = await fetchFrom(second.client, 'tx-orphan', 0n, 1);
    expect({ lso: answer.lastStableOffset, hw: answer.highWatermark, aborted: answer.abortedTransactions }).toEqual({ lso: 2n, hw: 2n, aborted: [{ producerId: p.producerId, firstOffset: 0n }] });
  });
});
