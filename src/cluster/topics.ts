/** Topics as Strimzi manages them: the KafkaTopic custom resource. */
import { deleteAndWait } from './apply.js';
import type { ClusterClient } from './connect.js';
import { resolveApiVersions } from './discovery.js';
import { kindNotInstalled } from './errors.js';
import { KINDS, kindRef } from './kinds.js';

/**
 * Deletes KafkaTopic `name` in the client's namespace at the version the cluster serves and,
 * with a timeout, waits until it is gone (the topic operator's finalizer has deleted the
 * topic in Kafka). 'absent' when no KafkaTopic has that name.
 */
export async function deleteKafkaTopic(client: ClusterClient, name: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<'deleted' | 'absent' | 'deleting'> {
  const served = await resolveApiVersions(client, [kindRef('KafkaTopic')]);
  const apiVersion = served.KafkaTopic;
  if (!apiVersion) throw kindNotInstalled('KafkaTopic', KINDS.KafkaTopic.group);
  return deleteAndWait(client, { apiVersion, kind: 'KafkaTopic', metadata: { name, namespace: client.namespace } }, options);
}
