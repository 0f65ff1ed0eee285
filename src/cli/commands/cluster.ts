import { Command } from '@commander-js/extra-typings';
import { parseDuration, parseKeyValue } from '../../config/duration.js';
import type { DeployedObject } from '../../cluster/deploy.js';
import { parseApiVersionFlag } from '../../templates/render.js';
import { withSpinner } from '../../ui/spinner.js';
import { collect, runtimeOf, withExamples } from '../action.js';
import type { Runtime } from '../runtime.js';


/** Options every command that applies a template shares. */
interface ApplyFlags {
  set: string[];
  apiVersion: string[];
  dryRun?: boolean;
  wait: boolean;
  timeout: string;
}

function withApplyOptions<C extends Command<any, any, any>>(command: C): C {
  return command
    .option('--set <key=value>', 'template value, repeatable (see `firehose render`)', collect, [])
    .option('--api-version <Kind=group/version>', 'use this version instead of what the cluster serves, repeatable', collect, [])
    .option('--dry-run', 'let the server validate it, change nothing, print what would be applied')
    .option('--no-wait', 'do not wait for the Ready condition')
    .option('--timeout <duration>', 'how long to wait for Ready', '120s') as C;
}

/** Renders `template` with `values` (flags first, then --set), applies it, reports each object. */
export async function applyTemplate(rt: Runtime, template: string, values: Record<string, string | undefined>, commandOptions: object): Promise<DeployedObject[]> {
  // withApplyOptions() declared these on the command; commander's typing cannot see them.
  const flags = commandOptions as ApplyFlags;
  const user = (await rt.user()).number;
  const cluster = await rt.cluster();
  const { deployTemplate } = await import('../../cluster/deploy.js');
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) merged[key] = value;
  for (const entry of flags.set) {
    const [key, value] = parseKeyValue(entry, '--set');
    merged[key] = value;
  }
  const options = {
    template,
    user,
    values: merged,
    apiVersions: Object.fromEntries(flags.apiVersion.map(parseApiVersionFlag)),
    dryRun: Boolean(flags.dryRun),
    wait: flags.wait,
    timeoutMs: parseDuration(flags.timeout, '--timeout'),
    signal: rt.signal,
  };
  const results = await withSpinner(rt.out, `Applying ${template} for user ${user} in ${cluster.namespace}`, () => deployTemplate(cluster, options));
  if (rt.out.json) {
    rt.out.data(results.map(({ object, ...rest }) => (flags.dryRun ? { ...rest, object } : rest)));
    return results;
  }
  for (const r of results) {
    const ready = r.ready ? ', Ready' : '';
    rt.out.line(`${rt.out.paint('green', '✓')} ${r.kind} ${r.name} ${r.action === 'dry-run' ? 'validated by the server (dry run, nothing changed)' : r.action}${ready} (${r.apiVersion}, namespace ${r.namespace ?? cluster.namespace})`);
  }
  if (flags.dryRun) {
    const { toYaml } = await import('../../templates/render.js');
    rt.out.line(await toYaml(results.map((r) => r.object as never)));
  }
  return results;
}

export function deployCommand(): Command<any, any, any> {
  const sink = withApplyOptions(new Command('sink'))
    .description('Deploy the lab sink: Knative Service eventinghello (target 1, maxScale 10, containerConcurrency 1)')
    .option('--name <name>', 'service name')
    .option('--image <image>', 'container image')
    .option('--max-scale <n>', 'autoscaling maxScale')
    .option('--target <n>', 'autoscaling target (concurrent requests per pod)')
    .action(async (options, cmd) => {
      await applyTemplate(runtimeOf(cmd), 'sink', { name: options.name, image: options.image, maxScale: options.maxScale, target: options.target }, options);
    });
  const deploy = new Command('deploy').description('Deploy lab workloads to the cluster').addCommand(sink);
  withExamples(sink, ['firehose deploy sink', 'firehose deploy sink --max-scale 3 --dry-run']);
  return withExamples(deploy, ['firehose deploy sink']);
}

export function applyCommand(): Command<any, any, any> {
  const command = withApplyOptions(new Command('apply'))
    .description('Apply any template for your user (server-side apply, field manager firehose)')
    .argument('<template>', 'template name (firehose render lists them)')
    .action(async (template, options, cmd) => {
      await applyTemplate(runtimeOf(cmd), template, {}, options);
    });
  return withExamples(command, ['firehose apply ping-source --set schedule="*/1 * * * *"', 'firehose apply event-display']);
}

