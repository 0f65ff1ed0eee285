import type { ClusterClient } from '../cluster/connect.js';
import { KINDS, kindRef } from '../cluster/kinds.js';
import { FirehoseError, UsageError } from '../errors.js';
import type { Runtime } from './runtime.js';

/**
 * Where create-topic and delete-topic go: the KafkaTopic CR when the cluster serves Strimzi's KafkaTopic
 * (--via cluster insists on it), else the Kafka admin API. No kubeconfig means admin API.
 */
export async function topicCluster(rt: Runtime, via: string): Promise<ClusterClient | undefined> {
  if (via === 'admin') return undefined;
  if (via !== 'auto' && via !== 'cluster') throw new UsageError(`--via must be auto, cluster or admin, not "${via}".`);
  let cluster: ClusterClient;
  try {
    cluster = await rt.cluster();
  } catch (error) {
    if (via === 'cluster') throw error;
    if ((error as FirehoseError).code !== 'KUBECONFIG_MISSING') rt.out.warn(`Kubernetes not usable (${(error as Error).message}); using the Kafka admin API.`);
    return undefined;
  }
  const { resolveApiVersions } = await import('../cluster/discovery.js');
  const served = await resolveApiVersions(cluster, [kindRef('KafkaTopic')]).catch((error: unknown) => {
    if (via === 'cluster') throw error;
    rt.out.warn(`Kubernetes not usable (${(error as Error).message}); using the Kafka admin API.`);
    return {} as Record<string, string>;
  });
  if (served.KafkaTopic) return cluster;
  if (via === 'cluster') {
    const { kindNotInstalled } = await import('../cluster/errors.js');
    throw kindNotInstalled('KafkaTopic', KINDS.KafkaTopic.group);
  }
  return undefined;
}

