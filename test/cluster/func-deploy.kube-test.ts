// `firehose func deploy` (in-process CLI) against a real kube-apiserver with Knative's CRDs:
// the ConfigMap holds the function and the runtime byte for byte (and that runtime, laid out
// as the pod's volume, serves the function), the Deployment and Service (or Knative Service)
// run it, the Trigger subscribes it; a second deploy changes nothing; cleanup removes it all.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHttpCloudEvent } from '../../src/events/cloudevent.js';
import { readRuntimeFile } from '../../src/functions/runtime-process.js';
import { ADD_WASM, createFunction } from '../../src/functions/scaffold.js';
import { runCli, type CliResult } from '../support/cli.js';
import { installCrds, kubeJson, kubeRequest } from '../support/kube-cluster.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';

let env: KubeEnv;
let dir: string;
const NS = 'fn-7';
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await startKubeEnv();
  await env.namespaces(NS);
  await installCrds(env.cluster.kubeconfig, ['knative-serving__service.yaml', 'knative-eventing__trigger.yaml']);
  dir = await mkdtemp(join(tmpdir(), 'firehose-func-deploy-'));
  await createFunction('js', 'js-example-service', join(dir, 'js-example-service'));
  await createFunction('wasm', 'wasm-example-service', join(dir, 'wasm-example-service'));
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await env?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function firehose(argv: string[]): Promise<CliResult> {
  return runCli([...argv, '--user', '7', '--context', 'admin', '--namespace', NS], { env: { KUBECONFIG: env.cluster.kubeconfig } });
}

const get = (path: string) => kubeJson(env.admin, 'GET', path);
const exists = async (path: string) => (await kubeRequest(env.admin, 'GET', path)).status === 200;
const paths = (name: string) => ({
  configMap: `/api/v1/namespaces/${NS}/configmaps/${name}-function`,
  deployment: `/apis/apps/v1/namespaces/${NS}/deployments/${name}`,
  service: `/api/v1/namespaces/${NS}/services/${name}`,
  ksvc: `/apis/serving.knative.dev/v1/namespaces/${NS}/services/${name}`,
  trigger: `/apis/eventing.knative.dev/v1/namespaces/${NS}/triggers/${name}`,
});

/** Writes the ConfigMap's files as its volume lays them out (items → paths) and runs the runtime from there. */
async function serveFromConfigMap(configMap: any, volume: any): Promise<{ url: string }> {
  const root = await mkdtemp(join(dir, 'volume-'));
  for (const item of volume.configMap.items as Array<{ key: string; path: string }>) {
    const bytes = item.key in (configMap.data ?? {}) ? Buffer.from(configMap.data[item.key], 'utf8') : Buffer.from(configMap.binaryData[item.key], 'base64');
    await mkdir(dirname(join(root, item.path)), { recursive: true });
    await writeFile(join(root, item.path), bytes);
  }
  const child = spawn(process.execPath, [join(root, 'runtime/function-runtime.mjs'), join(root, 'code'), '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the runtime did not start within 10 s: ${stderr}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`the runtime exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const started = /^(?:Function runtime|WASI Runtime) started\. Port: (\d+)/.exec(line);
      if (started) {
        clearTimeout(timer);
        resolve(Number(started[1]));
      }
    });
  });
  return { url: `http://127.0.0.1:${port}/` };
}