export function wireCommand(): Command<any, any, any> {
  const command = withApplyOptions(new Command('wire'))
    .description('Create the KafkaSource from my-topic-<N> to the sink (consumer group knative-group-<N>)')
    .option('--topic <topic>', 'Kafka topic (default my-topic-<N>)')
    .option('--sink <ref>', 'sink: a Service name, Kind/name, or URL (default eventinghello)')
    .option('--group <group>', 'consumer group (default knative-group-<N>)')
    .option('--initial-offset <where>', 'earliest or latest')
    .option('--kafka-bootstrap <servers>', 'bootstrap servers as the cluster sees them (default my-cluster-kafka-bootstrap.kafka:9092)')
    .action(async (options, cmd) => {
      await applyTemplate(runtimeOf(cmd), 'kafka-source', {
        topic: options.topic, sink: options.sink, group: options.group, initialOffset: options.initialOffset, bootstrapServers: options.kafkaBootstrap,
      }, options);
    });
  return withExamples(command, ['firehose wire', 'firehose wire --initial-offset earliest --sink event-display']);
}

function createSub(name: string, template: string, description: string, configure: (c: Command<any, any, any>) => Command<any, any, any>, values: (name: string | undefined, options: any) => Record<string, string | undefined>, examples: string[]) {
  const command = configure(withApplyOptions(new Command(name)).description(description).argument('[name]', 'object name'))
    .action(async (...args: any[]) => {
      const [objectName, options, cmd] = args as [string | undefined, object, Command];
      await applyTemplate(runtimeOf(cmd), template, values(objectName, options), options);
    });
  return withExamples(command, examples);
}

export function brokerCommand(): Command<any, any, any> {
  const create = createSub('create', 'broker', 'Create a Broker (default name "default")',
    (c) => c.option('--class <class>', 'MTChannelBasedBroker or Kafka'),
    (name, o) => ({ name, class: o.class }), ['firehose broker create', 'firehose broker create --class Kafka']);
  const group = new Command('broker').description('Knative Brokers in the cluster (the embedded Kafka broker is `firehose kafka start`)');
  return withExamples(group.addCommand(create), ['firehose broker create', 'firehose broker create --class Kafka']);
}

export function triggerCommand(): Command<any, any, any> {
  const create = createSub('create', 'trigger', 'Create a Trigger: exact attribute filters to a subscriber',
    (c) => c
      .option('--broker <name>', 'broker (default "default")')
      .option('--subscriber <ref>', 'Service name, Kind/name, or URL')
      .option('--filter <attr=value>', 'exact-match filter, repeatable (type=..., source=...)', collect, []),
    (name, o) => ({
      name, broker: o.broker, subscriber: o.subscriber,
      ...Object.fromEntries((o.filter as string[]).map((f) => { const [k, v] = parseKeyValue(f, '--filter'); return [`filter.${k}`, v]; })),
    }),
    ['firehose trigger create js-trigger --subscriber js-function --filter type=dev.nodeshift.samples.js-example --filter source=dev.nodeshift.samples/js-example-source']);
  return withExamples(new Command('trigger').description('Knative Triggers').addCommand(create), ['firehose trigger create wasm --subscriber wasm-fn --filter type=dev.nodeshift.samples.fromjs']);
}

export function channelCommand(): Command<any, any, any> {
  const create = createSub('create', 'channel', 'Create a Channel (backed by the default channel kind, or --kind)',
    (c) => c.option('--kind <kind>', 'KafkaChannel or InMemoryChannel'),
    (name, o) => ({ name, kind: o.kind }), ['firehose channel create my-channel', 'firehose channel create my-channel --kind InMemoryChannel']);
  return withExamples(new Command('channel').description('Knative Channels').addCommand(create), ['firehose channel create my-channel']);
}

export function subscribeCommand(): Command<any, any, any> {
  const command = withApplyOptions(new Command('subscribe'))
    .description('Subscribe a service to a channel (a Subscription)')
    .argument('<channel>', 'channel name')
    .requiredOption('--subscriber <ref>', 'Service name, Kind/name, or URL')
    .option('--reply <ref>', 'where replies go')
    .option('--name <name>', 'subscription name')
    .action(async (channel, options, cmd) => {
      await applyTemplate(runtimeOf(cmd), 'subscription', { channel, subscriber: options.subscriber, reply: options.reply, name: options.name }, options);
    });
  return withExamples(command, ['firehose subscribe my-channel --subscriber event-display']);
}

