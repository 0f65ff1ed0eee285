import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { FirehoseError, UsageError } from '../../src/errors.js';
import { getTemplate, listTemplates } from '../../src/templates/catalogue.js';
import {
  parseApiVersionFlag,
  renderTemplate,
  renderWithTemplates,
  toYaml,
  writeRendered,
  type RenderOptions,
  type RenderedObject,
} from '../../src/templates/render.js';

const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));
const opts = (extra: Partial<RenderOptions> = {}): RenderOptions => ({ user: 7, values: {}, apiVersions: {}, ...extra });
const one = async (name: string, extra: Partial<RenderOptions> = {}) => {
  const objects = await renderTemplate(name, opts(extra));
  expect(objects).toHaveLength(1);
  return objects[0]! as RenderedObject & { spec: any; data: any };
};
/** The UsageError a call throws (fails the test when it does not throw one). */
async function usageError(promise: Promise<unknown> | (() => unknown)): Promise<UsageError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).not.toContain('\n');
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

const tmpDirs: string[] = [];
afterAll(async () => {
  for (const dir of tmpDirs) await rm(dir, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firehose-render-'));
  tmpDirs.push(dir);
  return dir;
}

describe('templates', () => {
  it('lists one template per file in templates/, with keys and a default version', async () => {
    const files = (await readdir(TEMPLATES_DIR)).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
    const names = listTemplates().map((t) => t.name).sort();
    expect(names).toEqual(files);
    for (const t of listTemplates()) {
      expect(t.keys).toContain('name');
      expect(t.defaultVersion).toMatch(/^v\d+((alpha|beta)\d+)?$/);
      expect(t.description).not.toBe('');
    }
  });

  it('has each file agree with the registry on kind and default apiVersion, with no text placeholders', async () => {
    for (const t of listTemplates()) {
      const source = await readFile(join(TEMPLATES_DIR, `${t.name}.yaml`), 'utf8');
      // Camel's own property placeholders ({{mqtt.broker.uri}}) and simple-language expressions
      // (${header.kafka.TOPIC}) are the Integration's content, resolved by Camel K at run time.
      const ours = t.kind === 'Integration' ? source.replace(/\{\{[A-Za-z0-9.]+\}\}/g, '').replace(/\$\{[A-Za-z.:\-]+\}/g, '') : source;
      expect(ours).not.toMatch(/USER_NUMBER|\{\{|\$\{/);
      const doc = parse(source);
      expect(doc.kind, t.name).toBe(t.kind);
      expect(doc.apiVersion, t.name).toBe(t.group ? `${t.group}/${t.defaultVersion}` : t.defaultVersion);
    }
  });

  it('lists every template in templates/README.md with its keys', async () => {
    const readme = await readFile(join(TEMPLATES_DIR, 'README.md'), 'utf8');
    for (const t of listTemplates()) {
      expect(readme).toContain(`\`${t.name}\``);
      for (const key of t.keys) expect(readme, `${t.name} ${key}`).toContain(`\`${key}\``);
    }
  });
});

describe('renderTemplate: every template for user 7', () => {
  for (const t of listTemplates()) {
    it(`${t.name} renders with labels, apiVersion, no namespace, and round-trips through YAML`, async () => {
      const obj = await one(t.name);
      expect(obj.kind).toBe(t.kind);
      expect(obj.apiVersion).toBe(t.group ? `${t.group}/${t.defaultVersion}` : t.defaultVersion);
      expect(obj.metadata.labels['app.kubernetes.io/managed-by']).toBe('firehose');
      expect(obj.metadata.labels['firehose.dev/user']).toBe('7');
      expect(obj.metadata).not.toHaveProperty('namespace');
      expect(Object.keys(obj).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
      const yamlText = await toYaml([obj]);
      expect(yamlText).toContain('firehose.dev/user: "7"');
      expect(parse(yamlText)).toEqual(obj);
    });
  }

  it('names the lab resources after the user number', async () => {
    const topic = await one('kafka-topic');
    expect(topic.metadata.name).toBe('my-topic-7');
    expect(topic.metadata.labels['strimzi.io/cluster']).toBe('my-cluster');
    expect(topic.spec).toEqual({ partitions: 10, replicas: 1 });

    const source = await one('kafka-source');
    expect(source.metadata.name).toBe('mykafka-source');
    expect(source.spec.consumerGroup).toBe('knative-group-7');
    expect(source.spec.topics).toEqual(['my-topic-7']);
    expect(source.spec.bootstrapServers).toEqual(['my-cluster-kafka-bootstrap.kafka:9092']);
    expect(source.spec.sink).toEqual({ ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'eventinghello' } });
    expect(source.spec.initialOffset).toBe('latest');

    expect((await one('kafka-sink')).spec.topic).toBe('my-topic-7');
    expect((await one('kafka-topic', { user: 12 })).metadata.name).toBe('my-topic-12');
  });

  it('renders the lab sink as in kafka-sink.yml', async () => {
    const sink = await one('sink');
    expect(sink.metadata.name).toBe('eventinghello');
    expect(sink.spec.template.metadata).toEqual({
      name: 'eventinghello-v1',
      annotations: { 'autoscaling.knative.dev/target': '1', 'autoscaling.knative.dev/maxScale': '10' },
    });
    expect(sink.spec.template.spec).toEqual({ containerConcurrency: 1, containers: [{ image: 'quay.io/rhdevelopers/eventinghello:0.0.2' }] });
  });

  it('sets the namespace when given', async () => {
    expect((await one('broker', { namespace: 'user7' })).metadata.namespace).toBe('user7');
    expect((await usageError(renderTemplate('broker', opts({ namespace: 'Not_A_Namespace' })))).message).toContain('namespace');
  });

  it('joins several objects into one multi-document YAML stream', async () => {
    const objects = [await one('kafka-topic'), await one('kafka-source')];
    const docs = parseAllDocuments(await toYaml(objects)).map((d) => d.toJS());
    expect(docs).toEqual(objects);
  });
});

describe('renderTemplate --set', () => {
  it('kafka-topic: numbers stay numbers', async () => {
    const topic = await one('kafka-topic', { values: { name: 'orders', partitions: '3', replicas: '2', cluster: 'other', 'config.retention.ms': '60000', 'config.cleanup.policy': 'compact' } });
    expect(topic.metadata.name).toBe('orders');
    expect(topic.metadata.labels['strimzi.io/cluster']).toBe('other');
    expect(topic.spec).toEqual({ partitions: 3, replicas: 2, config: { 'retention.ms': 60000, 'cleanup.policy': 'compact' } });
  });

  it('sink: annotations are strings, containerConcurrency a number, the revision follows the name', async () => {
    const sink = await one('sink', { values: { name: 'hello', image: 'example.com/me:1', maxScale: '3', target: '2', containerConcurrency: '0', minScale: '1' } });
    expect(sink.metadata.name).toBe('hello');
    expect(sink.spec.template.metadata.name).toBe('hello-v1');
    expect(sink.spec.template.metadata.annotations).toEqual({
      'autoscaling.knative.dev/target': '2',
      'autoscaling.knative.dev/maxScale': '3',
      'autoscaling.knative.dev/minScale': '1',
    });
    expect(sink.spec.template.spec.containerConcurrency).toBe(0);
    expect(sink.spec.template.spec.containers[0].image).toBe('example.com/me:1');
    expect(await toYaml([sink])).toContain('autoscaling.knative.dev/maxScale: "3"');
  });

  it('kafka-source: topics, group, servers, sink, offsets', async () => {
    const source = await one('kafka-source', {
      values: { topic: 'a,b', group: 'g1', bootstrapServers: 'k1:9092, k2:9092', sink: 'Broker/default', initialOffset: 'earliest', ordering: 'unordered' },
    });
    expect(source.spec).toMatchObject({
      topics: ['a', 'b'],
      consumerGroup: 'g1',
      bootstrapServers: ['k1:9092', 'k2:9092'],
      sink: { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' } },
      initialOffset: 'earliest',
      ordering: 'unordered',
    });
    expect((await one('kafka-source', { values: { sink: 'http://127.0.0.1:8080/' } })).spec.sink).toEqual({ uri: 'http://127.0.0.1:8080/' });
    expect((await one('kafka-source', { values: { sink: 'ksvc/other' } })).spec.sink.ref).toEqual({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'other' });
  });

  it('trigger: any number of filter attributes, broker and subscriber', async () => {
    const trigger = await one('trigger', {
      values: {
        name: 'js-example-service',
        'filter.type': 'dev.nodeshift.samples.js-example',
        'filter.source': 'dev.nodeshift.samples/js-example-source',
        broker: 'mybroker',
        subscriber: 'js-example-service',
      },
    });
    expect(trigger.spec).toEqual({
      broker: 'mybroker',
      filter: { attributes: { type: 'dev.nodeshift.samples.js-example', source: 'dev.nodeshift.samples/js-example-source' } },
      subscriber: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'js-example-service' } },
    });
    expect((await one('trigger')).spec).not.toHaveProperty('filter');
    expect((await usageError(renderTemplate('trigger', opts({ values: { 'filter.Type!': 'x' } })))).message).toContain('filter.Type!');
  });

  it('broker: the class annotation, and the Kafka broker config', async () => {
    expect((await one('broker')).metadata.annotations).toEqual({ 'eventing.knative.dev/broker.class': 'MTChannelBasedBroker' });
    const kafka = await one('broker', { values: { class: 'Kafka' } });
    expect(kafka.metadata.annotations).toEqual({ 'eventing.knative.dev/broker.class': 'Kafka' });
    expect(kafka.spec.config).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'kafka-broker-config', namespace: 'knative-eventing' });
  });

  it('channel, kafka-channel, subscription', async () => {
    expect((await one('channel', { values: { kind: 'KafkaChannel' } })).spec.channelTemplate).toEqual({ apiVersion: 'messaging.knative.dev/v1beta1', kind: 'KafkaChannel' });
    expect((await one('kafka-channel', { values: { partitions: '4', replicas: '3', retention: 'PT24H' } })).spec).toEqual({ numPartitions: 4, replicationFactor: 3, retentionDuration: 'PT24H' });
    const sub = await one('subscription', { values: { channel: 'KafkaChannel/orders', subscriber: 'event-display', reply: 'default' } });
    expect(sub.spec.channel).toEqual({ apiVersion: 'messaging.knative.dev/v1beta1', kind: 'KafkaChannel', name: 'orders' });
    expect(sub.spec.reply).toEqual({ ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' } });
    expect((await usageError(renderTemplate('subscription', opts({ values: { channel: 'Broker/x' } })))).message).toContain('Channel, InMemoryChannel, KafkaChannel');
  });

  it('mirror-maker2: aliases, servers, patterns, TLS secret', async () => {
    const mm2 = await one('mirror-maker2', {
      values: {
        sourceAlias: 'factory',
        targetAlias: 'central',
        sourceBootstrap: 'f:9092',
        targetBootstrap: 'c:443',
        topicsPattern: 'iot-.*',
        groupsPattern: 'none',
        trustedCertificateSecret: 'central-ca',
      },
    });
    expect(mm2.spec.connectCluster).toBe('central');
    expect(mm2.spec.clusters.map((c: any) => [c.alias, c.bootstrapServers])).toEqual([['central', 'c:443'], ['factory', 'f:9092']]);
    expect(mm2.spec.clusters[0].tls).toEqual({ trustedCertificates: [{ secretName: 'central-ca', certificate: 'tls.crt' }] });
    expect(mm2.spec.mirrors[0]).toMatchObject({ sourceCluster: 'factory', targetCluster: 'central', topicsPattern: 'iot-.*', groupsPattern: 'none' });
    expect((await one('mirror-maker2', { values: { trustedCertificateSecret: '' } })).spec.clusters[0]).not.toHaveProperty('tls');
  });

  it('config maps: property.<key> replaces or adds a line', async () => {
    const cm = await one('mqtt2kafka', { values: { 'property.kafka.broker.uri': 'my-cluster-kafka-bootstrap:9092', 'property.extra.key': 'x' } });
    const props: string = cm.data['application.properties'];
    expect(props).toContain('\nkafka.broker.uri=my-cluster-kafka-bootstrap:9092\n');
    expect(props).not.toContain('manuela-kafka-cluster-kafka-bootstrap');
    expect(props).toContain('mqtt.broker.clientId=MQTT2KafkaRoute\n');
    expect(props.endsWith('extra.key=x\n')).toBe(true);
    expect((await one('kafka-to-s3')).data['application.properties']).toContain('s3.message.aggregation.count=10');
  });

  it('ping-source: schedule and data', async () => {
    const ping = await one('ping-source', { values: { schedule: '*/5 * * * *', data: '{"a":1}' } });
    expect(ping.spec).toMatchObject({ schedule: '*/5 * * * *', data: '{"a":1}', sink: { ref: { kind: 'Broker', name: 'default' } } });
  });
});

describe('renderTemplate errors', () => {
  it('an unknown template names the templates', async () => {
    const error = await usageError(renderTemplate('kafka-topics', opts()));
    expect(error.message).toContain('"kafka-topics"');
    expect(error.message).toContain('kafka-topic, sink, kafka-source');
    expect(() => getTemplate('nope')).toThrow(UsageError);
  });

  it('an unknown key names the valid keys', async () => {
    const error = await usageError(renderTemplate('kafka-topic', opts({ values: { partition: '3' } })));
    expect(error.message).toBe('Template kafka-topic has no key "partition"; keys: name, partitions, replicas, cluster, config.<topic-config>.');
    expect((await usageError(renderTemplate('trigger', opts({ values: { filter: 'x' } })))).message).toContain('filter.<attr>');
  });

  it('bad values name the key, the value and what is allowed', async () => {
    const cases: Array<[string, Record<string, string>, string[]]> = [
      ['kafka-topic', { partitions: 'ten' }, ['partitions="ten"', 'whole number']],
      ['kafka-topic', { partitions: '0' }, ['partitions="0"', 'at least 1']],
      ['kafka-topic', { replicas: '1.5' }, ['replicas="1.5"']],
      ['kafka-topic', { name: 'My_Topic' }, ['name="My_Topic"', 'Kubernetes name']],
      ['sink', { maxScale: '-1' }, ['maxScale="-1"']],
      ['sink', { name: '9lives' }, ['name="9lives"']],
      ['kafka-source', { initialOffset: 'middle' }, ['initialOffset="middle"', 'earliest, latest']],
      ['kafka-source', { bootstrapServers: 'nohost' }, ['bootstrapServers="nohost"', 'host:port']],
      ['kafka-source', { sink: 'Pod/x' }, ['sink="Pod/x"', 'Service, Broker']],
      ['broker', { class: 'Rabbit' }, ['class="Rabbit"', 'MTChannelBasedBroker, Kafka']],
      ['kafka-channel', { retention: '1d' }, ['retention="1d"', 'ISO-8601']],
      ['ping-source', { schedule: 'every minute' }, ['schedule="every minute"', 'cron']],
      ['kafka-sink', { contentMode: 'text' }, ['contentMode="text"', 'binary, structured']],
      ['mirror-maker2', { sourceAlias: 'a b' }, ['sourceAlias="a b"']],
      ['mirror-maker2', { replicas: 'x' }, ['replicas="x"']],
    ];
    for (const [template, values, fragments] of cases) {
      const error = await usageError(renderTemplate(template, opts({ values })));
      for (const fragment of fragments) expect(error.message, `${template} ${JSON.stringify(values)}`).toContain(fragment);
    }
  });

  it('a malformed template file is a FirehoseError naming the file', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'kafka-topic.yaml'), 'apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: [unclosed\n');
    await expect(renderTemplate('kafka-topic', opts({ templatesDir: dir }))).rejects.toSatisfy(
      (e: unknown) => e instanceof FirehoseError && !(e instanceof UsageError) && e.code === 'TEMPLATE_INVALID' && e.message.includes(join(dir, 'kafka-topic.yaml')),
    );
    await writeFile(join(dir, 'sink.yaml'), '- just\n- a list\n');
    await expect(renderTemplate('sink', opts({ templatesDir: dir }))).rejects.toThrow(/sink\.yaml is malformed/);
    await writeFile(join(dir, 'broker.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    await expect(renderTemplate('broker', opts({ templatesDir: dir }))).rejects.toThrow(/holds a ConfigMap, not a Broker/);
    await expect(renderTemplate('trigger', opts({ templatesDir: dir }))).rejects.toThrow(/trigger\.yaml cannot be read/);
  });
});

describe('apiVersion', () => {
  it('parses --api-version flags', async () => {
    expect(parseApiVersionFlag('KafkaTopic=kafka.strimzi.io/v1beta2')).toEqual(['KafkaTopic', 'kafka.strimzi.io/v1beta2']);
    expect(parseApiVersionFlag('ConfigMap=v1')).toEqual(['ConfigMap', 'v1']);
    for (const bad of ['KafkaTopic', 'KafkaTopic=', '=kafka.strimzi.io/v1', 'KafkaTopic=kafka.strimzi.io/1', 'kafkatopic=kafka.strimzi.io/v1', 'KafkaTopic=a/b/v1']) {
      expect((await usageError(() => parseApiVersionFlag(bad))).message).toContain(`"${bad}"`);
    }
  });

  it('an override changes the version string; a different group is refused', async () => {
    expect((await one('kafka-topic', { apiVersions: { KafkaTopic: 'kafka.strimzi.io/v1' } })).apiVersion).toBe('kafka.strimzi.io/v1');
    expect((await one('kafka-topic', { apiVersions: { KafkaSource: 'sources.knative.dev/v1beta1' } })).apiVersion).toBe('kafka.strimzi.io/v1beta2');
    expect((await one('trigger', { apiVersions: { Trigger: 'eventing.knative.dev/v1beta1' } })).apiVersion).toBe('eventing.knative.dev/v1beta1');
    const error = await usageError(renderTemplate('kafka-topic', opts({ apiVersions: { KafkaTopic: 'strimzi.io/v1' } })));
    expect(error.message).toContain('kafka.strimzi.io, not strimzi.io');
  });

  it('references follow the API versions given for their kinds', async () => {
    const source = await one('kafka-source', { values: { sink: 'KafkaChannel/c' }, apiVersions: { KafkaChannel: 'messaging.knative.dev/v1' } });
    expect(source.spec.sink.ref.apiVersion).toBe('messaging.knative.dev/v1');
  });

  it('reshapes the versions whose schema differs', async () => {
    const legacy = await one('kafka-source', { apiVersions: { KafkaSource: 'sources.knative.dev/v1alpha1' }, values: { bootstrapServers: 'a:1,b:2' } });
    expect(legacy.spec.bootstrapServers).toBe('a:1,b:2');
    expect(legacy.spec.topics).toBe('my-topic-7');
    const ping = await one('ping-source', { apiVersions: { PingSource: 'sources.knative.dev/v1beta1' } });
    expect(ping.spec.jsonData).toBe('{"message": "Hello serverless!"}');
    expect(ping.spec).not.toHaveProperty('data');
    const mm2 = await one('mirror-maker2', { apiVersions: { KafkaMirrorMaker2: 'kafka.strimzi.io/v1' }, values: { targetAlias: 'central' } });
    expect(mm2.spec).not.toHaveProperty('clusters');
    expect(mm2.spec.target).toMatchObject({ alias: 'central', groupId: 'factory-to-central-group', configStorageTopic: 'factory-to-central-configs' });
    expect(mm2.spec.mirrors[0].source.alias).toBe('manuela-factory');
  });
});

describe('rendered objects against the upstream CRDs', () => {
  it('the CRD fixtures are readable', () => {
    expect(crdVersions().length).toBeGreaterThan(15);
    expect(structuralProblems({ spec: { partitions: '3', bogus: 1 } }, schemasFor('kafka.strimzi.io/v1beta2', 'KafkaTopic')[0]!.schema)).toEqual([
      '.spec.partitions: expected integer, got "3"',
      expect.stringContaining('.spec.bogus: not in the schema'),
    ]);
  });

  // Every template whose kind has a CRD here: its default version must be served, and fit.
  for (const t of listTemplates()) {
    const hasCrd = crdVersions().some((c) => c.group === t.group && c.kind === t.kind);
    if (!hasCrd) continue;
    it(`${t.name} (${t.kind} ${t.defaultVersion}) fits a served CRD version`, async () => {
      const obj = await one(t.name);
      const schemas = schemasFor(obj.apiVersion, obj.kind);
      expect(schemas.map((s) => s.file), `${obj.apiVersion} ${obj.kind} is served`).not.toEqual([]);
      for (const s of schemas) expect(structuralProblems(obj, s.schema), s.file).toEqual([]);
    });
  }

  const versions: Array<[string, string, Record<string, string>]> = [
    ['kafka-topic', 'kafka.strimzi.io/v1', { 'config.retention.ms': '60000' }],
    ['kafka-topic', 'kafka.strimzi.io/v1beta1', { partitions: '3' }],
    ['kafka-topic', 'kafka.strimzi.io/v1alpha1', {}],
    ['kafka-source', 'sources.knative.dev/v1beta1', { initialOffset: 'earliest', ordering: 'ordered' }],
    ['kafka-channel', 'messaging.knative.dev/v1', { retention: 'P7D' }],
    ['mirror-maker2', 'kafka.strimzi.io/v1', {}],
    ['mirror-maker2', 'kafka.strimzi.io/v1alpha1', {}],
  ];
  for (const [template, apiVersion, values] of versions) {
    it(`${template} at ${apiVersion} fits that version's schema`, async () => {
      const obj = await one(template, { values, apiVersions: { [getTemplate(template).kind]: apiVersion } });
      const schemas = schemasFor(obj.apiVersion, obj.kind);
      expect(schemas).not.toEqual([]);
      for (const s of schemas) expect(structuralProblems(obj, s.schema), s.file).toEqual([]);
    });
  }

  it('mirror-maker2 with the replication policy, a separator and TLS to the source fits v1beta2 and v1 (connector configs and source TLS kept)', async () => {
    const values = { separator: '_', replicationPolicy: 'IdentityReplicationPolicy', sourceTrustedCertificateSecret: 'factory-ca' };
    const beta = await one('mirror-maker2', { values });
    const mirror = beta.spec.mirrors[0];
    for (const connector of ['sourceConnector', 'checkpointConnector']) {
      expect(mirror[connector].config).toMatchObject({ 'replication.policy.separator': '_', 'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy' });
    }
    expect(beta.spec.clusters.find((c: { alias: string }) => c.alias === 'manuela-factory').tls).toEqual({ trustedCertificates: [{ secretName: 'factory-ca', certificate: 'tls.crt' }] });
    const v1 = await one('mirror-maker2', { values, apiVersions: { KafkaMirrorMaker2: 'kafka.strimzi.io/v1' } });
    expect(v1.spec.mirrors[0].source.tls.trustedCertificates[0].secretName).toBe('factory-ca');
    expect(v1.spec.mirrors[0].sourceConnector.config['replication.policy.separator']).toBe('_');
    for (const obj of [beta, v1]) {
      const schemas = schemasFor(obj.apiVersion, obj.kind);
      expect(schemas).not.toEqual([]);
      for (const sch of schemas) expect(structuralProblems(obj, sch.schema), sch.file).toEqual([]);
    }
    await expect(one('mirror-maker2', { values: { replicationPolicy: 'Nope' } })).rejects.toThrow(/replicationPolicy/);
  });

  it('a fully --set KafkaSource, Service and Trigger still fit', async () => {
    const objects = [
      await one('kafka-source', { values: { topic: 'a,b', group: 'g', sink: 'http://x/', initialOffset: 'earliest' } }),
      await one('sink', { values: { maxScale: '3', minScale: '1', target: '5', containerConcurrency: '2' } }),
      await one('trigger', { values: { 'filter.type': 't', 'filter.source': 's', subscriber: 'Broker/other' } }),
      await one('broker', { values: { class: 'Kafka' } }),
      await one('subscription', { values: { reply: 'http://r/' } }),
    ];
    for (const obj of objects) {
      for (const s of schemasFor(obj.apiVersion, obj.kind)) expect(structuralProblems(obj, s.schema), `${obj.kind} ${s.file}`).toEqual([]);
    }
  });
});

describe('writeRendered', () => {
  it('writes <template>-<name>.yaml files into a new directory', async () => {
    const dir = join(await tmp(), 'gitops', 'user7');
    const objects = await renderTemplate('kafka-topic', opts());
    const written = await writeRendered(dir, objects.map((object) => ({ template: 'kafka-topic', object })));
    expect(written).toEqual([join(dir, 'kafka-topic-my-topic-7.yaml')]);
    expect(parse(await readFile(written[0]!, 'utf8'))).toEqual(objects[0]);
  });

  it('a set: seed 002\'s factory side, one file per object named for its template, each as the seed has it', async () => {
    const dir = join(await tmp(), 'messaging-kafka');
    const rendered = await renderWithTemplates('edge-factory', opts({ namespace: 'manuela-stormshift-messaging' }));
    const written = await writeRendered(dir, rendered);
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual([
      'kafka-cluster-manuela-kafka-cluster.yaml',
      'kafka-topic-iot-sensor-sw-temperature.yaml',
      'kafka-topic-iot-sensor-sw-vibration.yaml',
      'mqtt2kafka-mqtt2kafka-config.yaml',
      'mqtt2kafka-integration-mqtt2kafka.yaml',
    ]);
    const [kafka, temperature, , configMap, integration] = await Promise.all(written.map(async (p) => parse(await readFile(p, 'utf8'))));
    expect(kafka).toMatchObject({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'Kafka', metadata: { name: 'manuela-kafka-cluster', namespace: 'manuela-stormshift-messaging' } });
    // kafka-topic-temperature.yaml of the workshop: on manuela-kafka-cluster, 1 partition, 2 h retention.
    expect(temperature).toMatchObject({
      kind: 'KafkaTopic',
      metadata: { name: 'iot-sensor-sw-temperature', labels: { 'strimzi.io/cluster': 'manuela-kafka-cluster', 'firehose.dev/user': '7' } },
      spec: { partitions: 1, replicas: 1, config: { 'retention.ms': 7200000, 'segment.bytes': 1073741824 } },
    });
    expect(configMap.data['application.properties']).toContain('kafka.broker.topic.vibration=iot-sensor-sw-vibration');
    // The Integration reads the ConfigMap's properties: every {{key}} it uses is defined there.
    expect(integration.spec.traits.mount.configs).toEqual(['configmap:mqtt2kafka-config']);
    const used = [...JSON.stringify(integration.spec.flows).matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1]!);
    const defined = new Set(String(configMap.data['application.properties']).split('\n').map((l) => l.split('=')[0]!.trim()));
    expect(used.length).toBeGreaterThan(0);
    for (const key of used) expect(defined.has(key), key).toBe(true);
  });

  it('a set: seed 002\'s central side, the Kafka serving the certs Secret on a TLS route listener, the route to S3 reading the ConfigMap and the keys Secret', async () => {
    const dir = join(await tmp(), 'manuela-data-lake');
    const written = await writeRendered(dir, await renderWithTemplates('edge-central', opts({ namespace: 'manuela-data-lake-central-kafka-cluster' })));
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual([
      'kafka-cluster-kafka-cluster.yaml',
      'kafka-to-s3-kafka-to-s3-config.yaml',
      'kafka-to-s3-integration-kafka-to-s3.yaml',
    ]);
    const [kafka, configMap, integration] = await Promise.all(written.map(async (p) => parse(await readFile(p, 'utf8'))));
    // kafka-to-s3-cm.yaml's kafka.broker.uri names this cluster's bootstrap service: kafka-cluster-kafka-bootstrap.
    expect(configMap.data['application.properties']).toContain(`kafka.broker.uri=${kafka.metadata.name}-kafka-bootstrap.`);
    expect(kafka.spec.kafka.listeners.find((l: { name: string }) => l.name === 'external')).toEqual({
      name: 'external', port: 9094, type: 'route', tls: true,
      configuration: { brokerCertChainAndKey: { secretName: 'kafka-tls-certificate-and-key', certificate: 'tls.crt', key: 'tls.key' } },
    });
    for (const s of schemasFor(kafka.apiVersion, kafka.kind)) expect(structuralProblems(kafka, s.schema), s.file).toEqual([]);
    expect(integration.spec.traits.mount.configs).toEqual(['configmap:kafka-to-s3-config', 'secret:kafka-to-s3-credentials']);
    // Every {{key}} the route uses is the ConfigMap's, but the two keys the Secret holds.
    const used = new Set([...JSON.stringify(integration.spec.flows).matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1]!));
    const defined = new Set(String(configMap.data['application.properties']).split('\n').map((l) => l.split('=')[0]!.trim()));
    expect([...used].filter((key) => !defined.has(key)).sort()).toEqual(['aws.access.key.id', 'aws.secret.access.key']);
    expect(JSON.stringify(configMap)).not.toMatch(/aws\.(access|secret)/);
    const other = await one('kafka-cluster', { values: { externalType: 'ingress' } });
    expect(other.spec.kafka.listeners[2]).toMatchObject({ name: 'external', type: 'ingress', tls: true });
    await expect(one('kafka-cluster', { values: { externalType: 'tunnel' } })).rejects.toThrow(/externalType must be one of route, ingress, loadbalancer, nodeport/);
  });

  it('a set takes no --set, and its name is listed with the templates when a name is wrong', async () => {
    await expect(renderWithTemplates('edge-factory', opts({ values: { name: 'x' } }))).rejects.toThrow(/^The set edge-factory takes no --set/);
    await expect(renderTemplate('edge-factry', opts())).rejects.toThrow(/templates: .*mqtt2kafka-integration, .*edge-factory, edge-central\./);
  });
});

// ---------------------------------------------------------------------------------------
// A light structural check against the CRD fixtures' openAPIV3Schema.
const DIR = fileURLToPath(new URL('../fixtures/crds/', import.meta.url));

interface CrdVersion {
  file: string;
  group: string;
  kind: string;
  version: string;
  served: boolean;
  schema: Schema;
}

type Schema = Record<string, any>;

let cache: CrdVersion[] | undefined;

function crdVersions(): CrdVersion[] {
  if (cache) return cache;
  cache = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(DIR + file, 'utf8'))) {
      const crd = doc.toJS() as Schema | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const versions: Schema[] = crd.spec.versions ?? [{ name: crd.spec.version, served: true }];
      for (const v of versions) {
        const schema = v.schema?.openAPIV3Schema ?? crd.spec.validation?.openAPIV3Schema;
        if (!schema) continue;
        cache.push({ file, group: crd.spec.group, kind: crd.spec.names.kind, version: v.name, served: v.served !== false, schema });
      }
    }
  }
  return cache;
}

