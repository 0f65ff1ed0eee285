// ListOffsets on the embedded broker as Apache Kafka answers it, on records whose timestamps
// come out of order (and tie): latest (-1), earliest (-2), the record with the largest
// timestamp (-3, v7+), earliest-local (-4, v8+: no tiered storage, so the log start),
// latest-tiered (-5, v9+), and a timestamp; served up to v10, as Kafka 4.x serves it. When the
// suite runs against Apache Kafka, the same requests go to it and the answers must agree;
// each in plain and in compressed batches (the broker inflates them to read the timestamps).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ensureConsoleTools, runKafkaTool } from '../support/java-console.js';
import { kafkaFromTests } from '../support/kafka-env.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { COMPRESSION_CODECS, encodeRecordBatch, type CompressionCodec } from '../../src/protocol/records.js';
import { encodeBatch } from '../support/record-batch.js';
import { waitFor } from '../support/wait.js';

let embedded: EmbeddedBroker;
const clients: RawClient[] = [];
beforeAll(async () => { embedded = await startEmbeddedBroker({ port: 0, log: { debug() {}, info() {}, warn() {} } }); });
afterAll(async () => {
  for (const c of clients) c.socket.destroy();
  await embedded?.stop();
});

interface Answer { errorCode: number; offset: bigint; timestamp: bigint }

/** Creates a one-partition topic and writes two batches: timestamps 1000, 5000, 3000 | 5000, 2000. */
async function prepare(client: RawClient, topic: string, codec: CompressionCodec = 'none'): Promise<void> {
  const created = await client.request(API_KEY.CreateTopics, 4, {
    topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false,
  });
  expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
  for (const times of [[1000n, 5000n, 3000n], [5000n, 2000n]]) {
    const records = codec === 'none'
      ? encodeBatch({ timestamp: times[0], records: times.map((timestamp) => ({ key: null, value: `at ${timestamp}`, timestamp })) })
      : encodeRecordBatch(times.map((timestamp) => ({ key: null, value: `at ${timestamp}`, timestamp: Number(timestamp) })), { compression: codec });
    // A new topic's leader may take a moment to be ready on Apache Kafka: produce until it takes the batch.
    await waitFor(async () => {
      const answer = await client.request(API_KEY.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
      return answer.responses[0].partitionResponses[0].errorCode === ErrorCode.NONE;
    }, { timeoutMs: 10_000, what: `${topic} to take a batch`, intervalMs: 100 });
  }
}

async function listOffset(client: RawClient, version: number, topic: string, timestamp: bigint): Promise<Answer> {
  const answer = await client.request(API_KEY.ListOffsets, version, {
    replicaId: -1, isolationLevel: 0, timeoutMs: 5000,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
  });
  const p = answer.topics[0].partitions[0];
  return { errorCode: p.errorCode, offset: p.offset, timestamp: p.timestamp };
}

/** Every codec this Node can write (zstd from Node 22.15): the broker looks inside each for timestamps. */
const CODECS = COMPRESSION_CODECS.filter((codec) => {
  try {
    encodeRecordBatch([{ key: null, value: 'x' }], { compression: codec });
    return true;
  } catch {
    return false;
  }
});

const SPECS: Array<[string, number, bigint]> = [
  ['latest', 1, -1n],
  ['earliest', 1, -2n],
  ['max timestamp', 7, -3n],
  ['earliest local', 8, -4n],
  ['latest tiered', 9, -5n],
  ['timestamp 2500', 10, 2500n],
  ['timestamp 6000 (after every record)', 10, 6000n],
];

async function answersOf(port: number, host = '127.0.0.1', codec: CompressionCodec = 'none'): Promise<Record<string, Answer>> {
  const client = await RawClient.open(port, host);
  clients.push(client);
  const topic = `firehose-test-offsets-${randomBytes(4).toString('hex')}`;
  await prepare(client, topic, codec);
  const out: Record<string, Answer> = {};
  for (const [name, version, timestamp] of SPECS) out[name] = await listOffset(client, version, topic, timestamp);
  return out;
}

describe('ListOffsets', () => {
  it.each(CODECS)('answers every spec as Kafka does, on out-of-order timestamps in %s batches', async (codec) => {
    const ours = await answersOf(embedded.port, '127.0.0.1', codec);
    expect(ours).toEqual({
      latest: { errorCode: 0, offset: 5n, timestamp: -1n },
      earliest: { errorCode: 0, offset: 0n, timestamp: -1n },
      'max timestamp': { errorCode: 0, offset: 1n, timestamp: 5000n },
      'earliest local': { errorCode: 0, offset: 0n, timestamp: -1n },
      'latest tiered': { errorCode: 0, offset: -1n, timestamp: -1n },
      // The first offset whose timestamp is at or after it (offset 1 at 5000, not offset 2 at 3000).
      'timestamp 2500': { errorCode: 0, offset: 1n, timestamp: 5000n },
      'timestamp 6000 (after every record)': { errorCode: 0, offset: -1n, timestamp: -1n },
    });
  });

  it.runIf(kafkaFromTests().flavour === 'apache').each(CODECS)('gives the answers Apache Kafka gives, %s', async (codec) => {
    const [host, port] = kafkaFromTests().bootstrap.split(',')[0]!.split(':');
    const theirs = await answersOf(Number(port), host, codec);
    expect(await answersOf(embedded.port, '127.0.0.1', codec)).toEqual(theirs);
  });

  it("serves Kafka's GetOffsetShell for -4 (earliest-local, which needs v8) and -3", { timeout: 120_000 }, async () => {
    const tools = await ensureConsoleTools();
    const client = await RawClient.open(embedded.port);
    clients.push(client);
    const topic = `firehose-test-shell-${randomBytes(4).toString('hex')}`;
    await prepare(client, topic);
    for (const [time, expected] of [['-4', `${topic}:0:0`], ['-3', `${topic}:0:1`], ['-1', `${topic}:0:5`]]) {
      const shell = await runKafkaTool(tools, 'org.apache.kafka.tools.GetOffsetShell', ['--bootstrap-server', `127.0.0.1:${embedded.port}`, '--topic', topic, '--time', time!]);
      expect(shell.exitCode, `--time ${time}: ${shell.stderr}`).toBe(0);
      expect(shell.stdout.trim(), `--time ${time}`).toBe(expected);
    }
  });
});