describe('func deploy', () => {
  it('deploys a js function: ConfigMap (files and runtime), Deployment, Service, Trigger; the runtime from the ConfigMap serves it', async () => {
    const result = await firehose(['func', 'deploy', join(dir, 'js-example-service')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^✓ ConfigMap js-example-service-function created \(v1, namespace fn-7\)$/),
      expect.stringMatching(/^✓ Deployment js-example-service created \(apps\/v1, namespace fn-7\)$/),
      expect.stringMatching(/^✓ Service js-example-service created \(v1, namespace fn-7\)$/),
      expect.stringMatching(/^✓ Trigger js-example-service created \(eventing\.knative\.dev\/v1, namespace fn-7\)$/),
    ]);
    const p = paths('js-example-service');
    const folder = join(dir, 'js-example-service');

    const configMap = await get(p.configMap);
    expect(configMap.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'firehose', 'firehose.dev/user': '7' });
    expect(Object.keys(configMap.data).sort()).toEqual(['function-runtime.mjs', 'index.js', 'package.json', 'test.js', 'trigger.yaml']);
    expect(configMap.binaryData).toBeUndefined();
    for (const file of ['index.js', 'package.json', 'trigger.yaml']) expect(configMap.data[file]).toBe(await readFile(join(folder, file), 'utf8'));
    expect(Buffer.from(configMap.data['function-runtime.mjs'], 'utf8').equals(await readRuntimeFile())).toBe(true);

    const deployment = await get(p.deployment);
    expect(deployment.metadata.labels).toMatchObject({ app: 'js-example-service', 'app.kubernetes.io/managed-by': 'firehose', 'firehose.dev/user': '7' });
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'js-example-service' });
    const pod = deployment.spec.template;
    expect(pod.metadata.annotations['firehose.dev/function-sha256']).toMatch(/^[0-9a-f]{64}$/);
    const [container] = pod.spec.containers;
    expect(container.image).toBe('node:20-alpine');
    expect(container.command).toEqual(['node', '/function/runtime/function-runtime.mjs', '/function/code', '--port', '8080', '--host', '0.0.0.0']);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/health', port: 8080 });
    expect(container.volumeMounts).toEqual([{ name: 'function', mountPath: '/function', readOnly: true }]);
    const [volume] = pod.spec.volumes;
    expect(volume.configMap.name).toBe('js-example-service-function');
    expect(volume.configMap.items).toContainEqual({ key: 'function-runtime.mjs', path: 'runtime/function-runtime.mjs' });
    expect(volume.configMap.items).toContainEqual({ key: 'index.js', path: 'code/index.js' });

    const service = await get(p.service);
    expect(service.spec.selector).toEqual({ app: 'js-example-service' });
    expect(service.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 8080 })]);

    const trigger = await get(p.trigger);
    expect(trigger.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'firehose', 'firehose.dev/user': '7' });
    expect(trigger.spec.broker).toBe('default');
    expect(trigger.spec.filter.attributes).toEqual({ type: 'dev.nodeshift.samples.js-example', source: 'dev.nodeshift.samples/js-example-source' });
    expect(trigger.spec.subscriber.ref).toEqual({ apiVersion: 'v1', kind: 'Service', name: 'js-example-service' });

    // What the pod would run: the runtime and the function as the volume lays them out.
    const { url } = await serveFromConfigMap(configMap, volume);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Ce-Id': '536808d3-88be-4077-9d7a-a3f162705f79', 'Ce-specversion': '0.3', 'Ce-Type': 'dev.nodeshift.samples.js-example', 'Ce-Source': 'dev.nodeshift.samples/js-example-source', 'Content-Type': 'application/json' },
      body: '{"msg":"Message to js-example-service"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('ce-type')).toBe('dev.nodeshift.samples.fromjs');
    expect(response.headers.get('ce-specversion')).toBe('0.3');
    const reply = parseHttpCloudEvent(Object.fromEntries(response.headers.entries()), Buffer.from(await response.arrayBuffer()));
    expect(JSON.parse(reply.data!.toString())).toEqual({ a: 8, b: 10 });
  });

  it('a second deploy of the same folder changes nothing', async () => {
    const p = paths('js-example-service');
    const before = await Promise.all(Object.values(p).filter((x) => x !== p.ksvc).map(get));
    const result = await firehose(['func', 'deploy', join(dir, 'js-example-service'), '--output', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const list = JSON.parse(result.stdout) as Array<{ kind: string; name: string; action: string }>;
    expect(list.map((o) => `${o.kind}/${o.name} ${o.action}`)).toEqual([
      'ConfigMap/js-example-service-function unchanged', 'Deployment/js-example-service unchanged', 'Service/js-example-service unchanged', 'Trigger/js-example-service unchanged',
    ]);
    const after = await Promise.all(Object.values(p).filter((x) => x !== p.ksvc).map(get));
    expect(after.map((o) => o.metadata.resourceVersion)).toEqual(before.map((o) => o.metadata.resourceVersion));
  });

  it('a changed function changes the ConfigMap and the pod template\'s hash (the pods roll)', async () => {
    const p = paths('js-example-service');
    const hash = async () => (await get(p.deployment)).spec.template.metadata.annotations['firehose.dev/function-sha256'];
    const before = await hash();
    const index = join(dir, 'js-example-service', 'index.js');
    const original = await readFile(index, 'utf8');
    await writeFile(index, `${original}\n// changed\n`);
    try {
      const result = await firehose(['func', 'deploy', join(dir, 'js-example-service'), '--output', 'json']);
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as Array<{ kind: string; action: string }>).map((o) => `${o.kind} ${o.action}`)).toEqual(['ConfigMap configured', 'Deployment configured', 'Service unchanged', 'Trigger unchanged']);
      expect(await hash()).not.toBe(before);
    } finally {
      await writeFile(index, original);
    }
  });

  it('deploys a wasm function: add.wasm in binaryData byte for byte; the runtime from the ConfigMap answers {"result":18}', async () => {
    const result = await firehose(['func', 'deploy', join(dir, 'wasm-example-service')]);
    expect(result.code, result.stderr).toBe(0);
    const p = paths('wasm-example-service');
    const configMap = await get(p.configMap);
    expect(Object.keys(configMap.binaryData)).toEqual(['add.wasm']);
    expect(Buffer.from(configMap.binaryData['add.wasm'], 'base64').equals(ADD_WASM)).toBe(true);
    expect(Object.keys(configMap.data).sort()).toEqual(['adapter.js', 'add.wat', 'function-runtime.mjs', 'package.json', 'test.js', 'trigger.yaml']);
    expect(Buffer.from(configMap.data['function-runtime.mjs'], 'utf8').equals(await readRuntimeFile())).toBe(true);
    const trigger = await get(p.trigger);
    expect(trigger.spec.subscriber.ref).toEqual({ apiVersion: 'v1', kind: 'Service', name: 'wasm-example-service' });
    expect(await exists(p.service)).toBe(true);

    const deployment = await get(p.deployment);
    const { url } = await serveFromConfigMap(configMap, deployment.spec.template.spec.volumes[0]);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Ce-Id': '1', 'Ce-specversion': '0.3', 'Ce-Type': 'dev.nodeshift.samples.fromjs', 'Ce-Source': 'nodeshift/samples/js-example-service', 'Content-Type': 'application/json' },
      body: '{"a":8,"b":10}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: 18 });
  });

  it('--knative makes a Knative Service (and the Trigger subscribes it) instead of the Deployment and Service', async () => {
    const result = await firehose(['func', 'deploy', join(dir, 'wasm-example-service'), '--knative', '--image', 'node:22-alpine']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('deleted Deployment wasm-example-service');
    const p = paths('wasm-example-service');
    const ksvc = await get(p.ksvc);
    expect(ksvc.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'firehose', 'firehose.dev/user': '7' });
    const [container] = ksvc.spec.template.spec.containers;
    expect(container.image).toBe('node:22-alpine');
    expect(container.command).toEqual(['node', '/function/runtime/function-runtime.mjs', '/function/code', '--port', '8080', '--host', '0.0.0.0']);
    expect(ksvc.spec.template.spec.volumes[0].configMap.items).toContainEqual({ key: 'add.wasm', path: 'code/add.wasm' });
    expect((await get(p.trigger)).spec.subscriber.ref).toEqual({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'wasm-example-service' });
    expect(await exists(p.deployment)).toBe(false);
    expect(await exists(p.service)).toBe(false);
  });

  it('--name names the objects and the Trigger; a seed-era v1alpha1 trigger.yaml is applied at the served v1', async () => {
    const folder = join(dir, 'js-example-service');
    const yaml = await readFile(join(folder, 'trigger.yaml'), 'utf8');
    await writeFile(join(folder, 'trigger.yaml'), yaml.replace('eventing.knative.dev/v1', 'eventing.knative.dev/v1alpha1'));
    try {
      const result = await firehose(['func', 'deploy', folder, '--name', 'renamed-fn']);
      expect(result.code, result.stderr).toBe(0);
    } finally {
      await writeFile(join(folder, 'trigger.yaml'), yaml);
    }
    const p = paths('renamed-fn');
    expect((await get(p.trigger)).spec.subscriber.ref).toEqual({ apiVersion: 'v1', kind: 'Service', name: 'renamed-fn' });
    expect((await get(p.deployment)).spec.template.spec.volumes[0].configMap.name).toBe('renamed-fn-function');
  });

  it('--dry-run=client prints the objects without storing any; --no-trigger leaves the Trigger out', async () => {
    const result = await firehose(['func', 'deploy', join(dir, 'js-example-service'), '--name', 'dry-fn', '--dry-run=client', '--no-trigger']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.match(/^kind: \w+$/gm)).toEqual(['kind: ConfigMap', 'kind: Deployment', 'kind: Service']);
    expect(await exists(paths('dry-fn').configMap)).toBe(false);
    const server = await firehose(['func', 'deploy', join(dir, 'js-example-service'), '--name', 'dry-fn', '--dry-run']);
    expect(server.code, server.stderr).toBe(0);
    expect(server.stdout).toContain('✓ ConfigMap dry-fn-function validated by the server (dry run, nothing changed)');
    expect(await exists(paths('dry-fn').deployment)).toBe(false);
  });

  it('refuses a folder that is not a function, in one line, exit 2', async () => {
    const empty = await mkdtemp(join(dir, 'not-a-function-'));
    await writeFile(join(empty, 'README.md'), 'hello\n');
    const result = await firehose(['func', 'deploy', empty, '--name', 'nothing']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .* holds no function: no package.json, index.js or .wasm module\.$/m);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses a function too large for a ConfigMap, saying so', async () => {
    const big = await mkdtemp(join(dir, 'big-'));
    await writeFile(join(big, 'index.js'), 'module.exports = () => {};\n');
    await writeFile(join(big, 'blob.bin'), Buffer.alloc(1024 * 1024, 1));
    const result = await firehose(['func', 'deploy', big, '--name', 'big']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .*: the function and its runtime come to 1\.\d\d MiB; a ConfigMap holds at most 1 MiB\.$/m);
    expect(await exists(paths('big').configMap)).toBe(false);
  });

  it('ships a text file with a byte-order mark byte for byte, and skips dot-files and folders', async () => {
    const folder = await mkdtemp(join(dir, 'bom-'));
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('module.exports = () => ({ ok: true });\n')]);
    await writeFile(join(folder, 'index.js'), bom);
    await writeFile(join(folder, '.env'), 'SECRET=1\n');
    await mkdir(join(folder, 'node_modules'));
    const result = await firehose(['func', 'deploy', folder, '--name', 'bom-fn', '--no-trigger']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('skipped .env: dot-file');
    expect(result.stderr).toContain('skipped node_modules/: dependencies are not shipped');
    const configMap = await get(paths('bom-fn').configMap);
    expect(Object.keys(configMap.data).sort()).toEqual(['function-runtime.mjs', 'index.js']);
    expect(Buffer.from(configMap.data['index.js'], 'utf8').equals(bom)).toBe(true);
  });

  it('cleanup removes the ConfigMaps, Deployments, Services, Knative Service and Triggers (not what another object controls)', async () => {
    // As a Knative Revision's Deployment carries its Service's labels: the garbage collector's to delete.
    const labels = { 'app.kubernetes.io/managed-by': 'firehose', 'firehose.dev/user': '7' };
    const ownerReferences = [{ apiVersion: 'serving.knative.dev/v1', kind: 'Revision', name: 'r-00001', uid: '00000000-0000-0000-0000-000000000001', controller: true }];
    await kubeJson(env.admin, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', labels, ownerReferences } } });
    const result = await firehose(['cleanup', '--output', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const removed = (JSON.parse(result.stdout) as { removed: Array<{ kind: string; name: string; apiVersion: string }> }).removed.map((o) => `${o.apiVersion} ${o.kind} ${o.name}`).sort();
    expect(removed).toEqual([
      'apps/v1 Deployment bom-fn',
      'apps/v1 Deployment js-example-service',
      'apps/v1 Deployment renamed-fn',
      'eventing.knative.dev/v1 Trigger js-example-service',
      'eventing.knative.dev/v1 Trigger renamed-fn',
      'eventing.knative.dev/v1 Trigger wasm-example-service',
      'serving.knative.dev/v1 Service wasm-example-service',
      'v1 ConfigMap bom-fn-function',
      'v1 ConfigMap js-example-service-function',
      'v1 ConfigMap renamed-fn-function',
      'v1 ConfigMap wasm-example-service-function',
      'v1 Service bom-fn',
      'v1 Service js-example-service',
      'v1 Service renamed-fn',
    ]);
    for (const name of ['js-example-service', 'wasm-example-service', 'renamed-fn', 'bom-fn']) {
      for (const path of Object.values(paths(name))) expect(await exists(path), path).toBe(false);
    }
    expect(await exists(`/api/v1/namespaces/${NS}/configmaps/owned`)).toBe(true);
  });
});