/** The served CRD versions matching an object's apiVersion and kind. */
function schemasFor(apiVersion: string, kind: string): CrdVersion[] {
  const [group, version] = apiVersion.split('/');
  return crdVersions().filter((c) => c.group === group && c.version === version && c.kind === kind && c.served);
}

const TYPES: Record<string, (v: unknown) => boolean> = {
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  array: Array.isArray,
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
};

/** Problems found, as "path: what" strings (empty: fine). metadata is not checked (the API server owns it). */
function structuralProblems(value: unknown, schema: Schema, path = ''): string[] {
  const problems: string[] = [];
  if (schema['x-kubernetes-int-or-string'] && (typeof value === 'string' || Number.isInteger(value))) return problems;
  const type = schema.type as string | undefined;
  if (type && TYPES[type] && !TYPES[type]!(value)) return [`${path || '.'}: expected ${type}, got ${JSON.stringify(value)}`];
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => problems.push(...structuralProblems(item, schema.items, `${path}[${i}]`)));
    return problems;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in ${schema.enum.join(',')}`);
    return problems;
  }
  const object = value as Record<string, unknown>;
  for (const field of (schema.required as string[] | undefined) ?? []) {
    if (!(field in object)) problems.push(`${path}.${field}: required`);
  }
  const properties = schema.properties as Record<string, Schema> | undefined;
  for (const [key, child] of Object.entries(object)) {
    if (path === '' && ['apiVersion', 'kind', 'metadata'].includes(key)) continue;
    const childSchema = properties?.[key];
    if (childSchema) problems.push(...structuralProblems(child, childSchema, `${path}.${key}`));
    else if (typeof schema.additionalProperties === 'object') problems.push(...structuralProblems(child, schema.additionalProperties, `${path}.${key}`));
    else if (properties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties !== true) {
      problems.push(`${path}.${key}: not in the schema (known: ${Object.keys(properties).join(', ')})`);
    }
  }
  return problems;
}
