// src/cluster/doctor.ts against a real API server: first bare, then with the lab's pieces faked
// (upstream CRDs, a Kafka CR, kwok pods Running in the Knative namespaces, the default channel ConfigMap).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterClient } from '../../src/cluster/connect.js';
import { runDoctor, type Check } from '../../src/cluster/doctor.js';
import { FirehoseError } from '../../src/errors.js';
import { fakeNode, installCrds, kubeJson } from '../support/kube-cluster.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';
import { waitFor } from '../support/wait.js';

let env: KubeEnv;
let admin: ClusterClient;

beforeAll(async () => {
  env = await startKubeEnv();
  admin = await env.connect('admin');
});

afterAll(async () => {
  await env?.stop();
});

function byName(checks: Check[]): Record<string, Check> {
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

const ALL = [
  'API server', 'API kafka.strimzi.io', 'API sources.knative.dev', 'API messaging.knative.dev', 'API eventing.knative.dev',
  'API serving.knative.dev', 'Kafka my-cluster in kafka', 'pods in knative-eventing', 'pods in knative-sources',
  'default channel (KafkaChannel)',
];

async function runningPod(namespace: string, name: string): Promise<void> {
  await kubeJson(env.admin, 'POST', `/api/v1/namespaces/${namespace}/pods`, {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'kwok-node-0', containers: [{ name: 'c', image: 'example/controller' }] } },
  });
  await waitFor(async () => (await kubeJson<{ status?: { phase?: string } }>(env.admin, 'GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).status?.phase === 'Running',
    { timeoutMs: 30_000, what: `pod ${namespace}/${name} Running` });
}

describe('runDoctor', () => {
  it('on a bare cluster: ✓ API server, ✗ everything else, each with a hint', async () => {
    const checks = await runDoctor(admin);
    expect(checks.map((c) => c.name)).toEqual(ALL);
    const c = byName(checks);
    expect(c['API server']!.ok).toBe(true);
    expect(c['API server']!.detail).toContain(env.cluster.server);
    for (const check of checks.slice(1)) {
      expect(check.ok, check.name).toBe(false);
      expect(check.hint, check.name).toBeTruthy();
    }
    expect(c['API kafka.strimzi.io']!.detail).toBe('not served: Kafka, KafkaTopic');
    expect(c['API kafka.strimzi.io']!.hint).toMatch(/Strimzi/);
    expect(c['API sources.knative.dev']!.hint).toMatch(/Kafka source/);
    expect(c['pods in knative-eventing']!.detail).toBe('no pods');
    expect(c['default channel (KafkaChannel)']!.detail).toBe('no ConfigMap default-ch-webhook in knative-eventing');
  });

  it('reports the Kafka bootstrap check only when one is given', async () => {
    const failing = byName(await runDoctor(admin, {
      kafkaCheck: async () => { throw new FirehoseError('KAFKA_UNREACHABLE', 'Cannot reach Kafka at h:9092: ECONNREFUSED', { hint: 'Check --bootstrap' }); },
    }));
    expect(failing['Kafka bootstrap']).toEqual({ name: 'Kafka bootstrap', ok: false, detail: 'Cannot reach Kafka at h:9092: ECONNREFUSED', hint: 'Check --bootstrap' });
    const passing = byName(await runDoctor(admin, { kafkaCheck: async () => {} }));
    expect(passing['Kafka bootstrap']!.ok).toBe(true);
  });

  it('with the lab installed: ✓ everywhere', async () => {
    await installCrds(env.cluster.kubeconfig, [
      'strimzi-0.45.0__install__040-Crd-kafka.yaml', 'strimzi-0.45.0__install__043-Crd-kafkatopic.yaml',
      'eventing-kafka-broker__kafkasource.yaml', 'eventing-kafka-broker__kafkachannel.yaml',
      'knative-eventing__channel.yaml', 'knative-eventing__subscription.yaml',
      'knative-eventing__broker.yaml', 'knative-eventing__trigger.yaml', 'knative-serving__service.yaml',
    ]);
    // Half-way: CRDs only.
    const partial = byName(await runDoctor(admin));
    expect(partial['API kafka.strimzi.io']).toMatchObject({ ok: true, detail: 'Kafka v1beta2, KafkaTopic v1beta2' });
    expect(partial['API messaging.knative.dev']).toMatchObject({ ok: true, detail: 'Channel v1, Subscription v1, KafkaChannel v1' });
    expect(partial['Kafka my-cluster in kafka']).toMatchObject({ ok: false, detail: 'not found' });

    await env.namespaces('kafka', 'knative-eventing', 'knative-sources');
    await kubeJson(env.admin, 'POST', '/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkas', {
      body: {
        apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'Kafka', metadata: { name: 'my-cluster' },
        spec: {
          kafka: { replicas: 1, listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }], storage: { type: 'ephemeral' } },
          zookeeper: { replicas: 1, storage: { type: 'ephemeral' } },
        },
      },
    });
    // A ConfigMap that names another channel is ✗ ...
    await kubeJson(env.admin, 'POST', '/api/v1/namespaces/knative-eventing/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'default-ch-webhook' },
        data: { 'default-ch-config': 'clusterDefault:\n  apiVersion: messaging.knative.dev/v1\n  kind: InMemoryChannel\n' } },
    });
    const inMemory = byName(await runDoctor(admin));
    expect(inMemory['default channel (KafkaChannel)']).toMatchObject({ ok: false, detail: 'ConfigMap default-ch-webhook in knative-eventing does not name KafkaChannel' });
    // ... the workshop's one (kafka-channel-configmap.yml) is ✓.
    await kubeJson(env.admin, 'PUT', '/api/v1/namespaces/knative-eventing/configmaps/default-ch-webhook', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'default-ch-webhook' },
        data: { 'default-ch-config': 'clusterDefault:\n  apiVersion: messaging.knative.dev/v1beta1\n  kind: KafkaChannel\n  spec:\n    numPartitions: 1\n    replicationFactor: 1\n' } },
    });

    await kubeJson(env.admin, 'POST', '/api/v1/nodes', { body: fakeNode('kwok-node-0') });
    await runningPod('knative-eventing', 'eventing-controller-1');
    // Pods that are not Running do not count.
    await kubeJson(env.admin, 'POST', '/api/v1/namespaces/knative-sources/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unscheduled' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    });
    const sourcesPending = byName(await runDoctor(admin));
    expect(sourcesPending['pods in knative-eventing']).toMatchObject({ ok: true, detail: '1 Running (eventing-controller-1)' });
    expect(sourcesPending['pods in knative-sources']).toMatchObject({ ok: false, detail: '1 pods, none Running' });
    await runningPod('knative-sources', 'kafka-source-dispatcher-1');

    const checks = await runDoctor(admin, { kafkaCheck: async () => {} });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    const c = byName(checks);
    expect(c['Kafka my-cluster in kafka']!.detail).toBe('exists (no status yet)');
    expect(c['default channel (KafkaChannel)']!.detail).toBe('ConfigMap default-ch-webhook in knative-eventing names KafkaChannel');
    expect(checks.map((x) => x.name)).toEqual([...ALL, 'Kafka bootstrap']);

    // No bootstrap given: the Kafka CR's internal bootstrap is what gets checked, not localhost:9092.
    let checked: string[] = [];
    await runDoctor(admin, { kafkaCheck: async (brokers) => { checked = brokers; } });
    expect(checked).toEqual(['my-cluster-kafka-bootstrap.kafka.svc:9092']);
    await runDoctor(admin, { kafkaAccess: { brokers: ['given:9093'] }, kafkaCheck: async (brokers) => { checked = brokers; } });
    expect(checked).toEqual(['given:9093']);
  });

  it('--edge adds seed 002\'s APIs: ✗ Camel K with what to install, ✓ once its Integration CRD is there', async () => {
    const before = byName(await runDoctor(admin, { edge: true }));
    expect(before['API kafka.strimzi.io']).toMatchObject({ ok: false, detail: 'not served: KafkaMirrorMaker2; served: Kafka v1beta2, KafkaTopic v1beta2' });
    expect(before['API camel.apache.org']).toMatchObject({ ok: false, detail: 'not served: Integration' });
    expect(before['API camel.apache.org']!.hint).toMatch(/Camel K/);
    expect(Object.keys(byName(await runDoctor(admin)))).not.toContain('API camel.apache.org');
    await installCrds(env.cluster.kubeconfig, ['strimzi-0.45.0__install__048-Crd-kafkamirrormaker2.yaml', 'camel-k-minimal__integration.yaml']);
    const after = byName(await runDoctor(admin, { edge: true }));
    expect(after['API kafka.strimzi.io']).toMatchObject({ ok: true, detail: 'Kafka v1beta2, KafkaTopic v1beta2, KafkaMirrorMaker2 v1beta2' });
    expect(after['API camel.apache.org']).toMatchObject({ ok: true, detail: 'Integration v1' });

    // With the Kafka check's topics: are the factory's topics mirrored here?
    const topics = ['manuela-factory.iot-sensor-sw-temperature', 'manuela-factory.iot-sensor-sw-vibration', 'heartbeats'];
    const mirrored = byName(await runDoctor(admin, { edge: true, kafkaCheck: async () => topics }));
    expect(mirrored['mirrored topics (manuela-factory.*)']).toMatchObject({ ok: true, detail: '2: manuela-factory.iot-sensor-sw-temperature, manuela-factory.iot-sensor-sw-vibration' });
    const none = byName(await runDoctor(admin, { edge: true, mirrorAlias: 'factory-2', kafkaCheck: async () => topics }));
    expect(none['mirrored topics (factory-2.*)']).toMatchObject({ ok: false, detail: 'none of the 3 topics starts with factory-2.' });
    expect(none['mirrored topics (factory-2.*)']!.hint).toMatch(/firehose mirror run --source-alias factory-2/);
    expect(Object.keys(byName(await runDoctor(admin, { kafkaCheck: async () => topics })))).not.toContain('mirrored topics (manuela-factory.*)');
  });

  it('as user7 (no RBAC rights): the checks that need reading say forbidden', async () => {
    const user7 = await env.connect('user7');
    const c = byName(await runDoctor(user7));
    expect(c['API server']!.ok).toBe(true);
    expect(c['API kafka.strimzi.io']!.ok).toBe(true); // discovery is open to every user
    expect(c['pods in knative-eventing']!.ok).toBe(false);
    expect(c['pods in knative-eventing']!.detail).toMatch(/^Not allowed to list pods in knative-eventing: /);
    expect(c['Kafka my-cluster in kafka']!.detail).toMatch(/^Not allowed to read Kafka my-cluster in kafka/);
  });

  it('an unreachable server: one ✗ and nothing else', async () => {
    const kubeconfig = await env.writeKubeconfig('closed', 'https://127.0.0.1:1');
    const { connectCluster } = await import('../../src/cluster/connect.js');
    const client = await connectCluster({ kubeconfig, env: {}, requestTimeoutMs: 2_000 });
    const checks = await runDoctor(client);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'API server', ok: false });
    expect(checks[0]!.detail).toMatch(/^Cannot reach the API server https:\/\/127\.0\.0\.1:1/);
    expect(checks[0]!.hint).toBeTruthy();
  });
});
