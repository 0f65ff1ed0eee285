// Reaching an in-cluster Kafka from a laptop: broker addresses that only resolve inside
// the cluster (my-cluster-kafka-bootstrap.kafka:9092, and the per-pod addresses Kafka
// advertises) are mapped to pods, and each connection becomes one port-forward stream
// through the API server (pods/portforward, websocket). Nothing listens on local ports.
// src/kafka/tunnel.ts turns these streams into sockets for firehose's Kafka client.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { FirehoseError, UsageError, type ErrorCode } from '../errors.js';
import type { ClusterClient } from './connect.js';
import { translateNetworkError, translateStatusError } from './errors.js';

/** What a broker host names in the cluster, read from the name alone. */
export type ClusterAddress =
  /** `<service>.<namespace>[.svc[.<cluster domain>]]` */
  | { kind: 'service'; service: string; namespace: string }
  /** `<pod>.<headless service>.<namespace>[.svc[.<cluster domain>]]`: what Strimzi's brokers advertise. */
  | { kind: 'pod'; pod: string; service: string; namespace: string };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Reads a cluster DNS name: `x.y` / `x.y.svc` / `x.y.svc.cluster.local` name a Service y/x,
 * `p.s.n` / `p.s.n.svc[...]` the pod p behind headless Service s in namespace n.
 * Anything else (an IP, one label, four labels without `svc`) is not a cluster name.
 */
export function parseClusterAddress(host: string): ClusterAddress | undefined {
  if (isIP(host)) return undefined;
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const svc = labels.indexOf('svc');
  // `svc` ends the in-cluster part; what follows is the cluster domain (cluster.local).
  const local = svc === -1 ? labels : labels.slice(0, svc);
  if (svc !== -1 && (svc < 2 || labels.slice(svc + 1).some((l) => !DNS_LABEL.test(l)))) return undefined;
  if (!local.every((l) => DNS_LABEL.test(l))) return undefined;
  if (local.length === 2) return { kind: 'service', service: local[0]!, namespace: local[1]! };
  if (local.length === 3) return { kind: 'pod', pod: local[0]!, service: local[1]!, namespace: local[2]! };
  return undefined;
}

/**
 * The names firehose guesses are in-cluster when they do not resolve here: `x.y`,
 * `x.y.svc`, `x.y.svc.cluster.local`, and pod names ending in `.svc[...]`. (A three-label
 * name without `svc`, such as kafka.example.com, is taken for an outside host.)
 */
export function looksInCluster(host: string): boolean {
  const address = parseClusterAddress(host);
  if (!address) return false;
  return address.kind === 'service' || host.toLowerCase().split('.').includes('svc');
}

export type HostLookup = (host: string) => Promise<unknown>;

/** False only when DNS says the name does not exist here (ENOTFOUND / EAI_AGAIN); other failures are not ours to guess about. */
export async function resolvesLocally(host: string, lookup: HostLookup = (h) => dnsLookup(h)): Promise<boolean> {
  try {
    await lookup(host);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== 'ENOTFOUND' && code !== 'EAI_AGAIN';
  }
}

export function splitHostPort(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(':');
  return { host: broker.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(broker.slice(at + 1)) };
}

export interface TunnelDecision {
  tunnel: boolean;
  /** Why (for --verbose and for error messages). */
  reason: string;
}

/**
 * Port-forward when asked to (--via-cluster), or when the bootstrap names a cluster
 * service that does not resolve here. Localhost and IPs never trigger it.
 */
export async function decideTunnel(brokers: string[], viaCluster: boolean, lookup?: HostLookup): Promise<TunnelDecision> {
  if (viaCluster) return { tunnel: true, reason: 'asked to reach Kafka through the cluster (--via-cluster)' };
  const hosts = [...new Set(brokers.map((b) => splitHostPort(b).host))];
  if (!hosts.length || !hosts.every(looksInCluster)) return { tunnel: false, reason: 'not a cluster address' };
  const resolved = await Promise.all(hosts.map((h) => resolvesLocally(h, lookup)));
  if (resolved.some(Boolean)) return { tunnel: false, reason: `${hosts[resolved.indexOf(true)]} resolves here` };
  return { tunnel: true, reason: `${hosts.join(', ')} does not resolve here (a cluster-internal name)` };
}

