// `firehose send --to broker:default` from "a laptop" (seed 003's curl step): the address
// comes from the object's status, the pod behind its Service is reached through the API
// server (port-forward). The pods are kwok fakes whose port kwok's PortForward forwards to a
// real HTTP receiver in this process, which records what arrived and can reply.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { fakeNode, installCrds, kubeJson } from '../support/kube-cluster.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';
import { waitFor } from '../support/wait.js';

const NS = 'lab-9';
const NODE = 'kwok-node-0';
const INGRESS_URL = `http://broker-ingress.knative-eventing.svc.cluster.local/${NS}/default`;

let env: KubeEnv;
let receiver: Server;
const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];

function firehose(argv: string[]): Promise<CliResult> {
  return runCli([...argv, '--user', '9', '--context', 'admin', '--namespace', NS], { env: { KUBECONFIG: env.cluster.kubeconfig } });
}

const EVENT = ['--type', 'dev.nodeshift.samples.js-example', '--source', 'dev.nodeshift.samples/js-example-source', '--data', '{"name":"firehose"}'];

/** A pod (kwok fake, Ready) with one container port, whose port kwok forwards to the receiver. */
async function receiverPod(namespace: string, name: string, labels: Record<string, string>, port: number): Promise<void> {
  const post = (path: string, body: unknown) => kubeJson(env.admin, 'POST', path, { body });
  await post(`/api/v1/namespaces/${namespace}/pods`, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: { nodeName: NODE, containers: [{ name: 'c', image: 'receiver', ports: [{ name: 'http', containerPort: port }] }] },
  });
  await post(`/apis/kwok.x-k8s.io/v1alpha1/namespaces/${namespace}/portforwards`, {
    apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'PortForward', metadata: { name, namespace },
    spec: { forwards: [{ ports: [port], target: { address: '127.0.0.1', port: (receiver.address() as AddressInfo).port } }] },
  });
  await waitFor(async () => {
    const pod = await kubeJson<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(env.admin, 'GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
    return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  }, { timeoutMs: 30_000, what: `pod ${name} to be Ready` });
}

async function service(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await kubeJson(env.admin, 'POST', `/api/v1/namespaces/${namespace}/services`, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec } });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.headers['ce-type'] === 'please.reply') {
        res.writeHead(200, { 'ce-specversion': '1.0', 'ce-id': 'r-1', 'ce-type': 'dev.nodeshift.samples.reply', 'ce-source': 'receiver', 'content-type': 'application/json' });
        res.end('{"hello":"firehose"}');
      } else {
        res.writeHead(202);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  env = await startKubeEnv();
  await env.namespaces(NS, 'knative-eventing', 'kourier-system');
  await installCrds(env.cluster.kubeconfig, ['knative-eventing__broker.yaml', 'knative-serving__service.yaml']);
  await kubeJson(env.admin, 'POST', '/api/v1/nodes', { body: fakeNode(NODE) });
  // The broker ingress, an event-display behind a plain Service, and Kourier's internal
  // ingress, which a Knative Service's name leads to through an ExternalName Service.
  await service('knative-eventing', 'broker-ingress', { selector: { app: 'broker-ingress' }, ports: [{ port: 80, targetPort: 8080 }] });
  await receiverPod('knative-eventing', 'broker-ingress-0', { app: 'broker-ingress' }, 8080);
  await service(NS, 'event-display', { selector: { app: 'event-display' }, ports: [{ port: 80, targetPort: 'http' }] });
  await receiverPod(NS, 'event-display-0', { app: 'event-display' }, 8081);
  await service('kourier-system', 'kourier-internal', { selector: { app: 'kourier' }, ports: [{ port: 80, targetPort: 8082 }] });
  await receiverPod('kourier-system', 'kourier-0', { app: 'kourier' }, 8082);
  await service(NS, 'hello', { type: 'ExternalName', externalName: 'kourier-internal.kourier-system.svc.cluster.local' });
  await service(NS, 'nobody-home', { selector: { app: 'nobody' }, ports: [{ port: 80 }] });

  const post = (path: string, body: unknown) => kubeJson(env.admin, 'POST', path, { body });
  const status = (path: string, body: unknown) => kubeJson(env.admin, 'PATCH', `${path}/status`, { body: { status: body }, contentType: 'application/merge-patch+json' });
  await post(`/apis/eventing.knative.dev/v1/namespaces/${NS}/brokers`, { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default' } });
  await status(`/apis/eventing.knative.dev/v1/namespaces/${NS}/brokers/default`, { address: { url: INGRESS_URL }, conditions: [{ type: 'Ready', status: 'True' }] });
  await post(`/apis/eventing.knative.dev/v1/namespaces/${NS}/brokers`, { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'pending' } });
  await post(`/apis/serving.knative.dev/v1/namespaces/${NS}/services`, {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'hello' },
    spec: { template: { spec: { containers: [{ image: 'hello' }] } } },
  });
  await status(`/apis/serving.knative.dev/v1/namespaces/${NS}/services/hello`, { address: { url: `http://hello.${NS}.svc.cluster.local` }, conditions: [{ type: 'Ready', status: 'True' }] });
});

