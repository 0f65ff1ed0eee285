// src/cluster/connect.ts + errors.ts against a real API server.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, userNumberFromContext, userNumberFromName } from '../../src/cluster/connect.js';
import { FirehoseError, UsageError } from '../../src/errors.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';

let env: KubeEnv;

beforeAll(async () => {
  env = await startKubeEnv();
});

afterAll(async () => {
  await env?.stop();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('connectCluster', () => {
  it('connects with the current context (admin) and reads the server', async () => {
    const client = await connectCluster({ kubeconfig: env.cluster.kubeconfig, env: {} });
    expect(client.context).toBe('admin');
    expect(client.user).toBe('admin');
    expect(client.namespace).toBe('default');
    expect(client.server).toBe(env.cluster.server);
    const version = await client.json<{ gitVersion: string }>('GET', '/version', { what: 'read version' });
    expect(version.gitVersion).toBe(`v${env.cluster.version}`);
    expect(userNumberFromContext(client)).toBeUndefined();
  });

  it('connects as user7 (token) and admin-cert (client certificate); the namespace flag wins', async () => {
    const user7 = await env.connect('user7', 'lab-7');
    expect(user7.context).toBe('user7');
    expect(user7.user).toBe('user7');
    expect(user7.namespace).toBe('lab-7');
    expect(userNumberFromContext(user7)).toBe(7);
    const review = await user7.json<{ status: { userInfo: { username: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      what: 'who am I', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(review.status.userInfo.username).toBe('user7');

    const cert = await env.connect('admin-cert');
    const ns = await cert.json<{ items: unknown[] }>('GET', '/api/v1/namespaces', { what: 'list namespaces' });
    expect(ns.items.length).toBeGreaterThan(0);
  });

  it('finds the kubeconfig through KUBECONFIG (first existing entry) like kubectl', async () => {
    const client = await connectCluster({ env: { KUBECONFIG: `/nonexistent/kubeconfig:${env.cluster.kubeconfig}` }, context: 'user7' });
    expect(client.kubeconfigPath).toBe(env.cluster.kubeconfig);
    expect(client.user).toBe('user7');
  });

  it('merges several KUBECONFIG files like kubectl (first one wins for names and current-context)', async () => {
    const other = await env.writeKubeconfig('other', 'https://127.0.0.1:1', 'user5/api-cluster:6443');
    const merged = await connectCluster({ env: { KUBECONFIG: `${other}:${env.cluster.kubeconfig}` } });
    expect(merged.context).toBe('ctx');
    expect(userNumberFromContext(merged)).toBe(5);
    const user7 = await connectCluster({ env: { KUBECONFIG: `${other}:${env.cluster.kubeconfig}` }, context: 'user7' });
    expect(user7.server).toBe(env.cluster.server);
    await user7.json('GET', '/version', { what: 'read version' });
  });

  it('KUBECONFIG_MISSING when there is no kubeconfig file', async () => {
    const home = await mkdtemp(join(tmpdir(), 'firehose-home-'));
    try {
      const error = await connectCluster({ env: { HOME: home } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FirehoseError);
      expect((error as FirehoseError).code).toBe('KUBECONFIG_MISSING');
      expect((error as FirehoseError).message).toBe(`No kubeconfig at ${join(home, '.kube', 'config')}: log in with \`oc login\` or set KUBECONFIG.`);
      expect((error as FirehoseError).hint).toMatch(/oc login/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('an unknown context is a UsageError listing the contexts', async () => {
    const error = await env.connect('nope' as 'admin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toMatch(/No context "nope" in .*it has: admin, admin-cert, user7/);
  });

  it('CLUSTER_UNREACHABLE quickly for a closed port, naming the server', async () => {
    const port = await closedPort();
    const kubeconfig = await env.writeKubeconfig('closed', `https://127.0.0.1:${port}`);
    const client = await connectCluster({ kubeconfig, env: {}, requestTimeoutMs: 2_000 });
    expect(client.namespace).toBe('lab-3');
    expect(userNumberFromContext(client)).toBe(3);
    const t0 = Date.now();
    const error = await client.json('GET', '/version', { what: 'read the server version' }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((error as FirehoseError).code).toBe('CLUSTER_UNREACHABLE');
    expect((error as FirehoseError).message).toContain(`https://127.0.0.1:${port}`);
    expect((error as FirehoseError).message).toContain('ECONNREFUSED');
    expect((error as FirehoseError).hint).toBeTruthy();
  });

  it('CLUSTER_UNREACHABLE when the server accepts but never answers (request timeout)', async () => {
    const silent = createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const kubeconfig = await env.writeKubeconfig('silent', `https://127.0.0.1:${port}`);
      const client = await connectCluster({ kubeconfig, env: {}, requestTimeoutMs: 500 });
      const t0 = Date.now();
      const error = await client.json('GET', '/version', { what: 'read the server version' }).catch((e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect((error as FirehoseError).code).toBe('CLUSTER_UNREACHABLE');
    } finally {
      silent.close();
    }
  });

  it('CLUSTER_UNAUTHORIZED for a token the server does not know', async () => {
    const kubeconfig = await env.writeKubeconfig('badtoken', env.cluster.server);
    const client = await connectCluster({ kubeconfig, env: {} });
    const error = await client.json('GET', '/api/v1/namespaces', { what: 'list namespaces' }).catch((e: unknown) => e);
    expect((error as FirehoseError).code).toBe('CLUSTER_UNAUTHORIZED');
    expect((error as FirehoseError).hint).toMatch(/token expired\? Run `oc login` again/i);
  });

  it('CLUSTER_FORBIDDEN for user7, with the server\'s message (verb, resource)', async () => {
    const user7 = await env.connect('user7');
    const error = await user7.json('GET', '/api/v1/namespaces/default/configmaps', { what: 'list ConfigMaps in default' }).catch((e: unknown) => e);
    expect((error as FirehoseError).code).toBe('CLUSTER_FORBIDDEN');
    expect((error as FirehoseError).message).toMatch(/^Not allowed to list ConfigMaps in default: .*user7.* cannot list resource "configmaps"/);
    expect((error as FirehoseError).message).not.toContain('\n');
  });

  it('CLUSTER_CONFLICT (409) and NOT_FOUND (404 on an object) vs KIND_NOT_INSTALLED (404 on a kind)', async () => {
    const admin = await env.connect('admin');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice' }, data: {} };
    await admin.json('POST', '/api/v1/namespaces/default/configmaps', { what: 'create ConfigMap twice', body: cm });
    const conflict = await admin.json('POST', '/api/v1/namespaces/default/configmaps', { what: 'create ConfigMap twice', body: cm }).catch((e: unknown) => e);
    expect((conflict as FirehoseError).code).toBe('CLUSTER_CONFLICT');
    expect((conflict as FirehoseError).message).toBe('Conflict (create ConfigMap twice): configmaps "twice" already exists');

    const missing = await admin.json('GET', '/api/v1/namespaces/default/configmaps/nope', { what: 'read ConfigMap nope', kind: 'ConfigMap', group: '' }).catch((e: unknown) => e);
    expect((missing as FirehoseError).code).toBe('NOT_FOUND');
    expect((missing as FirehoseError).message).toBe('Not found (read ConfigMap nope): configmaps "nope" not found');

    const noKind = await admin.json('GET', '/apis/sources.knative.dev/v1/namespaces/default/kafkasources', {
      what: 'list KafkaSources', kind: 'KafkaSource', group: 'sources.knative.dev',
    }).catch((e: unknown) => e);
    expect((noKind as FirehoseError).code).toBe('KIND_NOT_INSTALLED');
    expect((noKind as FirehoseError).message).toMatch(/^KafkaSource is not installed on this cluster: install Knative's Kafka source/);
  });
});

describe('userNumberFromName', () => {
  it.each([
    ['user7', 7],
    ['user12/api-cluster-abc:6443', 12],
    ['User3', 3],
    ['user7@example', 7],
    ['admin', undefined],
    ['user', undefined],
    ['superuser7', undefined],
    ['user7x', undefined],
    [undefined, undefined],
  ])('%s → %s', (name, n) => {
    expect(userNumberFromName(name)).toBe(n);
  });
});
