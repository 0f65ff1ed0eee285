// demo offsets (earliest vs latest) and demo commit (store/commit order), in-process.
import { describe, expect, it } from 'vitest';
import type { OffsetsDemoResult } from '../../src/kafka/demo-offsets.js';
import { expectOk, firehose, jsonLines, lines, newTopic, produce } from '../support/cli-kafka.js';
import { uniqueName } from '../support/kafka-env.js';

describe('demo offsets', () => {
  it('earliest reads the 4 old records and the 3 new ones; latest only the 3 new ones (JSON)', async () => {
    const topic = await newTopic('demo-offsets', 3);
    await produce(topic, ['old-1', 'old-2', 'old-3', 'old-4']);
    const result = expectOk(await firehose(['demo', 'offsets', topic, '--output', 'json']));
    const demo = JSON.parse(result.stdout) as OffsetsDemoResult;
    expect(demo).toMatchObject({
      topic,
      existing: 4,
      complete: true,
      earliest: { consumed: 4 + 3, oldRecords: 4, newRecords: 3 },
      latest: { consumed: 3, oldRecords: 0, newRecords: 3 },
    });
    expect(demo.earliest.group).not.toBe(demo.latest.group);
  });

  it('tells the story in text mode', async () => {
    const topic = await newTopic('demo-offsets-text', 1);
    await produce(topic, ['old-a', 'old-b']);
    const result = expectOk(await firehose(['demo', 'offsets', topic, '--new-records', '2']));
    const out = lines(result.stdout);
    expect(out[0]).toBe(`${topic} holds 2 records already.`);
    expect(out).toContain('Sent 2 new records now that both groups have joined.');
    expect(out.filter((l) => l.startsWith('[latest  ] p0@'))).toHaveLength(2);
    expect(out.filter((l) => l.startsWith('[earliest] p0@'))).toHaveLength(4);
    expect(out).toContain('[earliest] p0@0 old-a');
    expect(out.some((l) => l.startsWith('[latest  ] p0@0'))).toBe(false);
    expect(result.stdout).toMatch(/^earliest read 4: 2 old \+ 2 new\./m);
    expect(result.stdout).toMatch(/^latest {3}read 2: 0 old \+ 2 new\./m);
    expect(result.stderr).not.toContain('warning');
  });
});

/** stdout of `demo commit` without the assignment line: one entry per printed step. */
function steps(stdout: string): string[] {
  return lines(stdout).filter((l) => !l.startsWith('Assigned partitions'));
}

describe('demo commit', () => {
  it('stores, then commits, one message at a time', async () => {
    const topic = await newTopic('demo-commit', 1);
    await produce(topic, ['m0', 'm1', 'm2', 'm3']);
    const group = uniqueName('demo-commit');
    const result = expectOk(await firehose(['demo', 'commit', topic, '--group', group, '--store-ms', '0', '--max-messages', '2']));
    expect(steps(result.stdout)).toEqual([
      'p0@0 m0', 'Start Storing', 'End Storing', 'Message committed',
      'p0@1 m1', 'Start Storing', 'End Storing', 'Message committed',
    ]);
    expect(result.stdout).not.toContain('Assigned partitions');
    expect(lines(result.stderr)).toEqual([
      'Order: store, then commit. At-least-once: a message whose store is interrupted is not committed, so it is read again.',
      `Start: group ${group} has no committed offsets on ${topic}, so it starts at the earliest offset (--offset-reset earliest).`,
      'Assigned partitions: [0]',
      'Processed 2 messages (store-then-commit, at-least-once); stopped by max-messages.',
    ]);

    // The commits held: the same group goes on with m2, this time committing first.
    const next = expectOk(await firehose([
      'demo', 'commit', topic, '--group', group, '--store-ms', '0', '--max-messages', '2', '--commit-before-store',
    ]));
    expect(steps(next.stdout)).toEqual([
      'p0@2 m2', 'Message committed', 'Start Storing', 'End Storing',
      'p0@3 m3', 'Message committed', 'Start Storing', 'End Storing',
    ]);
    expect(next.stderr).toContain('Order: commit, then store. At-most-once');
    expect(next.stderr).toContain(`Start: group ${group} resumes from its committed offsets on ${topic}`);
    expect(next.stderr).toContain('Processed 2 messages (commit-then-store, at-most-once); stopped by max-messages.');

    const described = JSON.parse(expectOk(await firehose(['groups', 'describe', group, '--output', 'json'])).stdout) as { offsets: Array<{ committed: string }> };
    expect(described.offsets.map((o) => o.committed)).toEqual(['4']);
  });

  it('streams its events as JSON lines with --output json', async () => {
    const topic = await newTopic('demo-commit-json', 1);
    await produce(topic, ['only']);
    const group = uniqueName('demo-json');
    const result = expectOk(await firehose(['demo', 'commit', topic, '--group', group, '--store-ms', '0', '--max-messages', '1', '--output', 'json']));
    const events = jsonLines<Record<string, unknown>>(result.stdout);
    // One shape: every document says which event it is.
    expect(events.map((e) => e.event)).toEqual(['start', 'assign', 'message', 'store-start', 'store-end', 'committed', 'result']);
    expect(events[0]).toMatchObject({ event: 'start', from: 'earliest' });
    expect(events[2]).toEqual({ event: 'message', partition: 0, offset: '0', value: 'only' });
    expect(events.at(-1)).toEqual({
      event: 'result', topic, group, processed: 1, order: 'store-then-commit', guarantee: 'at-least-once', stoppedBy: 'max-messages',
    });
    expect(result.stderr).toBe('');
  });

  it('needs --group', async () => {
    const result = await firehose(['demo', 'commit', 'some-topic']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '-g, --group <group>' not specified");
  });
});
