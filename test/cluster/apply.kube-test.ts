// src/cluster/apply.ts, discovery.ts and wait.ts against a real API server with upstream CRDs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObject, cleanup, deleteObject, getObject, listManaged, managedLabels, type KubeObject } from '../../src/cluster/apply.js';
import type { ClusterClient } from '../../src/cluster/connect.js';
import { resolveApiVersions, servedVersions } from '../../src/cluster/discovery.js';
import { waitForReady } from '../../src/cluster/wait.js';
import { FirehoseError } from '../../src/errors.js';
import { deleteCrds, installCrds, kubeJson, kubeRequest } from '../support/kube-cluster.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';

let env: KubeEnv;
let admin: ClusterClient;

beforeAll(async () => {
  env = await startKubeEnv();
  await installCrds(env.cluster.kubeconfig, [
    'strimzi-0.45.0__install__043-Crd-kafkatopic.yaml',
    'strimzi-0.45.0__install__040-Crd-kafka.yaml',
    'knative-serving__service.yaml',
  ]);
  await env.namespaces('kafka', 'lab-7');
  admin = await env.connect('admin', 'lab-7');
});

afterAll(async () => {
  await env?.stop();
});

function topic(name: string, user = 7, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'KafkaTopic',
    metadata: { name, namespace: 'kafka', labels: { 'strimzi.io/cluster': 'my-cluster', ...managedLabels(user) }, ...extra },
    spec: { partitions: 10, replicas: 1 },
  };
}

async function caught(p: Promise<unknown>): Promise<FirehoseError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FirehoseError);
  return error as FirehoseError;
}

const topicPath = (name: string) => `/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics/${name}`;

describe('discovery', () => {
  it('servedVersions: preferred first (Strimzi 0.45 KafkaTopic: v1beta2, v1beta1, v1alpha1)', async () => {
    expect(await servedVersions(admin, 'kafka.strimzi.io', 'KafkaTopic')).toEqual(['v1beta2', 'v1beta1', 'v1alpha1']);
    expect(await servedVersions(admin, 'kafka.strimzi.io', 'Kafka')).toEqual(['v1beta2']);
    expect(await servedVersions(admin, 'sources.knative.dev', 'KafkaSource')).toEqual([]);
    expect(await servedVersions(admin, '', 'ConfigMap')).toEqual(['v1']);
  });

  it('resolveApiVersions: preferred served version; kinds not served are absent', async () => {
    const versions = await resolveApiVersions(admin, [
      { group: 'kafka.strimzi.io', kind: 'KafkaTopic' },
      { group: 'kafka.strimzi.io', kind: 'KafkaMirrorMaker2' },
      { group: 'serving.knative.dev', kind: 'Service' },
      { group: 'sources.knative.dev', kind: 'KafkaSource' },
      { group: '', kind: 'ConfigMap' },
    ]);
    expect(versions).toEqual({ KafkaTopic: 'kafka.strimzi.io/v1beta2', Service: 'serving.knative.dev/v1', ConfigMap: 'v1' });
  });
});

