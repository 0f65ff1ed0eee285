import { randomBytes } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { FirehoseError } from '../errors.js';
import type { KafkaClient } from './connect.js';
import { toConsumedRecord, type ConsumedRecord } from './records.js';
import type { OffsetReset } from './start-position.js';
import { requireTopic } from './topics.js';
import { withDeadline } from '../util/deadline.js';

export interface OffsetsDemoOptions {
  topic: string;
  /** Records written after both consumers joined, so the latest one has something to read. */
  newRecords: number;
  /** Give up waiting for the expected records after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export type OffsetsDemoEvent =
  | { kind: 'existing'; count: number }
  | { kind: 'joined'; reset: OffsetReset; group: string; partitions: number[] }
  | { kind: 'produced'; count: number }
  | { kind: 'record'; reset: OffsetReset; record: ConsumedRecord };

export interface OffsetsDemoSide {
  group: string;
  consumed: number;
  /** Records that were in the topic before the demo started. */
  oldRecords: number;
  newRecords: number;
}

export interface OffsetsDemoResult {
  topic: string;
  existing: number;
  earliest: OffsetsDemoSide;
  latest: OffsetsDemoSide;
  complete: boolean;
}

const MARKER = 'firehose demo offsets: new record';

/**
 * Seed 004's auto.offset.reset demo: two fresh groups, one `earliest` and one `latest`,
 * read the same topic; then a few new records arrive. `earliest` sees everything,
 * `latest` only what came after it joined.
 */
export async function runOffsetsDemo(client: KafkaClient, options: OffsetsDemoOptions, onEvent: (event: OffsetsDemoEvent) => void): Promise<OffsetsDemoResult> {
  await requireTopic(client, options.topic);
  const admin = await client.admin();
  const offsets = await admin.fetchTopicOffsets(options.topic).catch((e) => { throw client.translate(e, `read offsets of ${options.topic}`); });
  const existing = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  onEvent({ kind: 'existing', count: existing });

  const suffix = randomBytes(4).toString('hex');
  const sides = {
    earliest: { group: `firehose-demo-earliest-${suffix}`, consumed: 0, oldRecords: 0, newRecords: 0 },
    latest: { group: `firehose-demo-latest-${suffix}`, consumed: 0, oldRecords: 0, newRecords: 0 },
  };
  const expected = { earliest: existing + options.newRecords, latest: options.newRecords };
  let wake = () => {};
  const changed = () => wake();
  const consumers: Consumer[] = [];
  const readyToProduce: Promise<void>[] = [];

  try {
    for (const reset of ['earliest', 'latest'] as const) {
      const side = sides[reset];
      const consumer = await client.consumer({ groupId: side.group, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
      consumers.push(consumer);
      // A latest consumer fixes its position on its first fetch; records sent before that would count as old.
      readyToProduce.push(new Promise((resolve) => {
        let joined = false;
        consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
          joined = true;
          onEvent({ kind: 'joined', reset, group: side.group, partitions: [...(payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b) });
        });
        consumer.on(consumer.events.FETCH, () => { if (joined) resolve(); });
      }));
      await consumer.subscribe({ topics: [options.topic], fromBeginning: reset === 'earliest' });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const record = toConsumedRecord(topic, partition, message);
          side.consumed += 1;
          if (record.value?.startsWith(MARKER) && record.value.endsWith(suffix)) side.newRecords += 1;
          else side.oldRecords += 1;
          onEvent({ kind: 'record', reset, record });
          changed();
        },
      });
    }
    await withDeadline(Promise.all(readyToProduce), options.timeoutMs, () => new FirehoseError('DEMO_TIMEOUT',
      `Timed out after ${options.timeoutMs / 1000} s waiting for both demo consumers to join.`,
      { hint: 'Is the group coordinator healthy? Try `firehose groups`.' }));
    const producer = await client.producer({ allowAutoTopicCreation: false });
    await producer.send({
      topic: options.topic,
      messages: Array.from({ length: options.newRecords }, (_, i) => ({ value: `${MARKER} ${i} ${suffix}` })),
    });
    onEvent({ kind: 'produced', count: options.newRecords });

    const deadline = Date.now() + options.timeoutMs;
    const done = () => sides.earliest.consumed >= expected.earliest && sides.latest.newRecords >= expected.latest;
    while (!done() && Date.now() < deadline && !options.signal?.aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 250);
      });
    }
    return { topic: options.topic, existing, earliest: sides.earliest, latest: sides.latest, complete: done() };
  } catch (error) {
    throw client.translate(error, `run the offsets demo on ${options.topic}`);
  } finally {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
  }
}
