// The template catalogue: each workshop template (its kind, description, --set keys and
// key families, per-user defaults, adaptations to older API versions) beside the YAML file of
// the same name under templates/. render.ts loads and renders them.
import { defaultApiVersion, KINDS, type KnownKind } from '../cluster/kinds.js';
import { LINK_SECRETS } from '../edge/certs.js';
import { UsageError } from '../errors.js';
import { bad, destination, hostPorts, kReference, list, objectName, oneOf, scalar, serviceName, text, wholeNumber, type Ctx, type Obj } from './values.js';

export interface TemplateInfo {
  name: string;
  kind: string;
  /** API group ('' for the core group, e.g. ConfigMap). */
  group: string;
  description: string;
  /** The version rendered unless --api-version says otherwise (just the version: 'v1beta2'). */
  defaultVersion: string;
  /** Settable --set keys; a key ending in `<...>` is a family (filter.<attr> → filter.type, filter.source). */
  keys: string[];
}


interface KeyDef {
  key: string;
  apply(obj: Obj, value: string, ctx: Ctx): void;
}

interface FamilyDef {
  /** e.g. 'filter.' for filter.<attr> */
  prefix: string;
  label: string;
  apply(obj: Obj, sub: string, value: string, ctx: Ctx): void;
}

export interface TemplateDef {
  name: string;
  /** Its API group and default version come from the kinds catalogue (cluster/kinds.ts). */
  kind: KnownKind;
  description: string;
  keys: KeyDef[];
  families?: FamilyDef[];
  /** Per-user defaults (my-topic-N, knative-group-N), applied before --set. */
  user?(obj: Obj, n: number): void;
  /** Reshapes the rendered object for an apiVersion whose schema differs from the template's. */
  adapt?(obj: Obj, version: string): void;
}

const nameKey = (check: (k: string, v: string) => string = objectName): KeyDef => ({
  key: 'name',
  apply: (o, v) => {
    o.metadata.name = check('name', v);
  },
});

function ensure(obj: Obj, ...path: string[]): Obj {
  let at = obj;
  for (const p of path) {
    if (at[p] === null || typeof at[p] !== 'object') at[p] = {};
    at = at[p];
  }
  return at;
}

/** A duration as Knative's delivery wants it (ISO 8601: PT0.2S); 200ms, 2s and PT0.2S are all taken. */
function isoDuration(key: string, value: string): string {
  if (/^P(T(\d+(\.\d+)?[HMS])+|\d+D)$/.test(value)) return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!match) bad(key, value, `${key} takes a duration such as 200ms, 2s or PT0.2S`);
  const seconds = Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return `PT${Number(seconds.toFixed(3))}S`;
}

/** Knative's spec.delivery on triggers and subscriptions: dead letter sink, retries, backoff. */
const deliveryKeys: KeyDef[] = [
  { key: 'deadLetter', apply: (o, v, ctx) => void (ensure(o, 'spec', 'delivery').deadLetterSink = destination('deadLetter', v, 'Service', ctx)) },
  { key: 'retry', apply: (o, v) => void (ensure(o, 'spec', 'delivery').retry = wholeNumber('retry', v, 0)) },
  { key: 'backoffDelay', apply: (o, v) => void (ensure(o, 'spec', 'delivery').backoffDelay = isoDuration('backoffDelay', v)) },
  { key: 'backoffPolicy', apply: (o, v) => void (ensure(o, 'spec', 'delivery').backoffPolicy = oneOf('backoffPolicy', v, ['exponential', 'linear'])) },
];

/** Sets `key=value` in a Java properties text, replacing the key's line or appending one. */
function setProperty(textBlock: string, key: string, value: string): string {
  const lines = textBlock.replace(/\n+$/, '').split('\n');
  const at = lines.findIndex((l) => l.trim().split('=')[0]?.trim() === key);
  if (at >= 0) lines[at] = `${key}=${value}`;
  else lines.push(`${key}=${value}`);
  return `${lines.join('\n')}\n`;
}