describe('applyObject', () => {
  it('creates, then reports unchanged on the second run; the object reads back with its labels', async () => {
    const first = await applyObject(admin, topic('my-topic-7'));
    expect(first.action).toBe('created');
    expect(first.object.metadata.uid).toBeTruthy();
    const second = await applyObject(admin, topic('my-topic-7'));
    expect(second.action).toBe('unchanged');
    expect(second.object.metadata.resourceVersion).toBe(first.object.metadata.resourceVersion);

    const read = await kubeJson<KubeObject>(env.admin, 'GET', topicPath('my-topic-7'));
    expect(read.spec).toEqual({ partitions: 10, replicas: 1 });
    expect(read.metadata.labels).toEqual({
      'strimzi.io/cluster': 'my-cluster', 'app.kubernetes.io/managed-by': 'firehose', 'firehose.dev/user': '7',
    });
    expect((read.metadata.managedFields as Array<{ manager: string }>).map((f) => f.manager)).toContain('firehose');
    expect((await getObject(admin, topic('my-topic-7')))?.metadata.uid).toBe(first.object.metadata.uid);

    // A changed spec is "configured".
    const changed = topic('my-topic-7');
    changed.spec = { partitions: 12, replicas: 1 };
    expect((await applyObject(admin, changed)).action).toBe('configured');
    expect((await applyObject(admin, changed)).action).toBe('unchanged');
  });

  it('uses the client\'s namespace when the object names none', async () => {
    const ksvc: KubeObject = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'eventinghello', labels: managedLabels(7) },
      spec: { template: { spec: { containerConcurrency: 1, containers: [{ image: 'quay.io/rhdevelopers/eventinghello:0.0.2' }] } } },
    };
    const result = await applyObject(admin, ksvc);
    expect(result.action).toBe('created');
    expect(result.object.metadata.namespace).toBe('lab-7');
  });

  it('dryRun validates on the server and stores nothing', async () => {
    const result = await applyObject(admin, topic('dry-topic-7'), { dryRun: true });
    expect(result.action).toBe('created');
    expect(result.object.metadata.name).toBe('dry-topic-7');
    expect((await kubeRequest(env.admin, 'GET', topicPath('dry-topic-7'))).status).toBe(404);
    // On an existing object: unchanged / configured, and still nothing written.
    const before = await kubeJson<KubeObject>(env.admin, 'GET', topicPath('my-topic-7'));
    const same = topic('my-topic-7');
    same.spec = { partitions: 12, replicas: 1 };
    expect((await applyObject(admin, same, { dryRun: true })).action).toBe('unchanged');
    const changed = topic('my-topic-7');
    changed.spec = { partitions: 20, replicas: 1 };
    expect((await applyObject(admin, changed, { dryRun: true })).action).toBe('configured');
    const after = await kubeJson<KubeObject>(env.admin, 'GET', topicPath('my-topic-7'));
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec).toEqual({ partitions: 12, replicas: 1 });
  });

  it('SCHEMA_REJECTED (422) names the field and the server\'s message', async () => {
    const bad = topic('bad-topic-7');
    bad.spec = { partitions: 0, replicas: 1 };
    const error = await caught(applyObject(admin, bad));
    expect(error.code).toBe('SCHEMA_REJECTED');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^The cluster rejected apply KafkaTopic bad-topic-7 in kafka: spec\.partitions: Invalid value: 0: spec\.partitions in body should be greater than or equal to 1/);
    expect(error.message).not.toContain('\n');
    expect(error.hint).toBeTruthy();
    expect((await kubeRequest(env.admin, 'GET', topicPath('bad-topic-7'))).status).toBe(404);
  });

  it('SCHEMA_REJECTED for a wrong type too (server-side apply answers 500 "failed to create typed patch object")', async () => {
    const bad = topic('bad-topic-7');
    bad.spec = { partitions: 'ten', replicas: 1 };
    const error = await caught(applyObject(admin, bad));
    expect(error.code).toBe('SCHEMA_REJECTED');
    expect(error.message).toBe('The cluster rejected apply KafkaTopic bad-topic-7 in kafka: spec.partitions: expected numeric (int or float), got string');
  });

  it('CLUSTER_FORBIDDEN for user7 (no RBAC rights)', async () => {
    const user7 = await env.connect('user7', 'lab-7');
    const error = await caught(applyObject(user7, topic('my-topic-7')));
    expect(error.code).toBe('CLUSTER_FORBIDDEN');
    expect(error.message).toMatch(/^Not allowed to apply KafkaTopic my-topic-7 in kafka: .*"user7" cannot get resource "kafkatopics" in API group "kafka.strimzi.io" in the namespace "kafka"/);
    expect(error.hint).toBeTruthy();
  });

  it('KIND_NOT_INSTALLED for a KafkaSource before its CRD, then applies once it is installed', async () => {
    const source: KubeObject = {
      apiVersion: 'sources.knative.dev/v1',
      kind: 'KafkaSource',
      metadata: { name: 'mykafka-source', labels: managedLabels(7) },
      spec: {
        consumerGroup: 'knative-group-7',
        bootstrapServers: ['my-cluster-kafka-bootstrap.kafka:9092'],
        topics: ['my-topic-7'],
        sink: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'eventinghello' } },
      },
    };
    const error = await caught(applyObject(admin, source));
    expect(error.code).toBe('KIND_NOT_INSTALLED');
    expect(error.message).toMatch(/^KafkaSource is not installed on this cluster: install Knative's Kafka source/);
    expect(error.hint).toMatch(/oc api-resources --api-group=sources.knative.dev/);

    await installCrds(env.cluster.kubeconfig, ['eventing-kafka-broker__kafkasource.yaml']);
    expect(await servedVersions(admin, 'sources.knative.dev', 'KafkaSource')).toEqual(['v1', 'v1beta1']);
    expect((await applyObject(admin, source)).action).toBe('created');

    // A version the cluster does not serve, while another one is: says which.
    const old = await caught(applyObject(admin, { ...topic('x'), apiVersion: 'kafka.strimzi.io/v1' }));
    expect(old.code).toBe('API_VERSION_NOT_SERVED');
    expect(old.message).toBe('This cluster serves KafkaTopic as kafka.strimzi.io/v1beta2, kafka.strimzi.io/v1beta1, kafka.strimzi.io/v1alpha1, not kafka.strimzi.io/v1.');
  });
});

