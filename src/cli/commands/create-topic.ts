import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { createTopic, validateTopicName } from '../../kafka/topics.js';
import { withSpinner } from '../../ui/spinner.js';
import { collect, runtimeOf, withExamples, withTopicOption } from '../action.js';
import { applyTemplate } from '../apply-template.js';
import { parseKeyValue, parsePositiveInt } from '../flags.js';
import { topicCluster } from '../topic-route.js';

export function createTopicCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('create-topic'))
    .description('Create a topic (default my-topic-<N>, 10 partitions, 1 replica): a KafkaTopic CR where Strimzi runs, else the admin API')
    .argument('[name]', 'topic name (default: my-topic-<N>)')
    .option('--partitions <n>', 'number of partitions', '10')
    .option('--replicas <n>', 'replication factor', '1')
    .option('--config <key=value>', 'topic config, repeatable (e.g. retention.ms=60000)', collect, [])
    .option('--via <how>', 'auto (KafkaTopic CR if the cluster serves it), cluster, or admin (Kafka admin API)', 'auto')
    .option('--kafka-cluster <name>', 'Strimzi Kafka cluster (label strimzi.io/cluster)', 'my-cluster')
    .option('--dry-run', 'cluster: let the server validate the KafkaTopic, change nothing')
    .option('--no-wait', 'cluster: do not wait for the KafkaTopic to be Ready')
    .option('--timeout <duration>', 'cluster: how long to wait for Ready', '120s')
    .option('--api-version <Kind=group/version>', 'cluster: KafkaTopic version instead of the served one', collect, [])
    .action(async (name, options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(name);
      const configs = Object.fromEntries(options.config.map((c) => parseKeyValue(c, '--config')));
      const partitions = parsePositiveInt(options.partitions, '--partitions');
      const replicas = parsePositiveInt(options.replicas, '--replicas');
      // Only the KafkaTopic path waits, but a bad value is bad usage on either path.
      parseDuration(options.timeout, '--timeout');
      validateTopicName(topic);
      if (await topicCluster(rt, options.via)) {
        const values: Record<string, string> = { name: topic, partitions: String(partitions), replicas: String(replicas), cluster: options.kafkaCluster };
        for (const [key, value] of Object.entries(configs)) values[`config.${key}`] = value;
        await applyTemplate(rt, 'kafka-topic', values, { set: [], apiVersion: options.apiVersion, dryRun: options.dryRun, wait: options.wait, timeout: options.timeout });
        if (!rt.out.structured) rt.out.info(`(through the KafkaTopic custom resource; the Strimzi topic operator creates the topic in Kafka cluster ${options.kafkaCluster})`);
        return;
      }
      const client = await rt.kafka();
      const result = await withSpinner(rt.out, `Creating topic ${topic}`, () =>
        createTopic(client, { topic, partitions, replicas, configs }),
      );
      if (rt.out.structured) return rt.out.data(result);
      rt.out.line(
        result.created
          ? `${rt.out.paint('green', '✓')} Created topic ${topic} (${partitions} partitions, ${replicas} replica${replicas === 1 ? '' : 's'}) through the Kafka admin API`
          : `${rt.out.paint('green', '✓')} Topic ${topic} already exists with ${partitions} partitions; nothing to do`,
      );
    });
  return withExamples(command, [
    'firehose create-topic --user 7                 # KafkaTopic CR on the lab cluster, else the admin API',
    'firehose create-topic orders --partitions 3 --config retention.ms=3600000 --via admin',
  ]);
}
