import { FirehoseError } from '../errors.js';
import type { ClusterClient } from './connect.js';
import { servedResources, type KindRef } from './discovery.js';
import { installHint } from './errors.js';
import { byGroup, KINDS } from './kinds.js';
import { clusterCaSecretName, externalListeners, kafkaListeners, readClusterCa, type KafkaCr } from './kafka-access.js';
import { decideTunnel, looksInCluster, resolveBrokerAddress, splitHostPort, type HostLookup } from './port-forward.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

export interface DoctorOptions {
  /**
   * Connects to `brokers` (kafkaAccess's, or the found Kafka CR's); throws when they do not
   * answer. Skipped when absent (--no-kafka).
   */
  kafkaCheck?: (brokers: string[]) => Promise<void | string[]>;
  /** Where the lab's Kafka CR lives. Default my-cluster in kafka. */
  kafkaCluster?: { name: string; namespace: string };
  /**
   * How firehose would reach Kafka: whether the bootstrap resolves here or goes through
   * port-forward (and to which pod), Strimzi's external listeners, the cluster CA secret.
   */
  kafkaAccess?: { brokers?: string[]; viaCluster?: boolean; lookup?: HostLookup };
  /** Also seed 002's APIs (MirrorMaker2, Camel K), and (with kafkaCheck's topics) the mirrored topics. */
  edge?: boolean;
  /** The source alias mirrored topics start with (`<alias>.<topic>`). Default manuela-factory. */
  mirrorAlias?: string;
}

/** The bootstrap address of a Strimzi Kafka CR inside the cluster: its plain internal listener (status, else the service name). */
export function internalBootstrap(cr: KafkaCr, kc: { name: string; namespace: string }): string {
  const listeners = kafkaListeners(cr).filter((l) => l.type === 'internal');
  const listener = listeners.find((l) => !l.tls) ?? listeners[0];
  return listener?.bootstrap ?? `${kc.name}-kafka-bootstrap.${kc.namespace}.svc:${listener?.port ?? 9092}`;
}

/** The API groups and kinds the lab needs, one check per group. */
export const DOCTOR_APIS: Array<{ group: string; kinds: string[] }> = byGroup(['Kafka', 'KafkaTopic', 'KafkaSource', 'Channel', 'Subscription', 'KafkaChannel', 'Broker', 'Trigger', 'Service']);

/** With --edge, seed 002's: MirrorMaker2 and Camel K (the factory's MQTT → Kafka Integration). */
export const EDGE_APIS: Array<{ group: string; kinds: string[] }> = byGroup(['KafkaMirrorMaker2', 'Integration']);

/** The API checks: the lab's, and with `edge` seed 002's too (a kafka.strimzi.io group stays one check). */
export function doctorApis(edge: boolean): Array<{ group: string; kinds: string[] }> {
  if (!edge) return DOCTOR_APIS;
  const apis = DOCTOR_APIS.map((a) => ({ group: a.group, kinds: [...a.kinds] }));
  for (const extra of EDGE_APIS) {
    const at = apis.find((a) => a.group === extra.group);
    if (at) at.kinds.push(...extra.kinds);
    else apis.push({ group: extra.group, kinds: [...extra.kinds] });
  }
  return apis;
}

export const KNATIVE_NAMESPACES = ['knative-eventing', 'knative-sources'];

/** The ConfigMap in knative-eventing that sets the default channel (the workshop's KnativeEventing `default-ch-webhook`). */
export const DEFAULT_CHANNEL_CONFIGMAPS = ['default-ch-webhook', 'config-default-kafka-channel', 'config-br-default-channel'];

function failed(name: string, error: unknown, hint?: string): Check {
  const e = error as FirehoseError;
  return { name, ok: false, detail: e?.message ?? String(error), hint: e instanceof FirehoseError && e.hint ? e.hint : hint };
}