describe('cleanup', () => {
  it('removes only this user\'s firehose objects', async () => {
    await applyObject(admin, topic('my-topic-8', 8));
    await applyObject(admin, topic('my-topic-7-extra', 7));
    // Unlabelled (made by hand) and labelled by someone else's tool: must survive.
    await kubeJson(env.admin, 'POST', '/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics', {
      body: { ...topic('hand-made-7'), metadata: { name: 'hand-made-7', namespace: 'kafka', labels: { 'firehose.dev/user': '7' } } },
    });
    await kubeJson(env.admin, 'POST', '/api/v1/namespaces/lab-7/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine-7', labels: managedLabels(7) }, data: { a: 'b' } },
    });
    await kubeJson(env.admin, 'POST', '/api/v1/namespaces/lab-7/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' }, data: { a: 'b' } },
    });

    const names = (items: Array<{ kind: string; name: string; namespace?: string }>) =>
      items.map((i) => `${i.kind} ${i.namespace}/${i.name}`).sort();
    expect(names((await listManaged(admin, { namespace: 'lab-7', user: 7 })).found)).toEqual([
      'ConfigMap lab-7/mine-7', 'KafkaSource lab-7/mykafka-source', 'Service lab-7/eventinghello',
    ]);
    const { found: everywhere, skipped: none } = await listManaged(admin, { user: 7 });
    expect(none).toEqual([]);
    expect(names(everywhere)).toEqual([
      'ConfigMap lab-7/mine-7', 'KafkaSource lab-7/mykafka-source', 'KafkaTopic kafka/my-topic-7', 'KafkaTopic kafka/my-topic-7-extra',
      'Service lab-7/eventinghello',
    ]);

    // dryRun: reports, deletes nothing.
    expect(names((await cleanup(admin, { user: 7, dryRun: true })).removed)).toEqual(names(everywhere));
    expect(names((await listManaged(admin, { user: 7 })).found)).toEqual(names(everywhere));

    const { removed, skipped } = await cleanup(admin, { namespace: 'kafka', user: 7 });
    expect(skipped).toEqual([]);
    expect(names(removed)).toEqual(['KafkaTopic kafka/my-topic-7', 'KafkaTopic kafka/my-topic-7-extra']);
    const { removed: removed2 } = await cleanup(admin, { namespace: 'lab-7', user: 7 });
    expect(names(removed2)).toEqual(['ConfigMap lab-7/mine-7', 'KafkaSource lab-7/mykafka-source', 'Service lab-7/eventinghello']);
    expect((await listManaged(admin, { user: 7 })).found).toEqual([]);

    // Survivors.
    for (const path of [topicPath('my-topic-8'), topicPath('hand-made-7'), '/api/v1/namespaces/lab-7/configmaps/plain']) {
      expect((await kubeRequest(env.admin, 'GET', path)).status).toBe(200);
    }
    expect((await cleanup(admin, { user: 7 })).removed).toEqual([]);
    expect(await deleteObject(admin, topic('my-topic-7'))).toBe(false);
    expect(await deleteObject(admin, topic('my-topic-8', 8))).toBe(true);
  });
});