afterAll(async () => {
  await env?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('send --to', () => {
  it('broker:default: to the address in the Broker\'s status, through a port-forward to the ingress pod', async () => {
    const before = received.length;
    const result = await firehose(['send', '--to', 'broker:default', ...EVENT]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^✓ 202 from ${INGRESS_URL.replace(/\./g, '\\.')} for event `, 'm'));
    expect(result.stderr).toContain('port-forward to pod knative-eventing/broker-ingress-0 port 8080 (Service broker-ingress)');
    const got = received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ path: `/${NS}/default`, body: '{"name":"firehose"}' });
    expect(got[0]!.headers).toMatchObject({ 'ce-type': 'dev.nodeshift.samples.js-example', host: 'broker-ingress.knative-eventing.svc.cluster.local' });
  });

  it('svc:NAME (a plain Service, named targetPort) shows the reply event', async () => {
    const result = await firehose(['send', '--to', 'svc:event-display', '--type', 'please.reply', '--source', '/test', '--data', '{}']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^✓ 200 from http:\/\/event-display\.lab-9\.svc\.cluster\.local\/ for event /m);
    expect(result.stdout).toMatch(/^ {2}type: dev\.nodeshift\.samples\.reply$/m);
    expect(result.stdout).toMatch(/^ {2}data: \{"hello":"firehose"\}$/m);
    expect(result.stderr).toContain('pod lab-9/event-display-0 port 8081');
  });

  it('ksvc:NAME: its cluster-local address, through the ExternalName Service to the ingress, with its host', async () => {
    const before = received.length;
    const result = await firehose(['send', '--to', 'ksvc:hello', ...EVENT, '--mode', 'structured']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('pod kourier-system/kourier-0 port 8082 (Service kourier-internal)');
    expect(received.slice(before)[0]!.headers).toMatchObject({ host: 'hello.lab-9.svc.cluster.local', 'content-type': 'application/cloudevents+json; charset=utf-8' });
  });

  it('a cluster-local URL that does not resolve here is tunnelled by itself, as argument or --to', async () => {
    for (const argv of [['send', INGRESS_URL, ...EVENT], ['send', '--to', INGRESS_URL, ...EVENT]]) {
      const before = received.length;
      const result = await firehose(argv);
      expect(result.code, result.stderr).toBe(0);
      expect(received.slice(before)[0]?.path).toBe(`/${NS}/default`);
    }
  });

  it('fails in one line with a hint: no such broker, a broker with no address, no ready pod, bad --to', async () => {
    const cases: Array<[string[], RegExp, number]> = [
      [['--to', 'broker:nope'], /^error: No broker nope in namespace lab-9\.\nhint: /, 1],
      [['--to', 'broker:pending'], /^error: Broker pending in lab-9 has no address yet \(no status: nothing has reconciled it\)\.\nhint: `firehose broker describe pending`/, 1],
      [['--to', 'svc:nobody-home'], /^error: No pods behind Service nobody-home in lab-9 \(selector app=nobody\)\.\nhint: /, 1],
      [['--to', 'default'], /^error: --to "default" is neither kn's prefix:name\[:namespace\] nor a URL\.\nhint: /, 2],
      [['--to', 'kafkasink:s'], /^error: --to takes broker:, ksvc:, svc: or channel: \(or a URL\), not kafkasink:\.\nhint: /, 2],
      [['http://localhost:1', '--to', 'broker:default'], /^error: Give either a URL or --to, not both\.\nhint: /, 2],
    ];
    for (const [argv, message, code] of cases) {
      const result = await firehose(['send', ...argv, ...EVENT]);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(2);
      expect(result.code).toBe(code);
    }
  });
});
