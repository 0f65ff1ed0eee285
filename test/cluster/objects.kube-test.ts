// list / describe / delete for each noun firehose creates (kn's model), and -o name, end to
// end (in-process CLI) against a real kube-apiserver with the lab's CRDs. Nothing reconciles
// here: the test writes the status a controller would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { installCrds, kubeJson, kubeRequest } from '../support/kube-cluster.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';

let env: KubeEnv;
const NS = 'lab-8';
const OTHER = 'lab-80';

beforeAll(async () => {
  env = await startKubeEnv();
  await env.namespaces(NS, OTHER);
});
afterAll(async () => { await env?.stop(); });

function firehose(argv: string[], namespace = NS): Promise<CliResult> {
  return runCli([...argv, '--user', '8', '--context', 'admin', '--namespace', namespace], { env: { KUBECONFIG: env.cluster.kubeconfig } });
}

async function ok(argv: string[], namespace = NS): Promise<CliResult> {
  const result = await firehose(argv, namespace);
  expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

async function setStatus(path: string, status: object): Promise<void> {
  await kubeJson(env.admin, 'PATCH', `${path}/status`, { body: { status }, contentType: 'application/merge-patch+json' });
}

const BROKER = (ns: string, name: string) => `/apis/eventing.knative.dev/v1/namespaces/${ns}/brokers/${name}`;

it('before the CRDs: list says what to install, in one line with a hint', async () => {
  const result = await firehose(['source', 'list']);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^error: KafkaSource is not installed on this cluster: install Knative's Kafka source/m);
  expect(result.stderr).toMatch(/^hint: /m);
});

describe('with the lab CRDs', () => {
  beforeAll(async () => {
    await installCrds(env.cluster.kubeconfig, [
      'strimzi-0.45.0__install__048-Crd-kafkamirrormaker2.yaml', 'strimzi-0.45.0__install__043-Crd-kafkatopic.yaml',
      'knative-serving__service.yaml', 'eventing-kafka-broker__kafkasource.yaml', 'eventing-kafka-broker__kafkachannel.yaml',
      'knative-eventing__broker.yaml', 'knative-eventing__trigger.yaml', 'knative-eventing__channel.yaml', 'knative-eventing__subscription.yaml',
      'knative-eventing__inmemorychannel.yaml',
    ]);
    for (const ns of [NS, OTHER]) {
      await kubeJson(env.admin, 'POST', `/api/v1/namespaces/${ns}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kafka-tls-certificate' }, data: { 'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64') } } });
    }
    await ok(['broker', 'create', '--no-wait']);
    await ok(['broker', 'create', 'kafka-broker', '--class', 'Kafka', '--no-wait']);
    await ok(['broker', 'create', '--no-wait'], OTHER);
    await ok(['trigger', 'create', 'js-trigger', '--subscriber', 'eventinghello', '--filter', 'type=dev.nodeshift.samples.js-example', '--dead-letter', 'ksvc:event-display', '--retry', '3', '--no-wait']);
    await ok(['channel', 'create', 'my-channel', '--kind', 'InMemoryChannel', '--no-wait']);
    await ok(['subscribe', 'my-channel', '--subscriber', 'eventinghello', '--no-wait']);
    await ok(['wire', '--no-wait']);
    await ok(['deploy', 'sink', '--no-wait']);
    await ok(['create-topic', '--via', 'cluster', '--no-wait']);
    await ok(['mirror', '--source-bootstrap', 'factory:9093', '--target-bootstrap', 'central:9093', '--no-wait']);

    // What the controllers would write.
    await setStatus(BROKER(NS, 'default'), {
      address: { url: `http://broker-ingress.knative-eventing.svc.cluster.local/${NS}/default` },
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }, { type: 'Addressable', status: 'True' }],
    });
    await setStatus(`/apis/eventing.knative.dev/v1/namespaces/${NS}/triggers/js-trigger`, {
      conditions: [{ type: 'Ready', status: 'False', reason: 'SubscriberResolveFailed', message: 'services.serving.knative.dev "eventinghello" not found' }],
    });
    // The InMemoryChannel the Channel controller makes, owned by the Channel: listed through it only.
    const channel = await kubeJson(env.admin, 'GET', `/apis/messaging.knative.dev/v1/namespaces/${NS}/channels/my-channel`);
    await kubeJson(env.admin, 'POST', `/apis/messaging.knative.dev/v1/namespaces/${NS}/inmemorychannels`, {
      body: {
        apiVersion: 'messaging.knative.dev/v1', kind: 'InMemoryChannel',
        metadata: { name: 'my-channel', ownerReferences: [{ apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name: 'my-channel', uid: channel.metadata.uid, controller: true }] },
      },
    });
    const mirrors = await kubeJson(env.admin, 'GET', `/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkamirrormaker2s`);
    await setStatus(`/apis/kafka.strimzi.io/v1beta2/namespaces/${NS}/kafkamirrormaker2s/${mirrors.items[0].metadata.name}`, {
      conditions: [{ type: 'Ready', status: 'True' }],
      connectors: [{ name: 'manuela-factory->manuela-central.MirrorSourceConnector', connector: { state: 'RUNNING' } }],
    });
  });

  it('broker list: name, address URL, class, age, ready; -A adds the namespace column', async () => {
    const list = await ok(['broker', 'list']);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+URL\s+CLASS\s+AGE\s+READY\s+REASON$/);
    expect(lines.find((l) => l.startsWith('default '))).toMatch(new RegExp(`^default\\s+http://broker-ingress\\.knative-eventing\\.svc\\.cluster\\.local/${NS}/default\\s+\\S*\\s+\\d+s\\s+True`));
    expect(lines.find((l) => l.startsWith('kafka-broker '))).toMatch(/^kafka-broker\s+Kafka\s+\d+s\s+Unknown/);
    expect(lines).toHaveLength(3);
    const all = await ok(['broker', 'list', '-A']);
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+/);
    expect(all.stdout).toMatch(new RegExp(`^${OTHER}\\s+default\\s`, 'm'));
    expect(all.stdout).toMatch(new RegExp(`^${NS}\\s+kafka-broker\\s`, 'm'));
  });

  it('-o name prints kind.group/name per object (as kubectl); -o json the summaries', async () => {
    const names = await ok(['broker', 'list', '-o', 'name']);
    expect(names.stdout).toBe('broker.eventing.knative.dev/default\nbroker.eventing.knative.dev/kafka-broker\n');
    const json = JSON.parse((await ok(['broker', 'list', '-o', 'json'])).stdout);
    expect(json).toEqual([
      expect.objectContaining({ kind: 'Broker', name: 'default', namespace: NS, ready: 'True', fields: expect.objectContaining({ URL: expect.stringContaining('broker-ingress') }) }),
      expect.objectContaining({ kind: 'Broker', name: 'kafka-broker', ready: '', fields: expect.objectContaining({ CLASS: 'Kafka' }) }),
    ]);
    const created = await ok(['broker', 'create', 'third', '--no-wait', '-o', 'name']);
    expect(created.stdout).toBe('broker.eventing.knative.dev/third\n');
    const refused = await firehose(['config', 'view', '-o', 'name']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: --output name prints Kubernetes objects .* this command prints none\.$/m);
  });

  it('broker describe: kn\'s layout with the address and every condition; -o yaml the object without managedFields', async () => {
    const described = await ok(['broker', 'describe', 'default']);
    expect(described.stdout).toMatch(/^Name:\s+default$/m);
    expect(described.stdout).toMatch(new RegExp(`^Namespace:\\s+${NS}$`, 'm'));
    expect(described.stdout).toMatch(/^Kind:\s+Broker \(eventing\.knative\.dev\/v1\)$/m);
    expect(described.stdout).toMatch(/^Url:\s+http:\/\/broker-ingress\.knative-eventing\.svc\.cluster\.local\//m);
    expect(described.stdout).toMatch(/^Labels:\s+.*firehose\.dev\/user=8/m);
    expect(described.stdout).toMatch(/^ {2}\+\+ Ready\s+\d+s/m);
    expect(described.stdout).toMatch(/^ {2}\+\+ Addressable/m);
    const yaml = await ok(['broker', 'describe', 'default', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^kind: Broker$/m);
    expect(yaml.stdout).not.toContain('managedFields');
    const missing = await firehose(['broker', 'describe', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: No broker nope in namespace ${NS}.\nhint: \`firehose broker list\` shows the brokers there (-A: every namespace).\n`);
  });

  it('trigger list and describe: broker, subscriber in kn\'s syntax, filter, the Ready reason, delivery', async () => {
    const list = await ok(['trigger', 'list']);
    expect(list.stdout).toMatch(/^NAME\s+BROKER\s+SUBSCRIBER\s+FILTER\s+AGE\s+READY\s+REASON$/m);
    expect(list.stdout).toMatch(/^js-trigger\s+default\s+ksvc:eventinghello\s+type=dev\.nodeshift\.samples\.js-example\s+\d+s\s+False\s+SubscriberResolveFailed$/m);
    const described = await ok(['trigger', 'describe', 'js-trigger']);
    expect(described.stdout).toMatch(/^ {2}!! Ready\s+.*SubscriberResolveFailed: services\.serving\.knative\.dev "eventinghello" not found/m);
    expect(described.stdout).toMatch(/^Delivery:\s+.*deadLetterSink=.*event-display.*retry=3/m);
  });

  it('channel, subscription, source, service, kafkatopic and mirror list what each points at', async () => {
    const channels = await ok(['channel', 'list']);
    expect(channels.stdout).toMatch(/^my-channel\s+InMemoryChannel\s/m);
    expect(channels.stdout.trim().split('\n')).toHaveLength(2); // the owned InMemoryChannel is not a second row
    const subscriptions = await ok(['subscription', 'list']);
    expect(subscriptions.stdout).toMatch(/^NAME\s+CHANNEL\s+SUBSCRIBER\s+REPLY\s+DEAD LETTER SINK\s+AGE\s+READY\s+REASON$/m);
    expect(subscriptions.stdout).toMatch(/^my-channel-eventinghello\s+Channel:my-channel\s+ksvc:eventinghello\s/m);
    const sources = await ok(['source', 'list']);
    expect(sources.stdout).toMatch(/^mykafka-source\s+KafkaSource\s+my-topic-8\s+ksvc:eventinghello\s/m);
    const services = await ok(['service', 'list', '-o', 'name']);
    expect(services.stdout).toBe('service.serving.knative.dev/eventinghello\n');
    const topics = await ok(['kafkatopic', 'list']);
    expect(topics.stdout).toMatch(/^NAME\s+TOPIC\s+CLUSTER\s+PARTITIONS\s+REPLICAS\s+AGE\s+READY\s+REASON$/m);
    expect(topics.stdout).toMatch(/^my-topic-8\s+my-topic-8\s+my-cluster\s+10\s+1\s+\d+s\s+Unknown/m);
    const mirrors = await ok(['mirror', 'list']);
    expect(mirrors.stdout).toMatch(/manuela-factory → manuela-central\s+MirrorSourceConnector=RUNNING\s+\d+s\s+True/);
    expect((await ok(['mirror', 'status'])).stdout).toBe(mirrors.stdout);
  });

  it('delete checks every name first (nothing deleted when one is missing), then deletes and waits until gone', async () => {
    const missing = await firehose(['broker', 'delete', 'kafka-broker', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`No broker nope in namespace ${NS}.`);
    expect((await kubeRequest(env.admin, 'GET', BROKER(NS, 'kafka-broker'))).status).toBe(200);

    const dry = await ok(['broker', 'delete', 'kafka-broker', '--dry-run']);
    expect(dry.stdout).toBe(`would delete Broker kafka-broker in ${NS} (dry run, nothing changed)\n`);
    expect((await kubeRequest(env.admin, 'GET', BROKER(NS, 'kafka-broker'))).status).toBe(200);

    const deleted = await ok(['broker', 'delete', 'kafka-broker', 'third']);
    expect(deleted.stdout).toBe(`✓ deleted Broker kafka-broker in ${NS}\n✓ deleted Broker third in ${NS}\n`);
    expect((await kubeRequest(env.admin, 'GET', BROKER(NS, 'kafka-broker'))).status).toBe(404);
    expect((await kubeRequest(env.admin, 'GET', BROKER(NS, 'default'))).status).toBe(200);

    const named = await ok(['subscription', 'delete', 'my-channel-eventinghello', '-o', 'name']);
    expect(named.stdout).toBe('subscription.messaging.knative.dev/my-channel-eventinghello\n');
  });

  it('a delete a finalizer holds: waits, then NOT_READY with the hint; --no-wait says it is being deleted', async () => {
    const path = BROKER(NS, 'held');
    await kubeJson(env.admin, 'POST', `/apis/eventing.knative.dev/v1/namespaces/${NS}/brokers`, { body: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'held', finalizers: ['test.firehose.dev/hold'] } } });
    const waited = await firehose(['broker', 'delete', 'held', '--timeout', '1s']);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(/^error: Broker held is still there 1 s after it was deleted\.$/m);
    const noWait = await ok(['broker', 'delete', 'held', '--no-wait']);
    expect(noWait.stdout).toBe(`Broker held in ${NS} is being deleted (not waiting for it to be gone)\n`);
    await kubeJson(env.admin, 'PATCH', path, { body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' });
  });

  it('cleanup -o name prints what it deleted, kind.group/name', async () => {
    const result = await ok(['cleanup', '-o', 'name']);
    const lines = result.stdout.trim().split('\n').sort();
    expect(lines).toContain('broker.eventing.knative.dev/default');
    expect(lines).toContain('trigger.eventing.knative.dev/js-trigger');
    expect(lines).toContain('service.serving.knative.dev/eventinghello');
    expect(lines.every((l) => /^[a-z0-9]+(\.[a-z0-9.-]+)?\/[a-z0-9-]+$/.test(l))).toBe(true);
  });
});
