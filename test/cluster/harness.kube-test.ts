// The cluster harness itself: a real kube-apiserver with CRDs, RBAC and kwok's
// fake nodes, pods and pod logs. Not in `npm test`; run with
//   npx vitest run --config vitest.kube.config.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterTargets, fakeNode, installCrds, kubeJson, kubeRequest, kubeStream, kubeTarget, startKubeCluster, writeCriLog,
  KUBE_VERSION, type KubeClusterHandle, type KubeTarget,
} from '../support/kube-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: KubeClusterHandle;
let admin: KubeTarget;
let user7: KubeTarget;
let scratch: string;
let startMs = 0;

beforeAll(async () => {
  const t0 = Date.now();
  cluster = await startKubeCluster();
  startMs = Date.now() - t0;
  ({ admin, user7 } = clusterTargets(cluster));
  scratch = await mkdtemp(join(tmpdir(), 'firehose-kube-harness-'));
});

afterAll(async () => {
  await cluster?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('kube cluster harness', () => {
  it('serves /version of the pinned Kubernetes release', async () => {
    const version = await kubeJson<{ gitVersion: string; major: string; minor: string }>(admin, 'GET', '/version');
    expect(version.gitVersion).toBe(`v${KUBE_VERSION}`);
    expect(`${version.major}.${version.minor}`).toBe(KUBE_VERSION.split('.').slice(0, 2).join('.'));
    console.log(`cluster started in ${startMs} ms`);
  });

  it('writes a kubeconfig whose contexts authenticate admin, admin-cert and user7', async () => {
    for (const context of ['admin', 'admin-cert', 'user7']) {
      const target = await kubeTarget(cluster.kubeconfig, context);
      const review = await kubeJson<{ status: { userInfo: { username: string; groups?: string[] } } }>(
        target, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
      expect(review.status.userInfo.username).toBe(context === 'user7' ? 'user7' : 'admin');
      if (context !== 'user7') expect(review.status.userInfo.groups).toContain('system:masters');
    }
  });

  it('installs the Strimzi 0.45 KafkaTopic and Knative Service CRDs and stores their resources', async () => {
    const names = await installCrds(cluster.kubeconfig, [
      'strimzi-0.45.0__install__043-Crd-kafkatopic.yaml',
      'knative-serving__service.yaml',
    ]);
    expect(names).toEqual(['kafkatopics.kafka.strimzi.io', 'services.serving.knative.dev']);
    // Installing again is a no-op (server-side apply).
    await installCrds(cluster.kubeconfig, ['strimzi-0.45.0__install__043-Crd-kafkatopic.yaml']);

    await kubeJson(admin, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kafka' } } });
    const topic = {
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: { name: 'my-topic-7', namespace: 'kafka', labels: { 'strimzi.io/cluster': 'my-cluster' } },
      spec: { partitions: 10, replicas: 1 },
    };
    await kubeJson(admin, 'POST', '/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics', { body: topic });
    const read = await kubeJson<typeof topic & { metadata: { uid: string } }>(
      admin, 'GET', '/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics/my-topic-7');
    expect(read.spec).toEqual({ partitions: 10, replicas: 1 });
    expect(read.metadata.labels).toEqual({ 'strimzi.io/cluster': 'my-cluster' });
    expect(read.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);

    // The schema is enforced: partitions must be an integer.
    const bad = await kubeRequest(admin, 'POST', '/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics', {
      body: { ...topic, metadata: { ...topic.metadata, name: 'bad' }, spec: { partitions: 'ten' } },
    });
    expect(bad.status).toBe(422);

    // A Knative Service (the workshop's sink) is stored as written: no controller fills its status.
    await kubeJson(admin, 'POST', '/apis/serving.knative.dev/v1/namespaces/default/services', {
      body: {
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name: 'eventinghello' },
        spec: {
          template: {
            metadata: { name: 'eventinghello-v1', annotations: { 'autoscaling.knative.dev/target': '1', 'autoscaling.knative.dev/maxScale': '10' } },
            spec: { containerConcurrency: 1, containers: [{ image: 'quay.io/rhdevelopers/eventinghello:0.0.2' }] },
          },
        },
      },
    });
    const ksvc = await kubeJson<{ spec: { template: { spec: { containerConcurrency: number } } }; status?: unknown }>(
      admin, 'GET', '/apis/serving.knative.dev/v1/namespaces/default/services/eventinghello');
    expect(ksvc.spec.template.spec.containerConcurrency).toBe(1);
    expect(ksvc.status).toBeUndefined();

    // apiextensions.k8s.io/v1beta1 CRDs (Strimzi 0.20) cannot be installed any more.
    await expect(installCrds(cluster.kubeconfig, ['strimzi-0.20.0__install__043-Crd-kafkatopic.yaml'])).rejects.toThrow(/v1beta1/);

    // RBAC: user7 has no rights on it.
    const denied = await kubeRequest(user7, 'GET', '/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics');
    expect(denied.status).toBe(403);
    expect(denied.json().reason).toBe('Forbidden');
  });

  it('runs a pod on a kwok node and serves its log (also with follow) from a CRI log file', async () => {
    await kubeJson(admin, 'POST', '/api/v1/nodes', { body: fakeNode('kwok-node-0') });
    await waitFor(async () => {
      const node = await kubeJson<{ status?: { conditions?: { type: string; status: string }[] } }>(admin, 'GET', '/api/v1/nodes/kwok-node-0');
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    }, { timeoutMs: 30_000, what: 'node kwok-node-0 to be Ready' });

    // No scheduler: the pod names its node.
    await kubeJson(admin, 'POST', '/api/v1/namespaces/default/pods', {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'eventinghello-1', labels: { app: 'eventinghello' } },
        spec: { nodeName: 'kwok-node-0', containers: [{ name: 'user-container', image: 'quay.io/rhdevelopers/eventinghello:0.0.2' }] },
      },
    });
    const pod = await waitFor(async () => {
      const p = await kubeJson<{ status?: { phase?: string; podIP?: string } }>(admin, 'GET', '/api/v1/namespaces/default/pods/eventinghello-1');
      return p.status?.phase === 'Running' ? p : undefined;
    }, { timeoutMs: 30_000, what: 'pod eventinghello-1 to be Running' });
    expect(pod.status?.podIP).toBeTruthy();

    const logFile = join(scratch, 'eventinghello-1.log');
    await writeCriLog(logFile, ['INFO [eventing-hello] (executor-thread-1) POST:this is a test']);
    await kubeJson(admin, 'POST', '/apis/kwok.x-k8s.io/v1alpha1/namespaces/default/logs', {
      body: {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'Logs',
        metadata: { name: 'eventinghello-1', namespace: 'default' },
        spec: { logs: [{ containers: ['user-container'], logsFile: logFile, follow: true }] },
      },
    });
    const logPath = '/api/v1/namespaces/default/pods/eventinghello-1/log?container=user-container';
    // kwok picks the Logs object up through a watch: poll until it serves the file.
    const text = await waitFor(async () => {
      const res = await kubeRequest(admin, 'GET', logPath);
      return res.status === 200 && res.text.includes('POST:this is a test') ? res.text : undefined;
    }, { timeoutMs: 30_000, what: 'the pod log through kwok' });
    expect(text).toBe('INFO [eventing-hello] (executor-thread-1) POST:this is a test\n');

    // logs -f: a line appended to the file arrives on the open stream.
    const abort = new AbortController();
    const stream = await kubeStream(admin, 'GET', `${logPath}&follow=true`, { signal: abort.signal, timeoutMs: 30_000 });
    expect(stream.statusCode).toBe(200);
    let seen = '';
    stream.on('data', (chunk: Buffer) => { seen += chunk.toString('utf8'); });
    stream.on('error', () => { /* aborted below */ });
    try {
      await waitFor(() => seen.includes('POST:this is a test'), { timeoutMs: 15_000, what: 'the first line on the follow stream' });
      await writeCriLog(logFile, ['INFO [eventing-hello] (executor-thread-2) POST:second']);
      await waitFor(() => seen.includes('POST:second'), { timeoutMs: 15_000, what: 'an appended line on the follow stream' });
    } finally {
      abort.abort();
    }
  });
});