const propertyFamily: FamilyDef = {
  prefix: 'property.',
  label: 'property.<key>',
  apply: (o, sub, v) => {
    if (!/^[A-Za-z0-9._-]+$/.test(sub)) bad(`property.${sub}`, v, 'property names are letters, digits, ".", "_" and "-"');
    const data = ensure(o, 'data');
    data['application.properties'] = setProperty(String(data['application.properties'] ?? ''), sub, v);
  },
};

const DURATION_8601 = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** The template's two Kafka clusters in the v1beta2 shape (connectCluster = the target). */
function mm2Clusters(o: Obj): { source: Obj; target: Obj; mirror: Obj } {
  const spec = o.spec as Obj;
  const mirror = (spec.mirrors as Obj[])[0]!;
  const byAlias = (alias: string) => (spec.clusters as Obj[]).find((c) => c.alias === alias)!;
  return { source: byAlias(mirror.sourceCluster), target: byAlias(mirror.targetCluster), mirror };
}

/**
 * The two keys of a cluster's TLS trust: the Secret holding the CA (an empty value turns TLS
 * off: a plain in-cluster listener) and the file in it (tls.crt unless set).
 */
function mm2TlsKeys(side: 'source' | 'target', secretKey: string, certificateKey: string, defaultSecret: string): KeyDef[] {
  return [
    {
      key: secretKey,
      apply: (o, v) => {
        const cluster = mm2Clusters(o)[side];
        if (v === '') return void delete cluster.tls;
        const cert = (cluster.tls?.trustedCertificates?.[0]?.certificate as string | undefined) ?? 'tls.crt';
        cluster.tls = { trustedCertificates: [{ secretName: objectName(secretKey, v), certificate: cert }] };
      },
    },
    {
      key: certificateKey,
      apply: (o, v) => {
        const cluster = mm2Clusters(o)[side];
        const secretName = (cluster.tls?.trustedCertificates?.[0]?.secretName as string | undefined) ?? defaultSecret;
        cluster.tls = { trustedCertificates: [{ secretName, certificate: text(certificateKey, v) }] };
      },
    },
  ];
}

/** A setting both connectors that name remote topics (source, checkpoint) must agree on. */
function mm2ConnectorConfig(o: Obj, key: string, value: string): void {
  const { mirror } = mm2Clusters(o);
  for (const connector of ['sourceConnector', 'checkpointConnector']) ensure(mirror, connector, 'config')[key] = value;
}

function mm2Alias(key: string, value: string): string {
  if (!/^[a-zA-Z0-9._-]{1,100}$/.test(value)) bad(key, value, `${key} must be 1-100 letters, digits, '.', '_' or '-'`);
  return value;
}

/** A Kafka version as Strimzi takes it (3.4.0), and its major.minor for the two *.version configs. */
function kafkaVersion(key: string, value: string): { full: string; minor: string } {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(value);
  if (!match) bad(key, value, `${key} takes a Kafka version such as 3.4.0`);
  return { full: value, minor: `${match[1]}.${match[2]}` };
}

/** Strimzi's listener types that reach a cluster from outside. */
const EXTERNAL_TYPES = ['route', 'ingress', 'loadbalancer', 'nodeport'] as const;

/** A Kafka's `external` listener (port 9094, TLS), added the first time a key asks for it. */
function externalListener(o: Obj): Obj {
  const listeners = o.spec.kafka.listeners as Obj[];
  let listener = listeners.find((l) => l.name === 'external');
  if (!listener) {
    listener = { name: 'external', port: 9094, type: 'route', tls: true, configuration: {} };
    listeners.push(listener);
  }
  return listener;
}

