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

async function createCaSecret(namespace: string, name: string, key: string): Promise<void> {
  await kubeJson(env.admin, 'POST', `/api/v1/namespaces/${namespace}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { [key]: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64') } } });
}

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
    // The CA Secret the MirrorMaker2 template names (the workshop creates it by hand).
    await env.namespaces('lab-70');
    for (const ns of [NS, 'lab-70']) await createCaSecret(ns, 'kafka-tls-certificate', 'tls.crt');
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

  it('subscribe names each Subscription for its channel and subscriber: a second one never replaces the first', async () => {
    expect((await firehose(['subscribe', 'ch', '--subscriber', 'event-display', '--no-wait'])).code).toBe(0);
    expect((await firehose(['subscribe', 'kch', '--subscriber', 'eventinghello', '--no-wait'])).code).toBe(0);
    expect((await firehose(['subscribe', 'kch', '--subscriber', 'http://sink.example/path', '--no-wait'])).code).toBe(0);
    const items = (await get(`/apis/messaging.knative.dev/v1/namespaces/${NS}/subscriptions`)).items as any[];
    const byName = Object.fromEntries(items.map((s) => [s.metadata.name, s.spec]));
    expect(byName['ch-event-display']).toMatchObject({ channel: { name: 'ch' }, subscriber: { ref: { name: 'event-display' } } });
    expect(byName['kch-eventinghello']).toMatchObject({ channel: { name: 'kch' }, subscriber: { ref: { name: 'eventinghello' } } });
    expect(byName['kch-sink']).toMatchObject({ channel: { name: 'kch' }, subscriber: { uri: 'http://sink.example/path' } });
  });

  it('mirror checks the CA Secret it names (and its key) before creating anything; --dry-run does not', async () => {
    const argv = ['mirror', '--source-bootstrap', 'factory:9093', '--target-bootstrap', 'central:9093', '--no-wait'];
    const missing = await firehose([...argv, '--trusted-certificate-secret', 'no-such-secret']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: KafkaMirrorMaker2 \S+ names Secret no-such-secret \(spec\.clusters\[\d\]\.tls\.trustedCertificates\[0\]\), which does not exist in namespace lab-7\.$/m);
    expect(missing.stderr).toMatch(/^hint: Create it with the other cluster's CA: oc create secret generic no-such-secret --from-file=tls\.crt=ca\.crt -n lab-7$/m);
    await createCaSecret(NS, 'other-ca', 'ca.crt');
    const noKey = await firehose([...argv, '--trusted-certificate-secret', 'other-ca']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('Secret other-ca has no key tls.crt');
    const mirrors = (await get(`/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkamirrormaker2s`)).items as any[];
    expect(mirrors.some((m) => JSON.stringify(m.spec).includes('no-such-secret') || JSON.stringify(m.spec).includes('other-ca'))).toBe(false);
    expect((await firehose([...argv, '--trusted-certificate-secret', 'other-ca', '--set', 'trustedCertificate=ca.crt'])).code).toBe(0);
    expect((await firehose([...argv, '--trusted-certificate-secret', 'no-such-secret', '--dry-run'])).code).toBe(0);
  });

  it('takes kubectl\'s spellings: --kubeconfig FILE (no KUBECONFIG set), -n, and -A on cleanup', async () => {
    const argv = ['deploy', 'sink', '--no-wait', '--user', '7', '--context', 'admin', '--kubeconfig', env.cluster.kubeconfig, '-n', NS];
    const result = await runCli(argv, { env: {} });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^✓ Service eventinghello (created|configured|unchanged) \(serving\.knative\.dev\/v1, namespace lab-7\)$/m);
    const missing = await runCli(['deploy', 'sink', '--no-wait', '--user', '7', '--kubeconfig', '/nonexistent/kubeconfig'], { env: { KUBECONFIG: env.cluster.kubeconfig } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No kubeconfig at /nonexistent/kubeconfig');
    const everywhere = await runCli(['cleanup', '-A', '--dry-run', '--user', '7', '--context', 'admin', '--output', 'json'], { env: { KUBECONFIG: env.cluster.kubeconfig } });
    expect(everywhere.code, everywhere.stderr).toBe(0);
    expect((JSON.parse(everywhere.stdout) as { removed: Array<{ name: string }> }).removed.map((o) => o.name)).toContain('eventinghello');
  });

  it('trigger create and subscribe take Knative delivery settings and kn references; the CRDs accept them', async () => {
    const trigger = await firehose(['trigger', 'create', 'delivered', '--subscriber', 'svc:js-example-service', '--dead-letter', 'ksvc:event-display', '--retry', '3', '--backoff-delay', '200ms', '--backoff-policy', 'exponential', '--ordering', 'ordered', '--no-wait']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const t = await get(`/apis/eventing.knative.dev/v1/namespaces/${NS}/triggers/delivered`);
    expect(t.spec.subscriber.ref).toEqual({ apiVersion: 'v1', kind: 'Service', name: 'js-example-service' });
    expect(t.spec.delivery).toEqual({ deadLetterSink: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'event-display' } }, retry: 3, backoffDelay: 'PT0.2S', backoffPolicy: 'exponential' });
    expect(t.metadata.annotations['kafka.eventing.knative.dev/delivery.order']).toBe('ordered');
    const sub = await firehose(['subscribe', 'ch', '--subscriber', 'broker:default', '--retry', '2', '--no-wait']);
    expect(sub.code, sub.stderr).toBe(0);
    const s = await get(`/apis/messaging.knative.dev/v1/namespaces/${NS}/subscriptions/ch-default`);
    expect(s.spec.subscriber.ref).toMatchObject({ kind: 'Broker', name: 'default' });
    expect(s.spec.delivery).toEqual({ retry: 2 });
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

  it('delete-topic deletes the KafkaTopic CR (so the topic operator does not bring the topic back) and waits for it to go', async () => {
    const path = `/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkatopics/doomed-7`;
    expect((await firehose(['create-topic', 'doomed-7', '--no-wait'])).code).toBe(0);
    expect((await kubeRequest(env.admin, 'GET', path)).status).toBe(200);
    const result = await firehose(['delete-topic', 'doomed-7']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^✓ Deleted KafkaTopic doomed-7 in lab-7; the Strimzi topic operator deletes the topic in Kafka$/m);
    expect((await kubeRequest(env.admin, 'GET', path)).status).toBe(404);
    const missing = await firehose(['delete-topic', 'doomed-7', '--via', 'cluster']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no KafkaTopic doomed-7 in lab-7.');
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

  it('apply edge-factory: seed 002\'s factory side, each object stored as rendered (the Integration\'s routes kept), then unchanged', async () => {
    await installCrds(env.cluster.kubeconfig, ['camel-k-minimal__integration.yaml']);
    const first = await firehose(['apply', 'edge-factory', '--no-wait'], { user: '72' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').map((l) => l.replace(/ \(.*$/, ''))).toEqual([
      '✓ Kafka manuela-kafka-cluster created', '✓ KafkaTopic iot-sensor-sw-temperature created', '✓ KafkaTopic iot-sensor-sw-vibration created',
      '✓ ConfigMap mqtt2kafka-config created', '✓ Integration mqtt2kafka created',
    ]);
    const integration = await get(`/apis/camel.apache.org/v1/namespaces/${NS}/integrations/mqtt2kafka`);
    expect(integration.spec.flows).toHaveLength(2);
    expect(integration.spec.flows[0].route.from.uri).toBe('paho:{{mqtt.broker.topic.temperature}}');
    expect(integration.metadata.labels).toMatchObject({ 'firehose.dev/user': '72' });
    const topic = await get(`/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkatopics/iot-sensor-sw-vibration`);
    expect(topic.spec).toMatchObject({ partitions: 1, config: { 'retention.ms': 7200000 } });
    const second = await firehose(['apply', 'edge-factory', '--no-wait'], { user: '72' });
    expect(second.stdout.match(/ unchanged /g)).toHaveLength(5);
    const removed = await firehose(['cleanup', '-o', 'name'], { user: '72' });
    expect(removed.stdout.trim().split('\n').sort()).toEqual([
      'configmap/mqtt2kafka-config', 'integration.camel.apache.org/mqtt2kafka', 'kafka.kafka.strimzi.io/manuela-kafka-cluster',
      'kafkatopic.kafka.strimzi.io/iot-sensor-sw-temperature', 'kafkatopic.kafka.strimzi.io/iot-sensor-sw-vibration',
    ]);
  });

  it('apply edge-central: seed 002\'s central side, the Kafka\'s TLS route listener serving the certs Secret as the API server stored it', async () => {
    await installCrds(env.cluster.kubeconfig, ['camel-k-minimal__integration.yaml']);
    const first = await firehose(['apply', 'edge-central', '--no-wait'], { user: '73' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').map((l) => l.replace(/ \(.*$/, ''))).toEqual([
      '✓ Kafka kafka-cluster created', '✓ ConfigMap kafka-to-s3-config created', '✓ Integration kafka-to-s3 created',
    ]);
    const kafka = await get(`/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkas/kafka-cluster`);
    expect(kafka.spec.kafka.listeners.find((l: { name: string }) => l.name === 'external')).toMatchObject({
      type: 'route', tls: true, configuration: { brokerCertChainAndKey: { secretName: 'kafka-tls-certificate-and-key', certificate: 'tls.crt', key: 'tls.key' } },
    });
    const integration = await get(`/apis/camel.apache.org/v1/namespaces/${NS}/integrations/kafka-to-s3`);
    expect(integration.spec.traits.mount.configs).toEqual(['configmap:kafka-to-s3-config', 'secret:kafka-to-s3-credentials']);
    const removed = await firehose(['cleanup', '-o', 'name'], { user: '73' });
    expect(removed.stdout.trim().split('\n').sort()).toEqual([
      'configmap/kafka-to-s3-config', 'integration.camel.apache.org/kafka-to-s3', 'kafka.kafka.strimzi.io/kafka-cluster',
    ]);
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

  it('cleanup skips the kinds it may not list (one warning each), deletes the rest, and exits 1 saying what it skipped', async () => {
    const ns = 'lab-rbac';
    await env.namespaces(ns);
    const asAdmin = (argv: string[]) => runCli([...argv, '--user', '7', '--context', 'admin', '--namespace', ns, '--no-wait'], { env: { KUBECONFIG: env.cluster.kubeconfig } });
    expect((await asAdmin(['deploy', 'sink'])).code).toBe(0);
    expect((await asAdmin(['create-topic', '--via', 'cluster'])).code).toBe(0);
    // user7 may list and delete Knative Services and KafkaTopics here, and nothing else.
    await kubeJson(env.admin, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, { body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'some-kinds' },
      rules: [{ apiGroups: ['serving.knative.dev'], resources: ['services'], verbs: ['list', 'delete'] }, { apiGroups: ['kafka.strimzi.io'], resources: ['kafkatopics'], verbs: ['list', 'delete'] }],
    } });
    await kubeJson(env.admin, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, { body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'user7-some-kinds' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'some-kinds' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'user7' }],
    } });
    const result = await runCli(['cleanup', '--user', '7', '--context', 'user7', '--namespace', ns, '--output', 'json'], { env: { KUBECONFIG: env.cluster.kubeconfig } });
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as { removed: Array<{ kind: string; name: string; metadata?: unknown }>; skipped: Array<{ kind: string }> };
    expect(report.removed.map((o) => `${o.kind} ${o.name}`).sort()).toEqual(['KafkaTopic my-topic-7', 'Service eventinghello']);
    expect(report.removed.every((o) => o.metadata === undefined)).toBe(true);
    expect(report.skipped.map((k) => k.kind)).toContain('KafkaMirrorMaker2');
    expect(result.stderr).toMatch(/"code":"CLUSTER_FORBIDDEN".*Cleanup is incomplete: \d+ kinds could not be listed \(.*KafkaMirrorMaker2/);
    await waitFor(async () => (await kubeRequest(env.admin, 'GET', `/apis/serving.knative.dev/v1/namespaces/${ns}/services/eventinghello`)).status === 404, { timeoutMs: 10_000, what: 'the Service to go' });
    const text = await runCli(['cleanup', '--user', '7', '--context', 'user7', '--namespace', ns], { env: { KUBECONFIG: env.cluster.kubeconfig } });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^warning: skipped KafkaMirrorMaker2: /m);
  });

  it('doctor --output json reports each check, the API groups now ✓', async () => {
    const result = await firehose(['doctor', '--no-kafka', '--output', 'json']);
    const checks = JSON.parse(result.stdout) as Array<{ name: string; ok: boolean }>;
    expect(checks.filter((c) => c.name.includes('kafka.strimzi.io') || c.name.includes('serving.knative.dev')).every((c) => c.ok)).toBe(true);
    expect(checks.some((c) => !c.ok)).toBe(true); // no Knative pods, no Kafka CR here
    // --no-kafka: no Kafka check at all (it used to say ✓ for localhost:9092).
    expect(checks.filter((c) => /^Kafka (address|bootstrap|external|cluster CA)/.test(c.name))).toEqual([]);
    expect(result.code).toBe(1);
  });
});
