// Reaching an in-cluster Kafka from "a laptop": the lab's bootstrap
// my-cluster-kafka-bootstrap.kafka:9092 does not resolve here, so firehose port-forwards
// through the API server to the broker pod. The pod is a kwok fake whose port 9092 kwok's
// PortForward forwards to a real Kafka broker; that broker's CLUSTER listener advertises
// what a Strimzi broker does (my-cluster-kafka-0.my-cluster-kafka-brokers.kafka.svc:9092),
// so the advertised-address mapping is exercised too. Run with
//   npx vitest run --config vitest.kube.config.ts test/cluster/kafka-tunnel.kube-test.ts
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterTunnel } from '../../src/cluster/port-forward.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startKafka, type KafkaHandle } from '../support/kafka.js';
import { uniqueName } from '../support/kafka-env.js';
import { fakeNode, installCrds, kubeJson } from '../support/kube-cluster.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';
import { waitFor } from '../support/wait.js';

const NS = 'kafka';
const NODE = 'kwok-kafka-0';
const POD = 'my-cluster-kafka-0';
const BOOTSTRAP = 'my-cluster-kafka-bootstrap.kafka:9092';
const ADVERTISED = `${POD}.my-cluster-kafka-brokers.kafka.svc:9092`;
const LABELS = { 'strimzi.io/cluster': 'my-cluster', 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': 'my-cluster-kafka' };
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfakeclusterca\n-----END CERTIFICATE-----\n';

let env: KubeEnv;
let kafka: KafkaHandle;

function service(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS, labels: LABELS }, spec };
}