const TEMPLATES: TemplateDef[] = [
  {
    name: 'kafka-cluster',
    kind: 'Kafka',
    description: 'Strimzi Kafka my-cluster: 1 broker, plain 9092 and TLS 9093 internal listeners, ZooKeeper (Strimzi <= 0.45)',
    keys: [
      nameKey(),
      { key: 'replicas', apply: (o, v) => void (o.spec.kafka.replicas = wholeNumber('replicas', v)) },
      {
        key: 'version',
        apply: (o, v) => {
          const { full, minor } = kafkaVersion('version', v);
          o.spec.kafka.version = full;
          o.spec.kafka.config['log.message.format.version'] = minor;
          o.spec.kafka.config['inter.broker.protocol.version'] = minor;
        },
      },
      { key: 'storageSize', apply: (o, v) => void (o.spec.kafka.storage.volumes[0].size = o.spec.zookeeper.storage.size = text('storageSize', v)) },
      {
        // Seed 002's central cluster: a TLS listener outside the cluster (an OpenShift route by
        // default) serving the certificate `firehose certs` made, which MirrorMaker2 trusts.
        key: 'externalTlsSecret',
        apply: (o, v) => {
          externalListener(o).configuration.brokerCertChainAndKey = { secretName: objectName('externalTlsSecret', v), certificate: 'tls.crt', key: 'tls.key' };
        },
      },
      {
        key: 'externalType',
        apply: (o, v) => void (externalListener(o).type = oneOf('externalType', v, EXTERNAL_TYPES)),
      },
    ],
  },
  {
    name: 'kafka-topic',
    kind: 'KafkaTopic',
    description: 'Strimzi KafkaTopic my-topic-<N> on my-cluster: 10 partitions, 1 replica',
    user: (o, n) => {
      o.metadata.name = `my-topic-${n}`;
    },
    keys: [
      nameKey(),
      { key: 'partitions', apply: (o, v) => void (o.spec.partitions = wholeNumber('partitions', v)) },
      { key: 'replicas', apply: (o, v) => void (o.spec.replicas = wholeNumber('replicas', v)) },
      { key: 'cluster', apply: (o, v) => void (ensure(o, 'metadata', 'labels')['strimzi.io/cluster'] = objectName('cluster', v)) },
    ],
    families: [{ prefix: 'config.', label: 'config.<topic-config>', apply: (o, sub, v) => void (ensure(o, 'spec', 'config')[sub] = scalar(v)) }],
  },
  {
    name: 'sink',
    kind: 'Service',
    description: 'Knative Service eventinghello: one event at a time per pod, scales 0..10',
    keys: [
      {
        key: 'name',
        apply: (o, v) => {
          o.metadata.name = serviceName('name', v);
          // A revision name must start with its service's name.
          const meta = ensure(o, 'spec', 'template', 'metadata');
          if (meta.name) meta.name = `${v}-v1`;
        },
      },
      { key: 'image', apply: (o, v) => void (o.spec.template.spec.containers[0].image = text('image', v)) },
      { key: 'maxScale', apply: (o, v) => void (ensure(o, 'spec', 'template', 'metadata', 'annotations')['autoscaling.knative.dev/maxScale'] = String(wholeNumber('maxScale', v, 0))) },
      { key: 'minScale', apply: (o, v) => void (ensure(o, 'spec', 'template', 'metadata', 'annotations')['autoscaling.knative.dev/minScale'] = String(wholeNumber('minScale', v, 0))) },
      { key: 'target', apply: (o, v) => void (ensure(o, 'spec', 'template', 'metadata', 'annotations')['autoscaling.knative.dev/target'] = String(wholeNumber('target', v))) },
      { key: 'containerConcurrency', apply: (o, v) => void (o.spec.template.spec.containerConcurrency = wholeNumber('containerConcurrency', v, 0)) },
    ],
  },
  {
    name: 'kafka-source',
    kind: 'KafkaSource',
    description: 'KafkaSource mykafka-source: my-topic-<N>, group knative-group-<N>, sink eventinghello',
    user: (o, n) => {
      o.spec.consumerGroup = `knative-group-${n}`;
      o.spec.topics = [`my-topic-${n}`];
    },
    keys: [
      nameKey(),
      { key: 'topic', apply: (o, v) => void (o.spec.topics = list('topic', v)) },
      { key: 'group', apply: (o, v) => void (o.spec.consumerGroup = text('group', v)) },
      { key: 'bootstrapServers', apply: (o, v) => void (o.spec.bootstrapServers = hostPorts('bootstrapServers', v)) },
      { key: 'sink', apply: (o, v, ctx) => void (o.spec.sink = destination('sink', v, 'Service', ctx)) },
      { key: 'initialOffset', apply: (o, v) => void (o.spec.initialOffset = oneOf('initialOffset', v, ['earliest', 'latest'])) },
      { key: 'ordering', apply: (o, v) => void (o.spec.ordering = oneOf('ordering', v, ['ordered', 'unordered'])) },
    ],
    adapt: (o, version) => {
      if (version !== 'v1alpha1') return;
      o.spec.bootstrapServers = (o.spec.bootstrapServers as string[]).join(',');
      o.spec.topics = (o.spec.topics as string[]).join(',');
    },
  },
  {
    name: 'broker',
    kind: 'Broker',
    description: 'Broker default, class MTChannelBasedBroker (or Kafka: durable)',
    keys: [
      nameKey(),
      {
        key: 'class',
        apply: (o, v) => {
          const cls = oneOf('class', v, ['MTChannelBasedBroker', 'Kafka']);
          ensure(o, 'metadata', 'annotations')['eventing.knative.dev/broker.class'] = cls;
          const spec = ensure(o, 'spec');
          // The Kafka broker reads its topic settings and bootstrap servers from this ConfigMap.
          if (cls === 'Kafka') spec.config = { apiVersion: 'v1', kind: 'ConfigMap', name: 'kafka-broker-config', namespace: 'knative-eventing' };
          else delete spec.config;
        },
      },
    ],
  },
  {
    name: 'trigger',
    kind: 'Trigger',
    description: 'Trigger my-trigger on broker default to event-display; filter.<attr> narrows it',
    keys: [
      nameKey(),
      { key: 'broker', apply: (o, v) => void (o.spec.broker = objectName('broker', v)) },
      { key: 'subscriber', apply: (o, v, ctx) => void (o.spec.subscriber = destination('subscriber', v, 'Service', ctx)) },
      ...deliveryKeys,
      // The Kafka broker class delivers a trigger's events in order per partition, or not.
      { key: 'ordering', apply: (o, v) => void (ensure(o, 'metadata', 'annotations')['kafka.eventing.knative.dev/delivery.order'] = oneOf('ordering', v, ['ordered', 'unordered'])) },
    ],
    families: [
      {
        prefix: 'filter.',
        label: 'filter.<attr>',
        apply: (o, sub, v) => {
          // CloudEvents attribute names: lower-case letters and digits.
          if (!/^[a-z0-9]{1,20}$/.test(sub)) bad(`filter.${sub}`, v, `"${sub}" is not a CloudEvents attribute name (lower-case letters and digits, e.g. type, source)`);
          ensure(o, 'spec', 'filter', 'attributes')[sub] = v;
        },
      },
    ],
  },
  {
    name: 'channel',
    kind: 'Channel',
    description: "Channel my-channel, backed by the cluster's default channel (or kind=...)",
    keys: [
      nameKey(),
      {
        key: 'kind',
        apply: (o, v, ctx) => {
          const kind = oneOf('kind', v, ['InMemoryChannel', 'KafkaChannel']) as KnownKind;
          ensure(o, 'spec').channelTemplate = { apiVersion: ctx.apiVersions[kind] ?? defaultApiVersion(kind), kind };
        },
      },
    ],
  },
  {
    name: 'kafka-channel',
    kind: 'KafkaChannel',
    description: 'KafkaChannel my-kafka-channel: 1 partition, 1 replica',
    keys: [
      nameKey(),
      { key: 'partitions', apply: (o, v) => void (o.spec.numPartitions = wholeNumber('partitions', v)) },
      { key: 'replicas', apply: (o, v) => void (o.spec.replicationFactor = wholeNumber('replicas', v)) },
      {
        key: 'retention',
        apply: (o, v) => {
          if (!DURATION_8601.test(v)) bad('retention', v, 'retention is an ISO-8601 duration such as PT24H or P7D');
          o.spec.retentionDuration = v;
        },
      },
    ],
  },
  {
    name: 'in-memory-channel',
    kind: 'InMemoryChannel',
    description: 'InMemoryChannel my-in-memory-channel (not durable)',
    keys: [nameKey()],
  },
  {
    name: 'subscription',
    kind: 'Subscription',
    description: 'Subscription my-subscription: channel my-channel to event-display',
    keys: [
      nameKey(),
      { key: 'channel', apply: (o, v, ctx) => void (o.spec.channel = kReference('channel', v, 'Channel', ctx, ['Channel', 'InMemoryChannel', 'KafkaChannel'])) },
      { key: 'subscriber', apply: (o, v, ctx) => void (o.spec.subscriber = destination('subscriber', v, 'Service', ctx)) },
      { key: 'reply', apply: (o, v, ctx) => void (o.spec.reply = destination('reply', v, 'Broker', ctx)) },
      ...deliveryKeys,
    ],
  },
  {
    name: 'kafka-sink',
    kind: 'KafkaSink',
    description: 'KafkaSink my-kafka-sink: CloudEvents POSTed to it go into my-topic-<N>',
    user: (o, n) => {
      o.spec.topic = `my-topic-${n}`;
    },
    keys: [
      nameKey(),
      { key: 'topic', apply: (o, v) => void (o.spec.topic = text('topic', v)) },
      { key: 'bootstrapServers', apply: (o, v) => void (o.spec.bootstrapServers = hostPorts('bootstrapServers', v)) },
      { key: 'partitions', apply: (o, v) => void (o.spec.numPartitions = wholeNumber('partitions', v)) },
      { key: 'replicas', apply: (o, v) => void (o.spec.replicationFactor = wholeNumber('replicas', v)) },
      { key: 'contentMode', apply: (o, v) => void (o.spec.contentMode = oneOf('contentMode', v, ['binary', 'structured'])) },
    ],
  },
  {
    name: 'ping-source',
    kind: 'PingSource',
    description: 'PingSource ping-source: {"message": "Hello serverless!"} every minute to broker default',
    keys: [
      nameKey(),
      {
        key: 'schedule',
        apply: (o, v) => {
          if (!(/^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every\s+\S+)$/.test(v.trim()) || v.trim().split(/\s+/).length === 5)) {
            bad('schedule', v, 'schedule is a cron expression with 5 fields, e.g. "*/1 * * * *"');
          }
          o.spec.schedule = v;
        },
      },
      { key: 'data', apply: (o, v) => void (o.spec.data = v) },
      { key: 'contentType', apply: (o, v) => void (o.spec.contentType = text('contentType', v)) },
      { key: 'sink', apply: (o, v, ctx) => void (o.spec.sink = destination('sink', v, 'Broker', ctx)) },
    ],
    adapt: (o, version) => {
      if (!['v1alpha1', 'v1alpha2', 'v1beta1'].includes(version)) return;
      if (o.spec.data !== undefined) o.spec.jsonData = o.spec.data;
      delete o.spec.data;
      delete o.spec.contentType;
    },
  },
  {
    name: 'event-display',
    kind: 'Service',
    description: 'Knative Service event-display: logs every CloudEvent it receives',
    keys: [nameKey(serviceName), { key: 'image', apply: (o, v) => void (o.spec.template.spec.containers[0].image = text('image', v)) }],
  },
  {
    name: 'mirror-maker2',
    kind: 'KafkaMirrorMaker2',
    description: 'KafkaMirrorMaker2 factory-to-central: all topics and groups, TLS to the target',
    keys: [
      nameKey(),
      { key: 'replicas', apply: (o, v) => void (o.spec.replicas = wholeNumber('replicas', v)) },
      {
        key: 'sourceAlias',
        apply: (o, v) => {
          const { source, mirror } = mm2Clusters(o);
          source.alias = mirror.sourceCluster = mm2Alias('sourceAlias', v);
        },
      },
      {
        key: 'targetAlias',
        apply: (o, v) => {
          const { target, mirror } = mm2Clusters(o);
          target.alias = mirror.targetCluster = o.spec.connectCluster = mm2Alias('targetAlias', v);
        },
      },
      { key: 'sourceBootstrap', apply: (o, v) => void (mm2Clusters(o).source.bootstrapServers = hostPorts('sourceBootstrap', v).join(',')) },
      { key: 'targetBootstrap', apply: (o, v) => void (mm2Clusters(o).target.bootstrapServers = hostPorts('targetBootstrap', v).join(',')) },
      { key: 'topicsPattern', apply: (o, v) => void (mm2Clusters(o).mirror.topicsPattern = text('topicsPattern', v)) },
      { key: 'groupsPattern', apply: (o, v) => void (mm2Clusters(o).mirror.groupsPattern = text('groupsPattern', v)) },
      // TLS to the target (the seed's), and to the source too when asked.
      ...mm2TlsKeys('target', 'trustedCertificateSecret', 'trustedCertificate', 'kafka-tls-certificate'),
      ...mm2TlsKeys('source', 'sourceTrustedCertificateSecret', 'sourceTrustedCertificate', 'source-cluster-ca-cert'),
      // MirrorMaker2's replication policy, set on the source and checkpoint connectors (which name remote topics).
      { key: 'separator', apply: (o, v) => mm2ConnectorConfig(o, 'replication.policy.separator', text('separator', v)) },
      {
        key: 'replicationPolicy',
        apply: (o, v) => mm2ConnectorConfig(o, 'replication.policy.class', `org.apache.kafka.connect.mirror.${oneOf('replicationPolicy', v, ['DefaultReplicationPolicy', 'IdentityReplicationPolicy'])}`),
      },
    ],
    adapt: (o, version) => {
      if (version !== 'v1') return;
      const { source, target, mirror } = mm2Clusters(o);
      const name = o.metadata.name as string;
      const connectorConfig = (c: Obj | undefined) => (c ? { config: c.config } : undefined);
      o.spec = {
        replicas: o.spec.replicas,
        target: {
          alias: target.alias,
          bootstrapServers: target.bootstrapServers,
          // Required in v1 (v1beta2 defaulted them to mirrormaker2-cluster / -configs / -offsets / -status).
          groupId: `${name}-group`,
          configStorageTopic: `${name}-configs`,
          offsetStorageTopic: `${name}-offsets`,
          statusStorageTopic: `${name}-status`,
          ...(target.tls ? { tls: target.tls } : {}),
          ...(target.config ? { config: target.config } : {}),
        },
        mirrors: [
          {
            source: {
              alias: source.alias,
              bootstrapServers: source.bootstrapServers,
              ...(source.tls ? { tls: source.tls } : {}),
            },
            // v1 has no heartbeat connector.
            ...(mirror.sourceConnector ? { sourceConnector: connectorConfig(mirror.sourceConnector) } : {}),
            ...(mirror.checkpointConnector ? { checkpointConnector: connectorConfig(mirror.checkpointConnector) } : {}),
            topicsPattern: mirror.topicsPattern,
            groupsPattern: mirror.groupsPattern,
          },
        ],
      };
    },
  },
  {
    name: 'mqtt2kafka',
    kind: 'ConfigMap',
    description: 'ConfigMap mqtt2kafka-config: MQTT iot-sensor/sw/* to Kafka iot-sensor-sw-*',
    keys: [nameKey()],
    families: [propertyFamily],
  },
  {
    name: 'mqtt2kafka-integration',
    kind: 'Integration',
    description: 'Camel K Integration mqtt2kafka: the MQTT → Kafka routes, configured by ConfigMap mqtt2kafka-config',
    keys: [
      nameKey(),
      {
        key: 'configMap',
        apply: (o, v) => void (o.spec.traits.mount.configs = [`configmap:${objectName('configMap', v)}`]),
      },
    ],
  },
  {
    name: 'kafka-to-s3',
    kind: 'ConfigMap',
    description: 'ConfigMap kafka-to-s3-config: mirrored topics to S3 bucket manuela-data-lake',
    keys: [nameKey()],
    families: [propertyFamily],
  },
  {
    name: 'kafka-to-s3-integration',
    kind: 'Integration',
    description: 'Camel K Integration kafka-to-s3: the mirrored topics to S3, N records an object, configured by ConfigMap kafka-to-s3-config, keys from Secret kafka-to-s3-credentials',
    keys: [
      nameKey(),
      { key: 'configMap', apply: (o, v) => void (o.spec.traits.mount.configs[0] = `configmap:${objectName('configMap', v)}`) },
      { key: 'credentialsSecret', apply: (o, v) => void (o.spec.traits.mount.configs[1] = `secret:${objectName('credentialsSecret', v)}`) },
    ],
  },
];

