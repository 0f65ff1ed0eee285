// How a laptop can reach the lab's Strimzi Kafka: its external listeners (route, node
// port, load balancer, ingress; TLS signed by the cluster CA) as the Kafka CR reports
// them, and the cluster CA itself, which `firehose kafka ca` writes for --ca-file.
import { FirehoseError } from '../errors.js';
import type { ClusterClient } from './connect.js';

/** Listener types that are reachable from outside the cluster. */
export const EXTERNAL_LISTENER_TYPES = ['route', 'nodeport', 'loadbalancer', 'ingress'];

/** The parts of a Strimzi Kafka CR this module reads (v1beta2 and v1 agree on them). */
export interface KafkaCr {
  spec?: { kafka?: { listeners?: Array<{ name?: string; port?: number; type?: string; tls?: boolean }> } };
  status?: { listeners?: Array<{ name?: string; type?: string; bootstrapServers?: string; addresses?: Array<{ host?: string; port?: number }> }> };
}

export interface KafkaListener {
  name: string;
  type: string;
  tls: boolean;
  port?: number;
  /** From status.listeners, once the operator has reported it. */
  bootstrap?: string;
}

/** Every listener of the CR, with its bootstrap address when the status has one. */
export function kafkaListeners(cr: KafkaCr): KafkaListener[] {
  const status = cr.status?.listeners ?? [];
  return (cr.spec?.kafka?.listeners ?? []).map((l) => {
    const name = l.name ?? l.type ?? '?';
    // Strimzi before 0.24 named status entries by `type` (which held the listener name).
    const s = status.find((x) => (x.name ?? x.type) === name);
    const address = s?.addresses?.[0];
    const bootstrap = s?.bootstrapServers ?? (address?.host && address.port ? `${address.host}:${address.port}` : undefined);
    return { name, type: (l.type ?? '?').toLowerCase(), tls: Boolean(l.tls), port: l.port, bootstrap };
  });
}

export function externalListeners(cr: KafkaCr): KafkaListener[] {
  return kafkaListeners(cr).filter((l) => EXTERNAL_LISTENER_TYPES.includes(l.type));
}

/** Strimzi keeps the cluster CA certificate in this secret (key ca.crt). */
export function clusterCaSecretName(cluster: string): string {
  return `${cluster}-cluster-ca-cert`;
}

export interface ClusterCaOptions {
  /** The Kafka CR's name (my-cluster). */
  cluster: string;
  namespace: string;
}

export interface ClusterCa {
  cluster: string;
  namespace: string;
  secret: string;
  /** The PEM certificate(s) that sign the brokers' certificates. */
  pem: string;
}

/** Reads the cluster CA PEM from `<cluster>-cluster-ca-cert`, for --ca-file. */
export async function readClusterCa(client: ClusterClient, options: ClusterCaOptions): Promise<ClusterCa> {
  const secret = clusterCaSecretName(options.cluster);
  const what = `read Secret ${secret} in ${options.namespace}`;
  const res = await client.request('GET', `/api/v1/namespaces/${options.namespace}/secrets/${secret}`, { what });
  if (res.status === 404) {
    throw new FirehoseError('KAFKA_CA_NOT_FOUND', `No Secret ${secret} in namespace ${options.namespace}: is ${options.cluster} a Strimzi Kafka cluster there?`, {
      hint: `Name the cluster with --cluster and its namespace with --namespace (\`oc get kafka -A\` lists them).`,
    });
  }
  if (res.status !== 200) throw client.fail(res, { what });
  const data = res.json<{ data?: Record<string, string> }>().data ?? {};
  const b64 = data['ca.crt'];
  if (!b64) {
    throw new FirehoseError('KAFKA_CA_NOT_FOUND', `Secret ${secret} in ${options.namespace} has no ca.crt (keys: ${Object.keys(data).join(', ') || 'none'}).`, {
      hint: 'The Strimzi operator writes it once the cluster CA exists: check the Kafka CR\'s status.',
    });
  }
  return { cluster: options.cluster, namespace: options.namespace, secret, pem: Buffer.from(b64, 'base64').toString('utf8') };
}
