import { randomBytes } from 'node:crypto';
import { FirehoseError } from '../errors.js';
import type { KafkaClient } from './connect.js';
import { fromWireRecord, type ConsumedRecord } from './records.js';
import { StopSignal } from './stop-signal.js';
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
  const offsets = await admin.offsets(options.topic).catch((e) => { throw client.translate(e, `read offsets of ${options.topic}`); });
  const existing = offsets.reduce((sum, o) => sum + o.latest - o.earliest, 0);
  onEvent({ kind: 'existing', count: existing });

  const suffix = randomBytes(4).toString('hex');
  const sides = {
    earliest: { group: `firehose-demo-earliest-${suffix}`, consumed: 0, oldRecords: 0, newRecords: 0 },
    latest: { group: `firehose-demo-latest-${suffix}`, consumed: 0, oldRecords: 0, newRecords: 0 },
  };
  const expected = { earliest: existing + options.newRecords, latest: options.newRecords };
  let wake = () => {};
  const changed = () => wake();
  const stops: StopSignal[] = [];
  const members: Promise<unknown>[] = [];
  const joinedAll: Promise<void>[] = [];
  const { runGroupMember } = await import('./group-member.js');

  try {
    for (const reset of ['earliest', 'latest'] as const) {
      const side = sides[reset];
      const stop = new StopSignal(undefined, options.signal);
      stops.push(stop);
      // A member's positions are fixed (committed, or the reset policy's) before it reports its assignment.
      let joined!: () => void;
      joinedAll.push(new Promise((resolve) => (joined = resolve)));
      const member = runGroupMember(client, {
        group: side.group,
        topic: options.topic,
        offsetReset: reset,
        commit: 'manual',
        maxWaitMs: 200,
        stop,
        what: `run the offsets demo on ${options.topic}`,
        onAssign: (partitions) => {
          onEvent({ kind: 'joined', reset, group: side.group, partitions: [...partitions].sort((a, b) => a - b) });
          joined();
        },
      }, async (batch) => {
        for (const raw of batch.records) {
          const record = fromWireRecord(batch.topic, batch.partition, raw);
          side.consumed += 1;
          if (record.value?.startsWith(MARKER) && record.value.endsWith(suffix)) side.newRecords += 1;
          else side.oldRecords += 1;
          onEvent({ kind: 'record', reset, record });
        }
        changed();
      });
      members.push(member);
    }
    // A member that fails (it returns only when stopped) ends the wait with its error.
    const failed = Promise.race(members).then(() => new Promise<never>(() => {}));
    await withDeadline(Promise.race([Promise.all(joinedAll), failed]), options.timeoutMs, () => new FirehoseError('DEMO_TIMEOUT',
      `Timed out after ${options.timeoutMs / 1000} s waiting for both demo consumers to join.`,
      { hint: 'Is the group coordinator healthy? Try `firehose groups`.' }));
    await produceMarkers(client, options.topic, Array.from({ length: options.newRecords }, (_, i) => `${MARKER} ${i} ${suffix}`));
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
    for (const stop of stops) stop.stop('done');
    await Promise.allSettled(members);
  }
}

/** The demo's new records, through firehose's own producer. */
async function produceMarkers(client: KafkaClient, topic: string, values: string[]): Promise<void> {
  const cluster = await client.cluster();
  const { Producer } = await import('./wire/producer.js');
  const producer = new Producer(cluster, { acks: -1 });
  try {
    await producer.connect();
    for (const value of values) {
      const wait = producer.send(topic, { key: null, value });
      if (wait) await wait;
    }
    await producer.flush();
  } finally {
    await producer.abort().catch(() => undefined);
  }
}