/** One port of one pod: where a port-forward stream goes. */
export interface PodTarget {
  namespace: string;
  pod: string;
  port: number;
  /** How the address was mapped ("Service my-cluster-kafka-bootstrap", "advertised broker address"). */
  via: string;
}

interface PodObject {
  metadata: { name: string; namespace?: string; deletionTimestamp?: string };
  spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> };
  status?: { phase?: string; podIP?: string; podIPs?: Array<{ ip: string }>; conditions?: Array<{ type: string; status: string }> };
}

interface ServiceObject {
  spec?: { selector?: Record<string, string>; ports?: Array<{ name?: string; port: number; targetPort?: number | string }> };
}

function isReady(pod: PodObject): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp
    && (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

/** A named targetPort resolved through the pod's containers (like the endpoints controller does). */
function containerPort(pod: PodObject, name: string): number | undefined {
  for (const c of pod.spec?.containers ?? []) {
    const p = c.ports?.find((x) => x.name === name);
    if (p) return p.containerPort;
  }
  return undefined;
}

const ACCESS_HINT = 'Check --bootstrap and --context; `oc get svc,pods -n NAMESPACE` shows what is there. From outside the cluster, Strimzi\'s external listener also works: `firehose doctor` names it.';

/** Finds the pod and port a broker address leads to, asking the API server. */
export async function resolveBrokerAddress(client: ClusterClient, host: string, port: number, defaultNamespace = client.namespace): Promise<PodTarget> {
  const address = parseClusterAddress(host);
  if (address?.kind === 'pod') {
    const pod = await readPod(client, address.namespace, address.pod, `${host}:${port}`);
    return { namespace: address.namespace, pod: pod.metadata.name, port, via: 'advertised broker address' };
  }
  const namespace = address?.namespace ?? defaultNamespace;
  const service = address?.service ?? host;
  // One label (`--via-cluster --bootstrap my-cluster-kafka-bootstrap:9092`): a Service of the default namespace first.
  if (address || (!isIP(host) && DNS_LABEL.test(host))) {
    const res = await client.request('GET', `/api/v1/namespaces/${namespace}/services/${service}`, { what: `read Service ${service} in ${namespace}` });
    if (res.status === 200) return serviceTarget(client, namespace, service, res.json<ServiceObject>(), `${host}:${port}`, port);
    if (res.status !== 404) throw client.fail(res, { what: `read Service ${service} in ${namespace}` });
    if (address) {
      throw new FirehoseError('KAFKA_SERVICE_NOT_FOUND', `No Service ${service} in namespace ${namespace} (the Kafka bootstrap ${host}:${port}).`, { hint: ACCESS_HINT });
    }
  }
  // Otherwise the host is a pod's name or IP in the namespace (brokers advertising pod IPs).
  const pods = await listPods(client, namespace, undefined);
  const pod = pods.find((p) => p.metadata.name === host || p.status?.podIP === host || p.status?.podIPs?.some((i) => i.ip === host));
  if (!pod) {
    throw new FirehoseError('KAFKA_ADDRESS_UNMAPPED', `The Kafka address ${host}:${port} is neither a Service, a pod name nor a pod IP in namespace ${namespace}.`, {
      hint: `Give the bootstrap as <service>.<namespace>:<port> (the lab's is my-cluster-kafka-bootstrap.kafka:9092), or pick the namespace with --namespace.`,
    });
  }
  return { namespace, pod: pod.metadata.name, port, via: 'pod address' };
}

async function readPod(client: ClusterClient, namespace: string, name: string, address: string): Promise<PodObject> {
  const res = await client.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}`, { what: `read pod ${name} in ${namespace}` });
  if (res.status === 404) {
    throw new FirehoseError('KAFKA_POD_NOT_FOUND', `No pod ${name} in namespace ${namespace} (Kafka advertised the broker ${address}).`, { hint: ACCESS_HINT });
  }
  if (res.status !== 200) throw client.fail(res, { what: `read pod ${name} in ${namespace}` });
  const pod = res.json<PodObject>();
  if (!isReady(pod)) {
    throw new FirehoseError('KAFKA_POD_NOT_READY', `The Kafka pod ${namespace}/${name} is not ready (phase ${pod.status?.phase ?? 'unknown'}).`, {
      hint: `\`oc get pod ${name} -n ${namespace}\`; wait for it, or check the Kafka CR's status.`,
    });
  }
  return pod;
}

