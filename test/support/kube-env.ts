// Shared setup for tests of src/cluster/: one real API server per test file, and
// firehose ClusterClients for its kubeconfig contexts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectCluster, type ClusterClient } from '../../src/cluster/connect.js';
import { clusterTargets, kubeRequest, startKubeCluster, type KubeClusterHandle, type KubeTarget } from './kube-cluster.js';

export interface KubeEnv {
  cluster: KubeClusterHandle;
  admin: KubeTarget;
  user7: KubeTarget;
  /** A firehose client for a context of the cluster's kubeconfig (admin by default). */
  connect(context?: 'admin' | 'admin-cert' | 'user7', namespace?: string): Promise<ClusterClient>;
  /** Creates namespaces (already existing ones are fine). */
  namespaces(...names: string[]): Promise<void>;
  /** A kubeconfig file with one context whose server is `server` (e.g. a closed port). */
  writeKubeconfig(name: string, server: string, user?: string, token?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startKubeEnv(): Promise<KubeEnv> {
  const cluster = await startKubeCluster();
  const { admin, user7 } = clusterTargets(cluster);
  return {
    cluster,
    admin,
    user7,
    connect: (context = 'admin', namespace) => connectCluster({ kubeconfig: cluster.kubeconfig, context, namespace, env: {} }),
    async namespaces(...names) {
      for (const name of names) {
        const res = await kubeRequest(admin, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
        if (res.status !== 201 && res.status !== 409) throw new Error(`create namespace ${name}: ${res.status} ${res.text}`);
      }
    },
    async writeKubeconfig(name, server, user = 'user3/api-cluster:6443', token = 'not-a-token') {
      const file = join(cluster.dir, `${name}.kubeconfig`);
      await writeFile(file, JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
        users: [{ name: user, user: { token } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user, namespace: 'lab-3' } }],
        'current-context': 'ctx',
      }));
      return file;
    },
    stop: () => cluster.stop(),
  };
}