/** Runs every check and reports each; never throws for a failing check. */
export async function runDoctor(client: ClusterClient, options: DoctorOptions = {}): Promise<Check[]> {
  const checks: Check[] = [];
  // 1. The API server answers at all (nothing else makes sense otherwise).
  try {
    const version = await client.json<{ gitVersion?: string }>('GET', '/version', { what: 'read the server version' });
    checks.push({ name: 'API server', ok: true, detail: `${client.server} (Kubernetes ${version.gitVersion ?? '?'}), context ${client.context}, user ${client.user ?? '?'}` });
  } catch (error) {
    checks.push(failed('API server', error));
    return checks;
  }

  // 2. Served API groups / kinds.
  const apis = doctorApis(Boolean(options.edge));
  const wanted: KindRef[] = apis.flatMap((a) => a.kinds.map((kind) => ({ group: a.group, kind })));
  let served: Awaited<ReturnType<typeof servedResources>> = [];
  try {
    served = await servedResources(client, wanted);
    for (const api of apis) {
      const present = api.kinds.map((k) => served.find((r) => r.group === api.group && r.kind === k));
      const missing = api.kinds.filter((_, i) => !present[i]);
      const found = present.filter((r) => r !== undefined).map((r) => `${r.kind} ${r.version}`);
      checks.push(missing.length
        ? { name: `API ${api.group}`, ok: false, detail: `not served: ${missing.join(', ')}${found.length ? `; served: ${found.join(', ')}` : ''}`,
            hint: `${[...new Set(missing.map((k) => installHint(k, api.group)))].join('; ')}.` }
        : { name: `API ${api.group}`, ok: true, detail: found.join(', ') });
    }
  } catch (error) {
    checks.push(failed('API discovery', error));
  }

  // 3. The Kafka cluster CR.
  const kc = options.kafkaCluster ?? { name: 'my-cluster', namespace: 'kafka' };
  const kafkaName = `Kafka ${kc.name} in ${kc.namespace}`;
  const kafka = served.find((r) => r.group === KINDS.Kafka.group && r.kind === 'Kafka');
  let kafkaCr: KafkaCr | undefined;
  if (!kafka) {
    checks.push({ name: kafkaName, ok: false, detail: 'the Kafka kind is not served', hint: `${installHint('Kafka', KINDS.Kafka.group)}, then create the cluster (workshop kafka-cluster.yml).` });
  } else {
    try {
      const res = await client.request('GET', `/apis/${kafka.group}/${kafka.version}/namespaces/${kc.namespace}/${kafka.plural}/${kc.name}`, { what: `read ${kafkaName}` });
      if (res.status === 404) {
        checks.push({ name: kafkaName, ok: false, detail: 'not found', hint: `Create it: \`oc apply -n ${kc.namespace} -f kafka-cluster.yml\` (the workshop's Kafka CR named ${kc.name}).` });
      } else if (res.status !== 200) {
        throw client.fail(res, { what: `read ${kafkaName}` });
      } else {
        const obj = res.json<KafkaCr & { status?: { conditions?: Array<{ type: string; status: string; message?: string }> } }>();
        kafkaCr = obj;
        const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
        checks.push({ name: kafkaName, ok: true, detail: ready ? `Ready=${ready.status}${ready.message ? ` (${ready.message})` : ''}` : 'exists (no status yet)' });
      }
    } catch (error) {
      checks.push(failed(kafkaName, error));
    }
  }

  // 4. Knative's pods.
  for (const ns of KNATIVE_NAMESPACES) {
    const name = `pods in ${ns}`;
    try {
      const res = await client.request('GET', `/api/v1/namespaces/${ns}/pods`, { what: `list pods in ${ns}` });
      if (res.status !== 200) throw client.fail(res, { what: `list pods in ${ns}` });
      const pods = res.json<{ items?: Array<{ metadata: { name: string }; status?: { phase?: string } }> }>().items ?? [];
      const running = pods.filter((p) => p.status?.phase === 'Running');
      checks.push(running.length
        ? { name, ok: true, detail: `${running.length} Running (${running.slice(0, 3).map((p) => p.metadata.name).join(', ')}${running.length > 3 ? ', …' : ''})` }
        : { name, ok: false, detail: pods.length ? `${pods.length} pods, none Running` : 'no pods',
            hint: ns === 'knative-sources'
              ? 'Install Knative\'s Kafka source (KnativeKafka with source.enabled), or check its pods with `oc get pods -n knative-sources`.'
              : 'Install Knative Eventing (OpenShift Serverless: a KnativeEventing CR), or check `oc get pods -n knative-eventing`.' });
    } catch (error) {
      checks.push(failed(name, error));
    }
  }

  // 5. The default channel ConfigMap naming KafkaChannel.
  {
    const name = 'default channel (KafkaChannel)';
    try {
      let found: { cm: string; kafka: boolean } | undefined;
      for (const cm of DEFAULT_CHANNEL_CONFIGMAPS) {
        const res = await client.request('GET', `/api/v1/namespaces/knative-eventing/configmaps/${cm}`, { what: `read ConfigMap ${cm} in knative-eventing` });
        if (res.status === 404) continue;
        if (res.status !== 200) throw client.fail(res, { what: `read ConfigMap ${cm} in knative-eventing` });
        const data = res.json<{ data?: Record<string, string> }>().data ?? {};
        const kafka = Object.values(data).some((v) => /kind:\s*["']?KafkaChannel\b/.test(v));
        found = { cm, kafka };
        if (kafka) break;
      }
      const fix = 'Set KafkaChannel as the default channel: the workshop\'s kafka-channel-configmap.yml (KnativeEventing spec.config.default-ch-webhook.default-ch-config).';
      checks.push(!found
        ? { name, ok: false, detail: `no ConfigMap ${DEFAULT_CHANNEL_CONFIGMAPS[0]} in knative-eventing`, hint: fix }
        : found.kafka
          ? { name, ok: true, detail: `ConfigMap ${found.cm} in knative-eventing names KafkaChannel` }
          : { name, ok: false, detail: `ConfigMap ${found.cm} in knative-eventing does not name KafkaChannel`, hint: fix });
    } catch (error) {
      checks.push(failed(name, error));
    }
  }

  // 6. How Kafka is reachable from here.
  // Without a bootstrap given (--bootstrap, environment, config file), the Kafka CR just found.
  const brokers = options.kafkaAccess?.brokers ?? (kafkaCr ? [internalBootstrap(kafkaCr, kc)] : ['localhost:9092']);
  if (options.kafkaAccess) checks.push(...await kafkaAccessChecks(client, { ...options.kafkaAccess, brokers }, kc, kafkaCr));

  // 7. Kafka's bootstrap answers.
  if (options.kafkaCheck) {
    const name = 'Kafka bootstrap';
    try {
      const topics = await options.kafkaCheck(brokers);
      checks.push({ name, ok: true, detail: 'answers' });
      if (options.edge && topics) checks.push(mirroredTopicsCheck(topics, options.mirrorAlias ?? 'manuela-factory'));
    } catch (error) {
      checks.push(failed(name, error, 'Check --bootstrap; from outside the cluster firehose reaches the lab\'s my-cluster-kafka-bootstrap.kafka:9092 by port-forward (--via-cluster), or use an external listener with --ca-file (see the lines above).'));
    }
  }
  return checks;
}

/** Seed 002's "data arriving in the central DC": topics the mirror made, <alias>.<topic>. */
function mirroredTopicsCheck(topics: string[], alias: string): Check {
  const mirrored = topics.filter((t) => t.startsWith(`${alias}.`)).sort();
  const name = `mirrored topics (${alias}.*)`;
  return mirrored.length
    ? { name, ok: true, detail: `${mirrored.length}: ${mirrored.slice(0, 4).join(', ')}${mirrored.length > 4 ? ', …' : ''}` }
    : { name, ok: false, detail: `none of the ${topics.length} topics starts with ${alias}.`, hint: `Nothing is mirrored here yet: check the KafkaMirrorMaker2 (\`firehose mirror list\`), or mirror from this machine with \`firehose mirror run --source-alias ${alias}\`; --mirror-alias if your source has another alias.` };
}

async function kafkaAccessChecks(client: ClusterClient, access: NonNullable<DoctorOptions['kafkaAccess']> & { brokers: string[] }, kc: { name: string; namespace: string }, cr: KafkaCr | undefined): Promise<Check[]> {
  const checks: Check[] = [];
  const bootstrap = access.brokers.join(',');
  {
    const name = 'Kafka address';
    const decision = await decideTunnel(access.brokers, Boolean(access.viaCluster), access.lookup);
    if (!decision.tunnel) {
      const inCluster = access.brokers.some((b) => looksInCluster(splitHostPort(b).host));
      checks.push({ name, ok: true, detail: `${bootstrap}: ${inCluster ? 'resolves here' : 'connects directly'}` });
    } else {
      try {
        const { host, port } = splitHostPort(access.brokers[0]!);
        const target = await resolveBrokerAddress(client, host, port);
        checks.push({ name, ok: true, detail: `${bootstrap}: ${decision.reason}; firehose port-forwards through the API server (${target.via} → pod ${target.namespace}/${target.pod} port ${target.port})` });
      } catch (error) {
        checks.push(failed(name, error));
      }
    }
  }
  if (!cr) return checks;
  const all = kafkaListeners(cr);
  const external = externalListeners(cr);
  checks.push({
    name: 'Kafka external listeners',
    ok: true,
    detail: external.length
      ? external.map((l) => `${l.name} (${l.type}${l.tls ? ', TLS' : ''}): ${l.bootstrap ?? 'no address in status yet'}`).join('; ')
      : `none (listeners: ${all.map((l) => `${l.name} ${l.type}`).join(', ') || 'none'}): from outside the cluster firehose port-forwards`,
  });
  if (all.some((l) => l.tls)) {
    const name = 'Kafka cluster CA';
    const secret = clusterCaSecretName(kc.name);
    try {
      await readClusterCa(client, { cluster: kc.name, namespace: kc.namespace });
      const tlsExternal = external.find((l) => l.tls && l.bootstrap);
      checks.push({ name, ok: true, detail: `Secret ${secret} in ${kc.namespace} has ca.crt: \`firehose kafka ca --out ca.crt\`${tlsExternal ? `, then --bootstrap ${tlsExternal.bootstrap} --ca-file ca.crt` : ', then --ca-file ca.crt'}` });
    } catch (error) {
      checks.push(failed(name, error));
    }
  }
  return checks;
}
