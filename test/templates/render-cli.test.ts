// firehose render, in-process: listing, YAML/JSON output, --set, --api-version, --out, errors.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { listTemplates } from '../../src/templates/catalogue.js';
import { runCli } from '../support/cli.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firehose-render-cli-'));
  dirs.push(dir);
  return dir;
}

/** Exit 2 with one `error:` line (plus an optional `hint:` line) on stderr and nothing on stdout. */
function expectUsage(result: { code: number; stdout: string; stderr: string }, ...fragments: string[]): string {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^error: /);
  expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
  for (const fragment of fragments) expect(lines[0]).toContain(fragment);
  return lines[0]!;
}

describe('firehose render (no template)', () => {
  it('lists the templates with their kinds, versions and keys, without a user number', async () => {
    const result = await runCli(['render']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^TEMPLATE\s+KIND\s+API VERSION\s+DESCRIPTION\n/);
    expect(result.stdout).toMatch(/\nkafka-topic\s+KafkaTopic\s+kafka\.strimzi\.io\/v1beta2\s+/);
    expect(result.stdout).toMatch(/\ntrigger\s+name, broker, subscriber, deadLetter, retry, backoffDelay, backoffPolicy, ordering, filter\.<attr>\n/);
    for (const t of listTemplates()) expect(result.stdout).toContain(`\n${t.name} `);
  });

  it('lists as JSON with --output json', async () => {
    const result = await runCli(['render', '--output', 'json']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as Array<{ name: string; keys: string[] }>;
    expect(list.find((t) => t.name === 'kafka-topic')?.keys).toEqual(['name', 'partitions', 'replicas', 'cluster', 'config.<topic-config>']);
  });

  it('refuses --set without a template', async () => {
    expectUsage(await runCli(['render', '--set', 'name=x']), 'need a template');
  });
});

describe('firehose render <template>', () => {
  it('prints YAML for the user number from the flag or the environment', async () => {
    const result = await runCli(['render', 'kafka-topic', '--user', '7']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const topic = parse(result.stdout);
    expect(topic).toEqual({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: { name: 'my-topic-7', labels: { 'strimzi.io/cluster': 'my-cluster', 'app.kubernetes.io/managed-by': 'firehose', 'firehose.dev/user': '7' } },
      spec: { partitions: 10, replicas: 1 },
    });
    const fromEnv = await runCli(['render', 'kafka-source'], { env: { FIREHOSE_USER: '12' } });
    expect(parse(fromEnv.stdout).spec).toMatchObject({ consumerGroup: 'knative-group-12', topics: ['my-topic-12'] });
  });

  it('needs a user number in a non-interactive shell', async () => {
    const result = await runCli(['render', 'kafka-topic']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: No user number is set/);
  });

  it('applies --set (typed), --namespace and --api-version', async () => {
    const result = await runCli([
      'render', 'kafka-topic', '--user', '7', '--namespace', 'user7',
      '--set', 'partitions=3', '--set', 'config.retention.ms=60000',
      '--api-version', 'KafkaTopic=kafka.strimzi.io/v1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('partitions: 3\n');
    const topic = parse(result.stdout);
    expect(topic.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(topic.metadata.namespace).toBe('user7');
    expect(topic.spec).toEqual({ partitions: 3, replicas: 1, config: { 'retention.ms': 60000 } });
  });

  it('renders trigger filters, the last --set of a key winning', async () => {
    const result = await runCli([
      'render', 'trigger', '--user', '7',
      '--set', 'filter.type=dev.nodeshift.samples.js-example', '--set', 'filter.source=dev.nodeshift.samples/js-example-source',
      '--set', 'subscriber=first', '--set', 'subscriber=js-example-service',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const trigger = parse(result.stdout);
    expect(trigger.spec.filter.attributes).toEqual({ type: 'dev.nodeshift.samples.js-example', source: 'dev.nodeshift.samples/js-example-source' });
    expect(trigger.spec.subscriber.ref.name).toBe('js-example-service');
  });

  it('prints JSON with --output json', async () => {
    const result = await runCli(['render', 'sink', '--user', '7', '--output', 'json', '--set', 'maxScale=3']);
    expect(result.code, result.stderr).toBe(0);
    const sink = JSON.parse(result.stdout);
    expect(sink.kind).toBe('Service');
    expect(sink.spec.template.metadata.annotations['autoscaling.knative.dev/maxScale']).toBe('3');
    expect(sink.spec.template.spec.containerConcurrency).toBe(1);
  });

  it('renders every template as parseable YAML', async () => {
    for (const t of listTemplates()) {
      const result = await runCli(['render', t.name, '--user', '7']);
      expect(result.code, `${t.name}: ${result.stderr}`).toBe(0);
      const docs = parseAllDocuments(result.stdout);
      expect(docs.every((d) => d.errors.length === 0)).toBe(true);
      expect(docs.map((d) => d.toJS().kind)).toEqual([t.kind]);
    }
  });

  it('--out writes <template>-<name>.yaml into a new directory and says so', async () => {
    const dir = join(await tmp(), 'gitops', 'user7');
    const first = await runCli(['render', 'kafka-topic', '--user', '7', '--out', dir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`✓ Wrote ${join(dir, 'kafka-topic-my-topic-7.yaml')}\n`);
    const second = await runCli(['render', 'kafka-source', '--user', '7', '--out', dir, '--output', 'json']);
    expect(JSON.parse(second.stdout)).toEqual({ written: [join(dir, 'kafka-source-mykafka-source.yaml')] });
    expect((await readdir(dir)).sort()).toEqual(['kafka-source-mykafka-source.yaml', 'kafka-topic-my-topic-7.yaml']);
    expect(parse(await readFile(join(dir, 'kafka-topic-my-topic-7.yaml'), 'utf8')).metadata.name).toBe('my-topic-7');
  });

  it('--out into a path that is a file fails without a stack trace', async () => {
    const file = join(await tmp(), 'file');
    await writeFile(file, '');
    const result = await runCli(['render', 'kafka-topic', '--user', '7', '--out', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: Cannot write ${file}(/kafka-topic-my-topic-7.yaml)?: E[A-Z]+\\nhint: --out takes a directory`));
  });
});

describe('firehose render: usage errors (exit 2, one line)', () => {
  it('an unknown template, before asking for a user number', async () => {
    expectUsage(await runCli(['render', 'kafka-topics']), 'No template "kafka-topics"', 'kafka-topic, sink');
  });

  it('an unknown key', async () => {
    const line = expectUsage(await runCli(['render', 'kafka-topic', '--user', '7', '--set', 'partition=3']));
    expect(line).toBe('error: Template kafka-topic has no key "partition"; keys: name, partitions, replicas, cluster, config.<topic-config>.');
  });

  it('a bad value', async () => {
    expectUsage(await runCli(['render', 'kafka-topic', '--user', '7', '--set', 'partitions=ten']), 'partitions="ten"', 'whole number');
    expectUsage(await runCli(['render', 'kafka-source', '--user', '7', '--set', 'initialOffset=middle']), 'initialOffset="middle"', 'earliest, latest');
  });

  it('a --set without =, and a bad --api-version', async () => {
    expectUsage(await runCli(['render', 'kafka-topic', '--user', '7', '--set', 'partitions']), '--set takes key=value');
    expectUsage(await runCli(['render', 'kafka-topic', '--user', '7', '--api-version', 'KafkaTopic']), '--api-version takes Kind=group/version');
    expectUsage(await runCli(['render', 'kafka-topic', '--user', '7', '--api-version', 'KafkaTopic=strimzi.io/v1']), 'kafka.strimzi.io, not strimzi.io');
  });
});

describe('--dry-run=client on the commands that apply (kubectl\'s client dry run)', () => {
  it('prints the YAML it would apply without a cluster (no kubeconfig at all)', async () => {
    const result = await runCli(['deploy', 'sink', '--user', '7', '--dry-run=client', '--set', 'maxScale=3']);
    expect(result.code, result.stderr).toBe(0);
    const object = parse(result.stdout) as { kind: string; metadata: { name: string; labels: Record<string, string> }; spec: { template: { metadata: { annotations: Record<string, string> } } } };
    expect(object).toMatchObject({ kind: 'Service', metadata: { name: 'eventinghello', labels: { 'firehose.dev/user': '7' } } });
    expect(object.spec.template.metadata.annotations['autoscaling.knative.dev/maxScale']).toBe('3');
    const subscribe = await runCli(['subscribe', 'ch', '--subscriber', 'event-display', '--user', '7', '--dry-run', 'client', '--output', 'json']);
    expect(subscribe.code, subscribe.stderr).toBe(0);
    expect(JSON.parse(subscribe.stdout)).toMatchObject({ kind: 'Subscription', metadata: { name: 'ch-event-display' } });
  });

  it('another mode is a usage error', async () => {
    const result = await runCli(['deploy', 'sink', '--user', '7', '--dry-run=later']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--dry-run must be server or client, not "later".');
  });
});