describe('waitForReady', () => {
  const statusPath = (name: string) => `${topicPath(name)}/status`;
  const setReady = (name: string, conditions: unknown[]) => kubeJson(env.admin, 'PATCH', statusPath(name), {
    body: { status: { conditions } }, contentType: 'application/merge-patch+json',
  });

  it('returns once the status says Ready=True (written on the status subresource)', async () => {
    await applyObject(admin, topic('ready-topic-7'));
    const seen: string[] = [];
    const waiting = waitForReady(admin, topic('ready-topic-7'), {
      timeoutMs: 20_000, intervalMs: 100, onProgress: (s) => seen.push(s.ready ? `${s.ready.type}=${s.ready.status}` : 'none'),
    });
    await new Promise((r) => setTimeout(r, 300));
    await setReady('ready-topic-7', [{ type: 'Ready', status: 'Unknown', reason: 'Reconciling' }]);
    await new Promise((r) => setTimeout(r, 300));
    await setReady('ready-topic-7', [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }]);
    const obj = await waiting;
    expect(obj.metadata.name).toBe('ready-topic-7');
    expect(seen[0]).toBe('none');
    expect(seen.at(-1)).toBe('Ready=True');
    expect(seen).toContain('Ready=Unknown');
  });

  it('fails with the reason when Ready=False has one', async () => {
    await applyObject(admin, topic('failed-topic-7'));
    await setReady('failed-topic-7', [{ type: 'Ready', status: 'False', reason: 'KafkaError', message: 'Replication factor: 3 larger than available brokers: 1.' }]);
    const error = await caught(waitForReady(admin, topic('failed-topic-7'), { timeoutMs: 5_000, intervalMs: 100 }));
    expect(error.code).toBe('NOT_READY_FAILED');
    expect(error.message).toBe('KafkaTopic failed-topic-7 is not Ready: KafkaError: Replication factor: 3 larger than available brokers: 1.');
  });

  it('times out with the last condition, or "no status yet"', async () => {
    await applyObject(admin, topic('slow-topic-7'));
    const t0 = Date.now();
    const error = await caught(waitForReady(admin, topic('slow-topic-7'), { timeoutMs: 1_000, intervalMs: 100 }));
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(error.code).toBe('NOT_READY');
    expect(error.message).toBe('KafkaTopic slow-topic-7 not Ready after 1 s: no status yet');
    expect(error.hint).toMatch(/--no-wait/);

    await setReady('slow-topic-7', [{ type: 'Ready', status: 'Unknown', reason: 'Pending', message: 'waiting for the topic operator' }]);
    const again = await caught(waitForReady(admin, topic('slow-topic-7'), { timeoutMs: 500, intervalMs: 100 }));
    expect(again.message).toBe('KafkaTopic slow-topic-7 not Ready after 0.5 s: Pending: waiting for the topic operator');
  });

  it('stops when the signal aborts', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const error = await caught(waitForReady(admin, topic('slow-topic-7'), { timeoutMs: 20_000, intervalMs: 100, signal: abort.signal }));
    expect(error.code).toBe('INTERRUPTED');
  });
});

describe('discovery across Strimzi releases', () => {
  it('Strimzi 1.2 CRDs: KafkaTopic and Kafka at v1', async () => {
    await deleteCrds(env.cluster.kubeconfig, ['kafkatopics.kafka.strimzi.io', 'kafkas.kafka.strimzi.io']);
    expect(await resolveApiVersions(admin, [{ group: 'kafka.strimzi.io', kind: 'KafkaTopic' }])).toEqual({});
    await installCrds(env.cluster.kubeconfig, ['strimzi-1.2.0__install__043-Crd-kafkatopic.yaml', 'strimzi-1.2.0__install__040-Crd-kafka.yaml']);
    expect(await resolveApiVersions(admin, [
      { group: 'kafka.strimzi.io', kind: 'KafkaTopic' }, { group: 'kafka.strimzi.io', kind: 'Kafka' },
    ])).toEqual({ KafkaTopic: 'kafka.strimzi.io/v1', Kafka: 'kafka.strimzi.io/v1' });
    expect(await servedVersions(admin, 'kafka.strimzi.io', 'KafkaTopic')).toEqual(['v1']);
    const v1 = { ...topic('my-topic-7'), apiVersion: 'kafka.strimzi.io/v1' };
    expect((await applyObject(admin, v1)).action).toBe('created');
  });
});