/** Several templates rendered together, each with its own values: one side of a seed as GitOps files. */
export interface TemplateSet {
  name: string;
  description: string;
  members: Array<{ template: string; values: Record<string, string> }>;
}

const FACTORY_TOPIC = { cluster: 'manuela-kafka-cluster', partitions: '1', replicas: '1', 'config.retention.ms': '7200000', 'config.segment.bytes': '1073741824' };

export const TEMPLATE_SETS: TemplateSet[] = [
  {
    // manuela-gitops config/templates/manuela/messaging-kafka: what seed 002 adds to the factory.
    name: 'edge-factory',
    description: 'Seed 002\'s factory side: Kafka manuela-kafka-cluster, the temperature and vibration KafkaTopics, the mqtt2kafka ConfigMap and Camel K Integration',
    members: [
      { template: 'kafka-cluster', values: { name: 'manuela-kafka-cluster' } },
      { template: 'kafka-topic', values: { name: 'iot-sensor-sw-temperature', ...FACTORY_TOPIC } },
      { template: 'kafka-topic', values: { name: 'iot-sensor-sw-vibration', ...FACTORY_TOPIC } },
      { template: 'mqtt2kafka', values: {} },
      { template: 'mqtt2kafka-integration', values: {} },
    ],
  },
  {
    // manuela-gitops config/instances/manuela-data-lake: central-kafka-cluster and central-s3-store.
    name: 'edge-central',
    description: 'Seed 002\'s central side: Kafka kafka-cluster with a TLS route listener serving the certs Secret, the kafka-to-s3 ConfigMap and Camel K Integration (its S3 keys: a Secret kafka-to-s3-credentials you create)',
    members: [
      { template: 'kafka-cluster', values: { name: 'kafka-cluster', externalTlsSecret: LINK_SECRETS.certificateAndKey } },
      { template: 'kafka-to-s3', values: {} },
      { template: 'kafka-to-s3-integration', values: {} },
    ],
  },
];