async function listPods(client: ClusterClient, namespace: string, selector: string | undefined): Promise<PodObject[]> {
  const what = `list pods in ${namespace}${selector ? ` (${selector})` : ''}`;
  return (await client.json<{ items?: PodObject[] }>('GET', `/api/v1/namespaces/${namespace}/pods`, { what, query: { labelSelector: selector } })).items ?? [];
}

/** Who asks for a Service's pods: how its failures are worded and coded. */
interface ServicePurpose {
  /** "the Kafka bootstrap", "the event receiver". */
  subject: string;
  hint: string;
  readyHint: (namespace: string, selector: string) => string;
  codes: { noSelector: ErrorCode; port: ErrorCode; notReady: ErrorCode };
}

const KAFKA_PURPOSE: ServicePurpose = {
  subject: 'the Kafka bootstrap',
  hint: ACCESS_HINT,
  readyHint: (namespace, selector) => `\`oc get pods -n ${namespace} -l ${selector}\`: is the Kafka cluster running?`,
  codes: { noSelector: 'KAFKA_SERVICE_NO_SELECTOR', port: 'KAFKA_SERVICE_PORT', notReady: 'KAFKA_PODS_NOT_READY' },
};

async function serviceTarget(client: ClusterClient, namespace: string, name: string, svc: ServiceObject, address: string, port: number, purpose: ServicePurpose = KAFKA_PURPOSE): Promise<PodTarget> {
  const selector = svc.spec?.selector ?? {};
  if (!Object.keys(selector).length) {
    throw new FirehoseError(purpose.codes.noSelector, `Service ${name} in ${namespace} selects no pods (no spec.selector), so firehose cannot port-forward to it.`, { hint: purpose.hint });
  }
  const ports = svc.spec?.ports ?? [];
  const servicePort = ports.find((p) => p.port === port);
  if (!servicePort) {
    throw new FirehoseError(purpose.codes.port, `Service ${name} in ${namespace} has no port ${port} (it has ${ports.map((p) => p.port).join(', ') || 'none'}).`, {
      hint: `Use one of its ports in ${purpose.subject} (${address}).`,
    });
  }
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = (await listPods(client, namespace, labelSelector)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const ready = pods.filter(isReady);
  if (!ready.length) {
    throw new FirehoseError(purpose.codes.notReady, pods.length
      ? `None of the ${pods.length} pods behind Service ${name} in ${namespace} (${labelSelector}) is ready.`
      : `No pods behind Service ${name} in ${namespace} (selector ${labelSelector}).`, {
      hint: purpose.readyHint(namespace, labelSelector),
    });
  }
  const target = servicePort.targetPort ?? port;
  for (const pod of ready) {
    const podPort = typeof target === 'number' ? target : /^\d+$/.test(target) ? Number(target) : containerPort(pod, target);
    if (podPort !== undefined) return { namespace, pod: pod.metadata.name, port: podPort, via: `Service ${name}` };
  }
  throw new FirehoseError(purpose.codes.port, `No pod behind Service ${name} in ${namespace} has a container port named "${target}".`, { hint: purpose.hint });
}

const RECEIVER_PURPOSE: ServicePurpose = {
  subject: 'the URL',
  hint: '`oc get svc,pods -n NAMESPACE` shows what is there; check the name and namespace in --to.',
  readyHint: (namespace, selector) => `\`oc get pods -n ${namespace} -l ${selector}\`: is it running? (A Knative Service scaled to zero has no pods: send through its broker, or its URL, which reaches the activator.)`,
  codes: { noSelector: 'SERVICE_UNREACHABLE', port: 'SERVICE_UNREACHABLE', notReady: 'SERVICE_NOT_READY' },
};

/**
 * The pod and port a cluster-local http URL leads to (http://broker-ingress.knative-eventing.svc.cluster.local/ns/default,
 * http://event-display.lab-7.svc.cluster.local): its Service, through ExternalName Services
 * (a Knative Service's name points at its ingress that way), to a ready pod behind it.
 */
export async function resolveServiceUrl(client: ClusterClient, url: URL): Promise<PodTarget> {
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  let host = url.hostname;
  for (let hop = 0; hop < 4; hop += 1) {
    const address = parseClusterAddress(host);
    if (!address || address.kind !== 'service') {
      throw new UsageError(`${host} in ${url.href} is not a cluster Service address (name.namespace[.svc.cluster.local]).`, 'Give kn\'s broker:NAME, ksvc:NAME or svc:NAME, or a URL whose host is a Service of the cluster.');
    }
    const what = `read Service ${address.service} in ${address.namespace}`;
    const res = await client.request('GET', `/api/v1/namespaces/${address.namespace}/services/${address.service}`, { what });
    if (res.status === 404) {
      throw new FirehoseError('SERVICE_UNREACHABLE', `No Service ${address.service} in namespace ${address.namespace} (the host of ${url.href}).`, { hint: RECEIVER_PURPOSE.hint });
    }
    if (res.status !== 200) throw client.fail(res, { what });
    const svc = res.json<ServiceObject & { spec?: { type?: string; externalName?: string } }>();
    if (svc.spec?.type === 'ExternalName' && svc.spec.externalName) {
      host = svc.spec.externalName;
      continue;
    }
    return serviceTarget(client, address.namespace, address.service, svc, url.href, port, RECEIVER_PURPOSE);
  }
  throw new FirehoseError('SERVICE_UNREACHABLE', `${url.href} leads through more than 3 ExternalName Services.`, { hint: RECEIVER_PURPOSE.hint });
}

/**
 * Opens one port-forward stream to a pod's port through the API server (the websocket
 * pods/portforward protocol, through @kubernetes/client-node's PortForward). The stream
 * ends when either side closes; what the kubelet reports on the error channel destroys it
 * with a FirehoseError.
 */
export async function openPortForward(client: ClusterClient, target: PodTarget): Promise<Duplex> {
  const k8s = await import('@kubernetes/client-node');
  const where = `pod ${target.namespace}/${target.pod} port ${target.port}`;
  const what = `port-forward to ${where}`;
  const fromPod = new PassThrough();
  const toPod = new PassThrough();
  const errorText: Buffer[] = [];
  const errorChannel = new PassThrough();
  errorChannel.on('data', (chunk: Buffer) => errorText.push(chunk));
  let ws: { on(event: string, listener: (...args: any[]) => void): unknown; close(): void; terminate?(): void };
  try {
    ws = await new k8s.PortForward(client.kubeConfig, true).portForward(target.namespace, target.pod, [target.port], fromPod, errorChannel, toPod) as never;
  } catch (error) {
    throw portForwardError(client, error, target);
  }
  const stream = Duplex.from({ readable: fromPod, writable: toPod });
  ws.on('error', (error: Error) => stream.destroy(translateNetworkError(error, { what, server: client.server })));
  ws.on('close', () => {
    const text = Buffer.concat(errorText).toString('utf8').trim();
    if (text) {
      stream.destroy(new FirehoseError('KAFKA_TUNNEL_FAILED', `The ${what} failed: ${text.replace(/\s*\n\s*/g, ' ')}`, {
        hint: `Is the broker listening on port ${target.port} in that pod? \`oc get pod ${target.pod} -n ${target.namespace} -o wide\`.`,
      }));
    } else {
      fromPod.end();
    }
  });
  // Our side done (the Kafka client ended or destroyed the socket): close the websocket.
  stream.on('close', () => ws.close());
  return stream;
}

function portForwardError(client: ClusterClient, error: unknown, target: PodTarget): FirehoseError {
  const where = `pod ${target.namespace}/${target.pod} port ${target.port}`;
  const ctx = { what: `port-forward to ${where}`, server: client.server };
  const message = (error as { message?: string })?.message ?? String(error);
  const status = Number(/Unexpected server response: (\d{3})/.exec(message)?.[1] ?? 0);
  if (status === 403) {
    return new FirehoseError('CLUSTER_FORBIDDEN', `Not allowed to port-forward to ${where} (pods/portforward in ${target.namespace}).`, {
      hint: `Reaching Kafka through the API server needs the RBAC right "create pods/portforward" in ${target.namespace}: ask the cluster admin, or use Strimzi's external listener (\`firehose doctor\` names it; \`firehose kafka ca\` writes its --ca-file).`,
    });
  }
  if (status === 404) {
    return new FirehoseError('KAFKA_POD_NOT_FOUND', `The pod ${target.namespace}/${target.pod} went away (port-forward answered 404).`, { hint: 'Try again: the Kafka pods may be restarting.' });
  }
  if (status) return translateStatusError(status, '', ctx);
  return translateNetworkError((error as { error?: unknown })?.error ?? error, ctx);
}

/** Maps broker addresses to pods (cached per address) and opens port-forward streams to them. */
export interface ClusterTunnel {
  /** The pod and port `host:port` leads to. */
  resolve(host: string, port: number): Promise<PodTarget>;
  /** A new port-forward stream to what `host:port` names. */
  open(host: string, port: number): Promise<Duplex>;
  /** Resolves the bootstrap addresses now, so a missing Service fails before the Kafka client starts retrying. */
  check(brokers: string[]): Promise<PodTarget[]>;
}

export interface ClusterTunnelOptions {
  /** Told once per address how it was mapped. */
  onMapped?: (address: string, target: PodTarget) => void;
}

export function createClusterTunnel(client: ClusterClient, brokers: string[], options: ClusterTunnelOptions = {}): ClusterTunnel {
  // Pod names and IPs (not cluster DNS names) are looked up in the bootstrap Service's namespace.
  const bootstrapNs = brokers.map((b) => parseClusterAddress(splitHostPort(b).host)).find(Boolean)?.namespace ?? client.namespace;
  const cache = new Map<string, Promise<PodTarget>>();
  const tunnel: ClusterTunnel = {
    resolve(host, port) {
      const key = `${host}:${port}`;
      let found = cache.get(key);
      if (!found) {
        found = resolveBrokerAddress(client, host, port, bootstrapNs);
        found.then((target) => options.onMapped?.(key, target), () => cache.delete(key));
        cache.set(key, found);
      }
      return found;
    },
    async open(host, port) {
      const target = await tunnel.resolve(host, port);
      try {
        return await openPortForward(client, target);
      } catch (error) {
        // The pod may have been replaced: map the address afresh next time.
        cache.delete(`${host}:${port}`);
        throw error;
      }
    },
    async check(list) {
      const results = await Promise.allSettled(list.map((b) => { const { host, port } = splitHostPort(b); return tunnel.resolve(host, port); }));
      const ok = results.filter((r): r is PromiseFulfilledResult<PodTarget> => r.status === 'fulfilled').map((r) => r.value);
      if (!ok.length) throw (results[0] as PromiseRejectedResult).reason;
      return ok;
    },
  };
  return tunnel;
}
