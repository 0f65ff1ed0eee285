// The cluster commands end to end (in-process CLI) against a real kube-apiserver with the
// lab's CRDs: apply twice → unchanged, labels, served versions, waits, dry run, cleanup,
// doctor, and the error cases. Nothing reconciles here: the test sets Ready itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { installCrds, kubeJson, kubeRequest } from '../support/kube-cluster.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';
import { waitFor } from '../support/wait.js';

let env: KubeEnv;
const NS = 'lab-7';

beforeAll(async () => {
  env = await startKubeEnv();
  await env.namespaces(NS);
});
afterAll(async () => { await env?.stop(); });

function firehose(argv: string[], { user = '7', context = 'admin' } = {}): Promise<CliResult> {
  return runCli([...argv, '--user', user, '--context', context, '--namespace', NS], { env: { KUBECONFIG: env.cluster.kubeconfig } });
}

const get = (path: string) => kubeJson(env.admin, 'GET', path);

describe('before the CRDs are installed', () => {
  it('wire says KafkaSource is not installed, in one line with a hint', async () => {
    const result = await firehose(['wire', '--no-wait']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: KafkaSource is not installed on this cluster: install Knative's Kafka source/m);
    expect(result.stderr).toMatch(/^hint: /m);
  });

  it('create-topic --via cluster refuses; auto falls back to the admin API (and says why it cannot reach Kafka)', async () => {
    const forced = await firehose(['create-topic', '--via', 'cluster', '--no-wait']);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('KafkaTopic is not installed on this cluster');
    const auto = await firehose(['create-topic', '--bootstrap', '127.0.0.1:9', '--connect-timeout', '1s']);
    expect(auto.code).toBe(1);
    expect(auto.stderr).toContain('Cannot reach Kafka at 127.0.0.1:9');
  });

  it('doctor fails with ✗ lines and fix hints', async () => {
    const result = await firehose(['doctor', '--no-kafka']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ .*kafka\.strimzi\.io/m);
    expect(result.stdout).toMatch(/^ {2}fix: /m);
    expect(result.stderr).toMatch(/^error: \d+ of \d+ checks failed\.$/m);
  });
});

describe('with the lab CRDs', () => {
  beforeAll(async () => {
    await installCrds(env.cluster.kubeconfig, [
      'strimzi-0.45.0__install__043-Crd-kafkatopic.yaml', 'strimzi-0.45.0__install__040-Crd-kafka.yaml', 'strimzi-0.45.0__install__048-Crd-kafkamirrormaker2.yaml',
      'knative-serving__service.yaml', 'eventing-kafka-broker__kafkasource.yaml', 'eventing-kafka-broker__kafkachannel.yaml',
      'knative-eventing__broker.yaml', 'knative-eventing__trigger.yaml', 'knative-eventing__channel.yaml', 'knative-eventing__subscription.yaml', 'knative-eventing__inmemorychannel.yaml',
      'eventing-kafka-broker__kafkasink.yaml',
    ]);
  });

  const cases: Array<{ argv: string[]; path: string; check: (o: any) => void }> = [
    {
      argv: ['deploy', 'sink', '--max-scale', '5'],
      path: `/apis/serving.knative.dev/v1/namespaces/${NS}/services/eventinghello`,
      check: (o) => expect(o.spec.template.metadata.annotations['autoscaling.knative.dev/maxScale']).toBe('5'),
    },
    {
      argv: ['wire', '--initial-offset', 'earliest'],
      path: `/apis/sources.knative.dev/v1/namespaces/${NS}/kafkasources/mykafka-source`,
      check: (o) => expect(o.spec).toMatchObject({ consumerGroup: 'knative-group-7', topics: ['my-topic-7'], initialOffset: 'earliest' }),
    },
    {
      argv: ['broker', 'create'],
      path: `/apis/eventing.knative.dev/v1/namespaces/${NS}/brokers/default`,
      check: (o) => expect(o.kind).toBe('Broker'),
    },
    {
      argv: ['trigger', 'create', 'js-trigger', '--subscriber', 'eventinghello', '--filter', 'type=dev.nodeshift.samples.js-example', '--filter', 'source=dev.nodeshift.samples/js-example-source'],
      path: `/apis/eventing.knative.dev/v1/namespaces/${NS}/triggers/js-trigger`,
      check: (o) => expect(o.spec.filter.attributes).toEqual({ type: 'dev.nodeshift.samples.js-example', source: 'dev.nodeshift.samples/js-example-source' }),
    },
    {
      argv: ['channel', 'create', 'my-channel', '--kind', 'InMemoryChannel'],
      path: `/apis/messaging.knative.dev/v1/namespaces/${NS}/channels/my-channel`,
      check: (o) => expect(o.spec.channelTemplate.kind).toBe('InMemoryChannel'),
    },
    {
      argv: ['subscribe', 'my-channel', '--subscriber', 'eventinghello'],
      path: `/apis/messaging.knative.dev/v1/namespaces/${NS}/subscriptions`,
      check: (o) => expect(o.items.some((s: any) => s.spec.channel.name === 'my-channel')).toBe(true),
    },
    {
      argv: ['mirror', '--source-bootstrap', 'factory:9093', '--target-bootstrap', 'central:9093'],
      path: `/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkamirrormaker2s`,
      check: (o) => expect(JSON.stringify(o.items[0].spec)).toContain('factory:9093'),
    },
  ];

  for (const { argv, path, check } of cases) {
    it(`${argv.slice(0, 2).join(' ')}: created, then unchanged; labelled for user 7`, async () => {
      const first = await firehose([...argv, '--no-wait']);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^✓ \S+ \S+ created \(/m);
      const second = await firehose([...argv, '--no-wait']);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/^✓ \S+ \S+ unchanged \(/m);
      const object = await get(path);
      check(object);
      const item = object.items ? object.items[0] : object;
      expect(item.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'firehose', 'firehose.dev/user': '7' });
    });
  }

  // Every template through `firehose apply`; PingSource has no CRD here, so it shows the not-installed error.
  const templates = ['kafka-topic', 'sink', 'kafka-source', 'broker', 'trigger', 'channel', 'kafka-channel', 'in-memory-channel', 'subscription', 'kafka-sink', 'event-display', 'mirror-maker2', 'mqtt2kafka', 'kafka-to-s3'];
  it.each(templates)('apply %s: created-or-unchanged twice, read back with the user label', async (template) => {
    // Another user in their own namespace, as in the lab (object names are the same for everyone).
    const argv = ['apply', template, '--no-wait', '--user', '70', '--context', 'admin', '--namespace', 'lab-70'];
    await env.namespaces('lab-70');
    const first = await runCli(argv, { env: { KUBECONFIG: env.cluster.kubeconfig } });
    expect(first.code, first.stderr).toBe(0);
    const [, kind, name] = /^✓ (\S+) (\S+) (?:created|unchanged) \((\S+),/m.exec(first.stdout) ?? [];
    expect(kind, first.stdout).toBeDefined();
    const second = await runCli([...argv, '--output', 'json'], { env: { KUBECONFIG: env.cluster.kubeconfig } });
    const [applied] = JSON.parse(second.stdout) as Array<{ action: string; apiVersion: string; kind: string; name: string }>;
    expect(applied).toMatchObject({ action: 'unchanged', kind, name });
    const plural = `${kind!.toLowerCase()}s`.replace(/ys$/, 'ies');
    const base = applied!.apiVersion.includes('/') ? `/apis/${applied!.apiVersion}` : `/api/${applied!.apiVersion}`;
    const object = await get(`${base}/namespaces/lab-70/${kind === 'KafkaMirrorMaker2' ? 'kafkamirrormaker2s' : plural}/${name}`);
    expect(object.metadata.labels['firehose.dev/user']).toBe('70');
  });

  it('apply ping-source on a cluster without PingSource says it is not installed', async () => {
    const result = await firehose(['apply', 'ping-source', '--no-wait']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: PingSource is not installed on this cluster/m);
  });

  it('create-topic applies a KafkaTopic CR at the served version and waits for Ready', async () => {
    const path = `/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkatopics/my-topic-7`;
    const running = firehose(['create-topic', '--timeout', '30s']);
    await waitFor(async () => (await kubeRequest(env.admin, 'GET', path)).status === 200, { timeoutMs: 20_000, what: 'the KafkaTopic to exist' });
    await kubeJson(env.admin, 'PATCH', `${path}/status`, {
      body: { status: { conditions: [{ type: 'Ready', status: 'True' }], observedGeneration: 1 } },
      contentType: 'application/merge-patch+json',
    });
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^✓ KafkaTopic my-topic-7 created, Ready \(kafka\.strimzi\.io\/v1beta2/m);
    expect(result.stderr).toContain('through the KafkaTopic custom resource');
    const topic = await get(path);
    expect(topic.spec).toMatchObject({ partitions: 10, replicas: 1 });
    expect(topic.metadata.labels['strimzi.io/cluster']).toBe('my-cluster');
  });

  it('a KafkaTopic nobody reconciles times out with a clear message', async () => {
    const result = await firehose(['create-topic', 'never-ready-7', '--timeout', '1s']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: KafkaTopic never-ready-7 not Ready after 1 s/m);
  });

  it('--dry-run validates on the server and creates nothing', async () => {
    const result = await firehose(['deploy', 'sink', '--name', 'dry-sink', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('dry run, nothing changed');
    expect(result.stdout).toContain('kind: Service');
    expect((await kubeRequest(env.admin, 'GET', `/apis/serving.knative.dev/v1/namespaces/${NS}/services/dry-sink`)).status).toBe(404);
  });

  it('a schema rejection shows the server\'s field message', async () => {
    // firehose's own checks pass 40000 replicas; the CRD's schema (maximum 32767) does not.
    const rejected = await firehose(['apply', 'kafka-topic', '--set', 'name=bad-7', '--set', 'replicas=40000', '--no-wait']);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toMatch(/^error: .*spec\.replicas/m);
  });

  it('a user without rights gets a one-line forbidden error', async () => {
    const result = await firehose(['deploy', 'sink', '--no-wait'], { context: 'user7' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*forbidden/im);
  });

  it('cleanup removes only this user\'s firehose objects', async () => {
    expect((await firehose(['broker', 'create', 'other-user-broker', '--no-wait'], { user: '8' })).code).toBe(0);
    await kubeJson(env.admin, 'POST', `/apis/eventing.knative.dev/v1/namespaces/${NS}/brokers`, {
      body: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'hand-made' } },
    });
    const dry = await firehose(['cleanup', '--dry-run']);
    expect(dry.stdout).toMatch(/^would delete Service eventinghello/m);
    const result = await firehose(['cleanup']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^✓ deleted KafkaSource mykafka-source/m);
    expect(result.stdout).toMatch(/^✓ deleted KafkaTopic my-topic-7/m);
    expect(result.stdout).not.toContain('other-user-broker');
    await waitFor(async () => (await kubeRequest(env.admin, 'GET', `/apis/sources.knative.dev/v1/namespaces/${NS}/kafkasources/mykafka-source`)).status === 404, { timeoutMs: 10_000, what: 'the KafkaSource to go' });
    expect((await kubeRequest(env.admin, 'GET', `/apis/eventing.knative.dev/v1/namespaces/${NS}/brokers/other-user-broker`)).status).toBe(200);
    expect((await kubeRequest(env.admin, 'GET', `/apis/eventing.knative.dev/v1/namespaces/${NS}/brokers/hand-made`)).status).toBe(200);
    const again = await firehose(['cleanup']);
    expect(again.stderr).toContain("Nothing of user 7's to delete");
  });

  it('doctor --output json reports each check, the API groups now ✓', async () => {
    const result = await firehose(['doctor', '--no-kafka', '--output', 'json']);
    const checks = JSON.parse(result.stdout) as Array<{ name: string; ok: boolean }>;
    expect(checks.filter((c) => c.name.includes('kafka.strimzi.io') || c.name.includes('serving.knative.dev')).every((c) => c.ok)).toBe(true);
    expect(checks.some((c) => !c.ok)).toBe(true); // no Knative pods, no Kafka CR here
    expect(result.code).toBe(1);
  });
});