/** The set of this name, or undefined. */
export function findSet(name: string): TemplateSet | undefined {
  return TEMPLATE_SETS.find((s) => s.name === name);
}

export function keysOf(def: TemplateDef): string[] {
  return [...def.keys.map((k) => k.key), ...(def.families ?? []).map((f) => f.label)];
}

export function listTemplates(): TemplateInfo[] {
  return TEMPLATES.map((t) => ({
    name: t.name,
    kind: t.kind,
    group: KINDS[t.kind].group,
    description: t.description,
    defaultVersion: KINDS[t.kind].defaultVersion,
    keys: keysOf(t),
  }));
}

/** One template's description (a set's: its members' kinds, no keys); a UsageError listing the templates when there is no such one. */
export function getTemplate(name: string): TemplateInfo {
  const set = findSet(name);
  if (set) {
    const kinds = [...new Set(set.members.map((m) => findTemplate(m.template).kind))];
    return { name: set.name, kind: kinds.join(', '), group: '', description: set.description, defaultVersion: '', keys: [] };
  }
  findTemplate(name);
  return listTemplates().find((t) => t.name === name)!;
}

export function findTemplate(name: string): TemplateDef {
  const def = TEMPLATES.find((t) => t.name === name);
  if (!def) {
    const names = [...TEMPLATES.map((t) => t.name), ...TEMPLATE_SETS.map((t) => t.name)];
    throw new UsageError(`No template "${name}"; templates: ${names.join(', ')}.`, 'Run `firehose render` to list them with their keys.');
  }
  return def;
}