beforeAll(async () => {
  [env, kafka] = await Promise.all([
    startKubeEnv(),
    startKafka({ extraListeners: [{ name: 'CLUSTER', advertised: ADVERTISED }] }),
  ]);
  const clusterListener = kafka.extraListeners!.CLUSTER!;
  await env.namespaces(NS);
  await kubeJson(env.admin, 'POST', '/api/v1/nodes', { body: fakeNode(NODE) });
  const post = (path: string, body: unknown) => kubeJson(env.admin, 'POST', path, { body });
  await post(`/api/v1/namespaces/${NS}/services`, service('my-cluster-kafka-bootstrap', {
    selector: LABELS, ports: [{ name: 'tcp-clients', port: 9092, targetPort: 9092 }],
  }));
  await post(`/api/v1/namespaces/${NS}/services`, service('my-cluster-kafka-brokers', {
    clusterIP: 'None', selector: LABELS, ports: [{ name: 'tcp-clients', port: 9092, targetPort: 9092 }],
  }));
  // Same pods, but a named targetPort (resolved through the pod's container ports).
  await post(`/api/v1/namespaces/${NS}/services`, service('named-port-bootstrap', {
    selector: LABELS, ports: [{ port: 19092, targetPort: 'tcp-clients' }],
  }));
  // A Service whose pods do not exist.
  await post(`/api/v1/namespaces/${NS}/services`, service('ghost-kafka-bootstrap', {
    selector: { 'strimzi.io/cluster': 'ghost' }, ports: [{ port: 9092, targetPort: 9092 }],
  }));
  await post(`/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: POD, labels: LABELS },
    spec: { nodeName: NODE, containers: [{ name: 'kafka', image: 'quay.io/strimzi/kafka', ports: [{ name: 'tcp-clients', containerPort: 9092 }] }] },
  });
  // kwok answers pods/portforward for this pod's port 9092 by dialing the real broker's CLUSTER listener.
  const [address, port] = clusterListener.split(':');
  await post(`/apis/kwok.x-k8s.io/v1alpha1/namespaces/${NS}/portforwards`, {
    apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'PortForward',
    metadata: { name: POD, namespace: NS },
    spec: { forwards: [{ ports: [9092], target: { address, port: Number(port) } }] },
  });
  // user7 may read services and pods in kafka, but not port-forward.
  await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'read-only', namespace: NS },
    rules: [{ apiGroups: [''], resources: ['services', 'pods'], verbs: ['get', 'list'] }],
  });
  await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'user7-read-only', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-only' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'user7' }],
  });
  await waitFor(async () => {
    const pod = await kubeJson<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(env.admin, 'GET', `/api/v1/namespaces/${NS}/pods/${POD}`);
    return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  }, { timeoutMs: 30_000, what: `pod ${POD} to be Ready` });
});

afterAll(async () => {
  await Promise.all([env?.stop(), kafka?.stop()]);
});

/** firehose in-process, with the test cluster's kubeconfig (context admin) and nothing from this shell. */
function firehose(argv: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(argv, { env: { KUBECONFIG: env.cluster.kubeconfig, ...extraEnv } });
}

/** The error output is one `error:` line and one `hint:` line, nothing else (no stack). */
function expectOneLineError(result: CliResult): string {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[1]).toMatch(/^hint: /);
  return lines[0]!;
}

describe('the tunnel to the in-cluster Kafka', () => {
  it('maps the bootstrap Service, the advertised broker address, a named targetPort, pod names and pod IPs to the pod', async () => {
    const client = await env.connect('admin');
    const tunnel = createClusterTunnel(client, [BOOTSTRAP]);
    expect(await tunnel.resolve('my-cluster-kafka-bootstrap.kafka', 9092)).toEqual({ namespace: NS, pod: POD, port: 9092, via: 'Service my-cluster-kafka-bootstrap' });
    expect(await tunnel.resolve('my-cluster-kafka-bootstrap.kafka.svc.cluster.local', 9092)).toMatchObject({ pod: POD, port: 9092 });
    expect(await tunnel.resolve(`${POD}.my-cluster-kafka-brokers.kafka.svc`, 9092)).toEqual({ namespace: NS, pod: POD, port: 9092, via: 'advertised broker address' });
    expect(await tunnel.resolve('named-port-bootstrap.kafka', 19092)).toEqual({ namespace: NS, pod: POD, port: 9092, via: 'Service named-port-bootstrap' });
    // Bare names and IPs are looked up in the bootstrap's namespace (kafka), not the context's (default).
    expect(await tunnel.resolve(POD, 9092)).toEqual({ namespace: NS, pod: POD, port: 9092, via: 'pod address' });
    const podIp = (await kubeJson<{ status: { podIP: string } }>(env.admin, 'GET', `/api/v1/namespaces/${NS}/pods/${POD}`)).status.podIP;
    expect(podIp).toBeTruthy();
    expect(await tunnel.resolve(podIp, 9092)).toEqual({ namespace: NS, pod: POD, port: 9092, via: 'pod address' });
    await expect(tunnel.resolve('my-cluster-kafka-bootstrap.kafka', 9093)).rejects.toThrow('Service my-cluster-kafka-bootstrap in kafka has no port 9093 (it has 9092).');
    await expect(tunnel.resolve('10.254.254.254', 9092)).rejects.toMatchObject({ code: 'KAFKA_ADDRESS_UNMAPPED' });
  });

  it('spam and consume --from-beginning work through port-forward, bootstrap and advertised address both mapped', async () => {
    const topic = uniqueName('tunnel');
    const created = await firehose(['create-topic', topic, '--via', 'admin', '--partitions', '3', '--bootstrap', BOOTSTRAP]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`Created topic ${topic}`);

    const spam = await firehose(['spam', topic, '--times', '10', '--bootstrap', BOOTSTRAP, '--verbose']);
    expect(spam.code, spam.stderr).toBe(0);
    expect(spam.stderr).toMatch(new RegExp(`^Sent 10 messages to ${topic}`, 'm'));
    expect(spam.stderr).toContain("kafka: my-cluster-kafka-bootstrap.kafka does not resolve here (a cluster-internal name): port-forwarding to the broker pods through the Kubernetes API");
    // The seed connection goes through the Service; the produce requests go to the
    // address the broker advertised in Metadata, which only the pod mapping can reach.
    expect(spam.stderr).toContain(`kafka: ${BOOTSTRAP} → pod kafka/${POD} port 9092 (Service my-cluster-kafka-bootstrap)`);
    expect(spam.stderr).toContain(`kafka: ${ADVERTISED} → pod kafka/${POD} port 9092 (advertised broker address)`);

    // The advertised address works as a bootstrap too (pod mapping from the first connection).
    const listed = await firehose(['topics', '--bootstrap', ADVERTISED]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(topic);

    const consumed = await firehose(['consume', topic, '--from-beginning', '--max-messages', '10', '--idle-timeout', '20s', '--bootstrap', BOOTSTRAP]);
    expect(consumed.code, consumed.stderr).toBe(0);
    const values = consumed.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { message: string }).message).sort((a, b) => Number(a.split(': ')[1]) - Number(b.split(': ')[1]));
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => `Sending Message: ${i}`));
  });

  it('--via-cluster (and FIREHOSE_VIA_CLUSTER=1) tunnels a one-label service name in --namespace', async () => {
    const topic = uniqueName('via');
    const created = await firehose(['create-topic', topic, '--via', 'admin', '--partitions', '1', '--via-cluster', '--bootstrap', 'my-cluster-kafka-bootstrap:9092', '--namespace', NS]);
    expect(created.code, created.stderr).toBe(0);
    const listed = await firehose(['topics', '--bootstrap', 'my-cluster-kafka-bootstrap:9092', '--namespace', NS], { FIREHOSE_VIA_CLUSTER: '1' });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(topic);
    // Without it, the one-label name is an ordinary host that does not resolve.
    const direct = await firehose(['topics', '--bootstrap', 'my-cluster-kafka-bootstrap:9092', '--namespace', NS, '--connect-timeout', '2s']);
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('Cannot reach Kafka');
  });
});

describe('errors, each one line with a hint and no hang', () => {
  it('a missing Service is named', async () => {
    const started = Date.now();
    const result = await firehose(['spam', 'any-topic', '--bootstrap', 'nope-kafka-bootstrap.kafka:9092']);
    const line = expectOneLineError(result);
    expect(line).toContain('No Service nope-kafka-bootstrap in namespace kafka (the Kafka bootstrap nope-kafka-bootstrap.kafka:9092).');
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('a Service without ready pods says so', async () => {
    const line = expectOneLineError(await firehose(['consume', 'any-topic', '--bootstrap', 'ghost-kafka-bootstrap.kafka:9092']));
    expect(line).toContain('No pods behind Service ghost-kafka-bootstrap in kafka (selector strimzi.io/cluster=ghost)');
  });

  it('a user without pods/portforward gets a 403 explained, at once', async () => {
    const started = Date.now();
    const result = await firehose(['spam', 'any-topic', '--bootstrap', BOOTSTRAP, '--context', 'user7']);
    const line = expectOneLineError(result);
    expect(line).toBe(`error: Not allowed to port-forward to pod kafka/${POD} port 9092 (pods/portforward in kafka).`);
    expect(result.stderr).toContain('create pods/portforward');
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('no kubeconfig: says why the cluster is involved', async () => {
    const line = expectOneLineError(await firehose(['spam', 'any-topic', '--bootstrap', BOOTSTRAP], { KUBECONFIG: join(env.cluster.dir, 'no-such-kubeconfig') }));
    expect(line).toContain(`${BOOTSTRAP} is a cluster address that does not resolve here, so firehose port-forwards through the Kubernetes API; that failed: No kubeconfig at`);
  });
});

describe('doctor and kafka ca: the external-listener alternative', () => {
  beforeAll(async () => {
    await installCrds(env.cluster.kubeconfig, ['strimzi-0.45.0__install__040-Crd-kafka.yaml']);
    const path = `/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkas`;
    await kubeJson(env.admin, 'POST', path, {
      body: {
        apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'Kafka', metadata: { name: 'my-cluster', namespace: NS },
        spec: {
          kafka: {
            replicas: 1,
            storage: { type: 'ephemeral' },
            listeners: [
              { name: 'plain', port: 9092, type: 'internal', tls: false },
              { name: 'tls', port: 9093, type: 'internal', tls: true },
              { name: 'external', port: 9094, type: 'route', tls: true },
            ],
          },
        },
      },
    });
    // What the operator would report (nothing reconciles here).
    const cr = await kubeJson<Record<string, any>>(env.admin, 'GET', `${path}/my-cluster`);
    cr.status = {
      conditions: [{ type: 'Ready', status: 'True' }],
      listeners: [
        { name: 'plain', bootstrapServers: BOOTSTRAP, addresses: [{ host: 'my-cluster-kafka-bootstrap.kafka.svc', port: 9092 }] },
        { name: 'external', bootstrapServers: 'my-cluster-kafka-external-bootstrap-kafka.apps.example.com:443' },
      ],
    };
    await kubeJson(env.admin, 'PUT', `${path}/my-cluster/status`, { body: cr });
    await kubeJson(env.admin, 'POST', `/api/v1/namespaces/${NS}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-cluster-cluster-ca-cert', namespace: NS }, data: { 'ca.crt': Buffer.from(CA_PEM).toString('base64'), 'ca.password': 'eA==' } },
    });
  });

  it('doctor says the bootstrap does not resolve and goes through port-forward, names the route listener and the CA secret, and reaches Kafka', async () => {
    const result = await firehose(['doctor', '--bootstrap', BOOTSTRAP, '--output', 'json']);
    const checks = Object.fromEntries((JSON.parse(result.stdout) as Array<{ name: string; ok: boolean; detail: string }>).map((c) => [c.name, c]));
    expect(checks['Kafka my-cluster in kafka']).toMatchObject({ ok: true, detail: 'Ready=True' });
    expect(checks['Kafka address']).toMatchObject({ ok: true });
    expect(checks['Kafka address']!.detail).toBe(`${BOOTSTRAP}: my-cluster-kafka-bootstrap.kafka does not resolve here (a cluster-internal name); firehose port-forwards through the API server (Service my-cluster-kafka-bootstrap → pod kafka/${POD} port 9092)`);
    expect(checks['Kafka external listeners']).toEqual({ name: 'Kafka external listeners', ok: true, detail: 'external (route, TLS): my-cluster-kafka-external-bootstrap-kafka.apps.example.com:443' });
    expect(checks['Kafka cluster CA']!.ok).toBe(true);
    expect(checks['Kafka cluster CA']!.detail).toContain('--bootstrap my-cluster-kafka-external-bootstrap-kafka.apps.example.com:443 --ca-file ca.crt');
    // The bootstrap check itself ran through the tunnel.
    expect(checks['Kafka bootstrap']).toMatchObject({ ok: true, detail: 'answers' });
  });

  it('doctor reports a missing bootstrap Service as ✗ with a hint', async () => {
    const result = await firehose(['doctor', '--bootstrap', 'nope-kafka-bootstrap.kafka:9092', '--connect-timeout', '2s']);
    expect(result.stdout).toMatch(/^✗ Kafka address: No Service nope-kafka-bootstrap in namespace kafka/m);
  });

  it('kafka ca writes the cluster CA PEM for --ca-file', async () => {
    const out = join(env.cluster.dir, 'ca.crt');
    const written = await firehose(['kafka', 'ca', '--out', out]);
    expect(written.code, written.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(CA_PEM);
    expect(written.stderr).toContain(`to ${out}: pass --ca-file ${out}`);
    const printed = await firehose(['kafka', 'ca', '--cluster', 'my-cluster', '--namespace', NS]);
    expect(printed.stdout).toBe(CA_PEM);
    const line = expectOneLineError(await firehose(['kafka', 'ca', '--cluster', 'other']));
    expect(line).toBe('error: No Secret other-cluster-ca-cert in namespace kafka: is other a Strimzi Kafka cluster there?');
  });
});
