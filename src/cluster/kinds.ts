// The one catalogue of the Kubernetes kinds firehose uses: the API group each comes from,
// the version firehose writes when the cluster is not asked (templates, references), and
// what to install when the cluster does not serve it. Templates, apply and cleanup, the
// "not installed" errors and doctor all read it here. Plain data: no Kubernetes client.

const STRIMZI = 'install the Strimzi operator (AMQ Streams on OpenShift)';
const EVENTING = 'install Knative Eventing';

export interface KindInfo {
  /** "" for the core group (ConfigMap). */
  group: string;
  /** The version firehose renders when neither --api-version nor discovery says otherwise. */
  defaultVersion: string;
  /** What to install when the cluster does not serve the kind; none for core kinds. */
  install?: string;
  /** The Kubernetes kind when the key is not it (CoreService is core v1 Service). */
  kind?: string;
}

export const KINDS = {
  Kafka: { group: 'kafka.strimzi.io', defaultVersion: 'v1beta2', install: STRIMZI },
  // Strimzi 0.22-0.4x serve v1beta2 (0.45 also v1beta1/v1alpha1); Strimzi >= 0.49 (1.x) serves
  // only v1. v1beta2 is what most installed operators (and AMQ Streams 2.x) accept today; use
  // --api-version KafkaTopic=kafka.strimzi.io/v1 for Strimzi 1.x. The spec (partitions,
  // replicas, config, topicName) is the same in v1alpha1, v1beta1, v1beta2 and v1: only the
  // apiVersion string changes.
  KafkaTopic: { group: 'kafka.strimzi.io', defaultVersion: 'v1beta2', install: STRIMZI },
  // v1beta2 as for KafkaTopic (v1alpha1 in Strimzi 0.20 has the same shape); v1 (Strimzi
  // 1.x) replaced connectCluster/clusters with spec.target and mirrors[].source: the
  // template's adapt().
  KafkaMirrorMaker2: { group: 'kafka.strimzi.io', defaultVersion: 'v1beta2', install: STRIMZI },
  // Served at v1beta1 and v1 by eventing-kafka-broker, with the same spec. The legacy
  // eventing-kafka v0.x adapter served v1beta1 only (same field names); its v1alpha1
  // took bootstrapServers and topics as comma-separated strings: the template's adapt().
  KafkaSource: { group: 'sources.knative.dev', defaultVersion: 'v1', install: 'install Knative\'s Kafka source (eventing-kafka-broker\'s kafka-source; KnativeKafka with source.enabled on OpenShift Serverless)' },
  // v1 (and v1beta2) call the payload `data`; v1alpha2/v1beta1 (the seed's) call it jsonData.
  PingSource: { group: 'sources.knative.dev', defaultVersion: 'v1', install: EVENTING },
  // eventing-kafka-broker serves v1beta1 (storage) and v1, same spec; older eventing-kafka
  // releases (and the workshop's default-ch-webhook config) know only v1beta1.
  KafkaChannel: { group: 'messaging.knative.dev', defaultVersion: 'v1beta1', install: 'install Knative\'s Kafka channel (eventing-kafka-broker\'s kafka-channel; KnativeKafka with channel.enabled on OpenShift Serverless)' },
  Channel: { group: 'messaging.knative.dev', defaultVersion: 'v1', install: EVENTING },
  InMemoryChannel: { group: 'messaging.knative.dev', defaultVersion: 'v1', install: 'install Knative Eventing (its in-memory channel)' },
  Subscription: { group: 'messaging.knative.dev', defaultVersion: 'v1', install: EVENTING },
  Broker: { group: 'eventing.knative.dev', defaultVersion: 'v1', install: EVENTING },
  // The seeds used v1alpha1/v1beta1, which current Knative no longer serves; broker,
  // filter.attributes and subscriber have the same shape there, so only the string changes.
  Trigger: { group: 'eventing.knative.dev', defaultVersion: 'v1', install: EVENTING },
  KafkaSink: { group: 'eventing.knative.dev', defaultVersion: 'v1alpha1', install: 'install Knative\'s Kafka sink (eventing-kafka-broker\'s kafka-sink; KnativeKafka with sink.enabled on OpenShift Serverless)' },
  Service: { group: 'serving.knative.dev', defaultVersion: 'v1', install: 'install Knative Serving (OpenShift Serverless)' },
  // Seed 002's MQTT → Kafka route on the factory cluster (Camel K 1.x and 2.x serve v1).
  Integration: { group: 'camel.apache.org', defaultVersion: 'v1', install: 'install Camel K (the Red Hat Integration - Camel K operator on OpenShift)' },
  ConfigMap: { group: '', defaultVersion: 'v1' },
  // What `func deploy` runs a function with when it is not a Knative Service.
  Deployment: { group: 'apps', defaultVersion: 'v1' },
  // Core v1 Service: the key `Service` above is Knative Serving's (what the templates mean
  // by Service), so this one has its own key and names its kind.
  CoreService: { group: '', defaultVersion: 'v1', kind: 'Service' },
} satisfies Record<string, KindInfo>;

export type KnownKind = keyof typeof KINDS;

/** The catalogue entry of a kind, or undefined for a kind firehose does not know. */
export function kindInfo(kind: string): KindInfo | undefined {
  return Object.hasOwn(KINDS, kind) ? (KINDS as Record<string, KindInfo>)[kind] : undefined;
}

/** The Kubernetes kind a catalogue key stands for ("Service" for CoreService). */
export function kindName(kind: KnownKind): string {
  return (KINDS[kind] as KindInfo).kind ?? kind;
}

/** `{ group, kind }` of a known kind, as discovery takes it. */
export function kindRef(kind: KnownKind): { group: string; kind: string } {
  return { group: KINDS[kind].group, kind: kindName(kind) };
}

/** "group/version" (or "v1" for the core group) firehose writes for a known kind by default. */
export function defaultApiVersion(kind: KnownKind): string {
  const { group, defaultVersion } = KINDS[kind];
  return group ? `${group}/${defaultVersion}` : defaultVersion;
}

/** Known kinds grouped by API group, groups in the order they first appear. */
export function byGroup(kinds: KnownKind[]): Array<{ group: string; kinds: KnownKind[] }> {
  const groups: Array<{ group: string; kinds: KnownKind[] }> = [];
  for (const kind of kinds) {
    const group = KINDS[kind].group;
    const at = groups.find((g) => g.group === group);
    if (at) at.kinds.push(kind);
    else groups.push({ group, kinds: [kind] });
  }
  return groups;
}