export function mirrorCommand(): Command<any, any, any> {
  const command = withApplyOptions(new Command('mirror'))
    .description('MirrorMaker2 from the factory cluster to the central one (Strimzi KafkaMirrorMaker2)')
    .option('--source-alias <alias>', 'source cluster alias (manuela-factory)')
    .option('--target-alias <alias>', 'target cluster alias (manuela-central)')
    .option('--source-bootstrap <servers>', 'source bootstrap servers')
    .option('--target-bootstrap <servers>', 'target bootstrap servers')
    .option('--topics <pattern>', 'topicsPattern (.*)')
    .option('--groups <pattern>', 'groupsPattern (.*)')
    .option('--trusted-certificate-secret <secret>', 'secret with the other cluster\'s CA')
    .action(async (options, cmd) => {
      await applyTemplate(runtimeOf(cmd), 'mirror-maker2', {
        sourceAlias: options.sourceAlias, targetAlias: options.targetAlias, sourceBootstrap: options.sourceBootstrap, targetBootstrap: options.targetBootstrap,
        topicsPattern: options.topics, groupsPattern: options.groups, trustedCertificateSecret: options.trustedCertificateSecret,
      }, options);
    });
  return withExamples(command, ['firehose mirror --source-bootstrap factory-kafka:9093 --target-bootstrap central-kafka:9093 --trusted-certificate-secret central-ca']);
}

export function cleanupCommand(): Command<any, any, any> {
  const command = new Command('cleanup')
    .description('Delete everything firehose created for your user (by label), and nothing else')
    .option('--dry-run', 'list what would be deleted')
    .option('--all-namespaces', 'look in every namespace, not just the current one')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const user = (await rt.user()).number;
      const cluster = await rt.cluster();
      const { cleanup } = await import('../../cluster/apply.js');
      const removed = await cleanup(cluster, { user, namespace: options.allNamespaces ? undefined : cluster.namespace, dryRun: Boolean(options.dryRun) });
      if (rt.out.json) return rt.out.data(removed);
      if (removed.length === 0) return rt.out.info(`Nothing of user ${user}'s to delete in ${options.allNamespaces ? 'any namespace' : cluster.namespace}.`);
      for (const o of removed) rt.out.line(`${options.dryRun ? 'would delete' : `${rt.out.paint('green', '✓')} deleted`} ${o.kind} ${o.name}${o.namespace ? ` (namespace ${o.namespace})` : ''}`);
    });
  return withExamples(command, ['firehose cleanup --dry-run', 'firehose cleanup']);
}

export function doctorCommand(): Command<any, any, any> {
  const command = new Command('doctor')
    .description("The lab's \"verify your setup\" checks: APIs installed, Kafka CR, Knative pods, default channel, how Kafka is reachable from here")
    .option('--no-kafka', 'skip the Kafka bootstrap check')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const cluster = await rt.cluster();
      const { runDoctor } = await import('../../cluster/doctor.js');
      const kafkaCheck = options.kafka
        ? async () => {
            const client = await rt.kafka();
            await (await client.admin()).listTopics();
          }
        : undefined;
      const connection = await rt.connection();
      const checks = await runDoctor(cluster, { kafkaCheck, kafkaAccess: { brokers: connection.brokers, viaCluster: connection.viaCluster } });
      if (rt.out.json) rt.out.data(checks);
      else {
        for (const c of checks) {
          rt.out.line(`${c.ok ? rt.out.paint('green', '✓') : rt.out.paint('red', '✗')} ${c.name}: ${c.detail}`);
          if (!c.ok && c.hint) rt.out.line(`  ${rt.out.paint('gray', `fix: ${c.hint}`)}`);
        }
      }
      const failed = checks.filter((c) => !c.ok).length;
      if (failed > 0) {
        const { FirehoseError } = await import('../../errors.js');
        throw new FirehoseError('DOCTOR_FAILED', `${failed} of ${checks.length} checks failed.`, { hint: 'Fix the ✗ lines above, then run firehose doctor again.' });
      }
    });
  return withExamples(command, ['firehose doctor', 'firehose doctor --output json']);
}
