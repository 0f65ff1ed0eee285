// create-topic, delete-topic and topics list/describe, in-process against the real broker.
import { describe, expect, it } from 'vitest';
import type { TopicDescription, TopicSummary } from '../../src/kafka/topics.js';
import { runCli } from '../support/cli.js';
import { expectOk, firehose, newTopic, produce, randomUser } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

const kafka = kafkaFromTests();

async function describeJson(topic: string): Promise<TopicDescription> {
  const result = expectOk(await firehose(['topics', 'describe', topic, '--output', 'json']));
  return JSON.parse(result.stdout) as TopicDescription;
}

async function listJson(extra: string[] = []): Promise<TopicSummary[]> {
  const result = expectOk(await firehose(['topics', 'list', '--output', 'json', ...extra]));
  return JSON.parse(result.stdout) as TopicSummary[];
}

describe('create-topic', () => {
  it('defaults to my-topic-<N> with 10 partitions, is idempotent, and refuses another partition count', async () => {
    const user = randomUser();
    const topic = `my-topic-${user}`;

    const created = expectOk(await firehose(['create-topic', '--user', String(user)]));
    expect(created.stdout).toBe(`✓ Created topic ${topic} (10 partitions, 1 replica) through the Kafka admin API\n`);
    const description = await describeJson(topic);
    expect(description.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(description.partitions.every((p) => p.replicas.length === 1)).toBe(true);

    // Again, with the user number from the environment this time: nothing to do, exit 0.
    const again = expectOk(await firehose(['create-topic'], { env: { FIREHOSE_USER: String(user) } }));
    expect(again.stdout).toMatch(new RegExp(`Topic ${topic} already exists with 10 partitions; nothing to do`));

    const other = await firehose(['create-topic', '--user', String(user), '--partitions', '3']);
    expect(other.code).toBe(1);
    expect(other.stdout).toBe('');
    expect(other.stderr).toBe(
      `error: Topic ${topic} already exists with 10 partitions, not 3.\n`
      + `hint: Use --partitions 10 to accept it, or delete it first with \`firehose delete-topic ${topic}\`.\n`,
    );
    expect((await describeJson(topic)).partitions).toHaveLength(10);

    const deleted = expectOk(await firehose(['delete-topic', '--user', String(user)]));
    expect(deleted.stdout).toBe(`✓ Deleted topic ${topic}\n`);
  });

  it('applies --config and --partitions, and reports JSON', async () => {
    const topic = uniqueName('configured');
    const result = expectOk(await firehose([
      'create-topic', topic, '--partitions', '2', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact', '--output', 'json',
    ]));
    expect(JSON.parse(result.stdout)).toEqual({ topic, partitions: 2, replicas: 1, created: true, method: 'admin-api' });
    const description = await describeJson(topic);
    expect(description.partitions).toHaveLength(2);
    expect(description.configs).toMatchObject({ 'retention.ms': '3600000', 'cleanup.policy': 'compact' });

    const again = expectOk(await firehose(['create-topic', topic, '--partitions', '2', '--output', 'json']));
    expect(JSON.parse(again.stdout)).toMatchObject({ topic, created: false });
  });

  it('takes the broker from KAFKA_BOOTSTRAP_SERVERS', async () => {
    const topic = uniqueName('env-bootstrap');
    const result = await runCli(['create-topic', topic, '--partitions', '1'], { env: { KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrap } });
    expectOk(result);
    expect(result.stdout).toContain(`Created topic ${topic} (1 partitions, 1 replica)`);
  });
});

describe('delete-topic', () => {
  it('deletes the topic; topics list no longer shows it, and a second delete is TOPIC_NOT_FOUND', async () => {
    const topic = await newTopic('delete', 1);
    expect((await listJson()).map((t) => t.topic)).toContain(topic);

    const deleted = expectOk(await firehose(['delete-topic', topic, '--output', 'json']));
    expect(JSON.parse(deleted.stdout)).toEqual({ topic, deleted: true });
    await waitFor(async () => !(await listJson()).some((t) => t.topic === topic), { timeoutMs: 15_000, what: `${topic} to leave topics list` });

    const again = await firehose(['delete-topic', topic]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^error: Topic ${topic} does not exist on ${kafka.bootstrap}\\.$`, 'm'));
    // Not "create it": there was nothing to delete.
    expect(again.stderr).toMatch(/^hint: Nothing to delete there; `firehose topics` lists the topics it has/m);
    expect(again.stderr).not.toContain('create-topic');
  });
});

describe('topics list and describe', () => {
  it('lists topics with partitions, replicas and record counts, as text and JSON', async () => {
    const topic = await newTopic('list', 3);
    await produce(topic, ['a', 'b', 'c', 'd'], ['--partition', '1']);

    const text = expectOk(await firehose(['topics']));
    expect(text.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+REPLICAS\s+END OFFSETS \(SUM\)$/m);
    expect(text.stdout).toMatch(new RegExp(`^${topic}\\s+3\\s+1\\s+4$`, 'm'));

    const topics = await listJson();
    expect(topics).toContainEqual({ topic, partitions: 3, replicas: 1, messages: 4 });
    expect(topics.map((t) => t.topic)).toEqual(topics.map((t) => t.topic).sort((a, b) => a.localeCompare(b)));
    expect(topics.some((t) => t.topic.startsWith('__'))).toBe(false);

    const all = await listJson(['--all']);
    expect(all.map((t) => t.topic)).toEqual(expect.arrayContaining(topics.map((t) => t.topic)));
  });

  it('describes partitions and offsets, as text and JSON', async () => {
    const topic = await newTopic('describe', 2);
    await produce(topic, ['x', 'y', 'z'], ['--partition', '0']);

    const description = await describeJson(topic);
    expect(description.topic).toBe(topic);
    expect(description.partitions.map((p) => [p.partition, p.startOffset, p.endOffset, p.replicas.length, p.isr.length]))
      .toEqual([[0, '0', '3', 1, 1], [1, '0', '0', 1, 1]]);
    expect(description.partitions.every((p) => p.leader === p.replicas[0])).toBe(true);

    const text = expectOk(await firehose(['topics', 'describe', topic]));
    expect(text.stdout).toMatch(new RegExp(`^Topic ${topic}: 2 partitions$`, 'm'));
    expect(text.stdout).toMatch(/^PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+START OFFSET\s+END OFFSET$/m);
    expect(text.stdout).toMatch(/^0\s+\d+\s+\d+\s+\d+\s+0\s+3$/m);
    expect(text.stdout).toMatch(/^1\s+\d+\s+\d+\s+\d+\s+0\s+0$/m);
  });
});
