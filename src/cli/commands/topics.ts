import { Command } from '@commander-js/extra-typings';
import { parseKeyValue, parsePositiveInt } from '../../config/duration.js';
import { createTopic, deleteTopic, describeTopic, listTopics } from '../../kafka/topics.js';
import { withSpinner } from '../../ui/spinner.js';
import { formatTable } from '../../ui/table.js';
import { runtimeOf, withExamples } from '../action.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function createTopicCommand(): Command<any, any, any> {
  const command = new Command('create-topic')
    .description('Create a topic (default my-topic-<N>, 10 partitions, 1 replica, as in the lab)')
    .argument('[name]', 'topic name (default: my-topic-<N>)')
    .option('--partitions <n>', 'number of partitions', '10')
    .option('--replicas <n>', 'replication factor', '1')
    .option('--config <key=value>', 'topic config, repeatable (e.g. retention.ms=60000)', collect, [])
    .action(async (name, options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(name);
      const configs = Object.fromEntries(options.config.map((c) => parseKeyValue(c, '--config')));
      const partitions = parsePositiveInt(options.partitions, '--partitions');
      const replicas = parsePositiveInt(options.replicas, '--replicas');
      const client = await rt.kafka();
      const result = await withSpinner(rt.out, `Creating topic ${topic}`, () =>
        createTopic(client, { topic, partitions, replicas, configs }),
      );
      if (rt.out.json) return rt.out.data(result);
      rt.out.line(
        result.created
          ? `${rt.out.paint('green', '✓')} Created topic ${topic} (${partitions} partitions, ${replicas} replica${replicas === 1 ? '' : 's'}) through the Kafka admin API`
          : `${rt.out.paint('green', '✓')} Topic ${topic} already exists with ${partitions} partitions; nothing to do`,
      );
    });
  return withExamples(command, ['firehose create-topic --user 7', 'firehose create-topic orders --partitions 3 --config retention.ms=3600000']);
}

export function deleteTopicCommand(): Command<any, any, any> {
  const command = new Command('delete-topic')
    .description('Delete a topic (default my-topic-<N>)')
    .argument('[name]', 'topic name (default: my-topic-<N>)')
    .action(async (name, _options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(name);
      const result = await deleteTopic(await rt.kafka(), topic);
      if (rt.out.json) return rt.out.data(result);
      rt.out.line(`${rt.out.paint('green', '✓')} Deleted topic ${topic}`);
    });
  return withExamples(command, ['firehose delete-topic --user 7', 'firehose delete-topic orders']);
}

export function topicsCommand(): Command<any, any, any> {
  const list = new Command('list')
    .description('List topics with partitions, replicas and message counts')
    .option('--all', 'include internal topics such as __consumer_offsets')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const topics = await listTopics(await rt.kafka(), { includeInternal: Boolean(options.all) });
      if (rt.out.json) return rt.out.data(topics);
      if (topics.length === 0) return rt.out.info('No topics. Create one with `firehose create-topic`.');
      rt.out.line(formatTable(['TOPIC', 'PARTITIONS', 'REPLICAS', 'END OFFSETS (SUM)'], topics.map((t) => [t.topic, t.partitions, t.replicas, t.messages])));
    });
  const describe = new Command('describe')
    .description('Partitions, leaders, replicas and offsets of one topic')
    .argument('[topic]', 'topic name (default: my-topic-<N>)')
    .action(async (name, _options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(name);
      const description = await describeTopic(await rt.kafka(), topic);
      if (rt.out.json) return rt.out.data(description);
      rt.out.line(`Topic ${rt.out.paint('bold', topic)}: ${description.partitions.length} partitions`);
      for (const [key, value] of Object.entries(description.configs)) rt.out.line(`  ${key}=${value}`);
      rt.out.line(formatTable(
        ['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'START OFFSET', 'END OFFSET'],
        description.partitions.map((p) => [p.partition, p.leader, p.replicas.join(','), p.isr.join(','), p.startOffset, p.endOffset]),
      ));
    });
  const topics = new Command('topics')
    .description('List topics, or describe one (topics describe <topic>)')
    .addCommand(list, { isDefault: true })
    .addCommand(describe);
  withExamples(list, ['firehose topics', 'firehose topics list --all --output json']);
  withExamples(describe, ['firehose topics describe my-topic-7']);
  return withExamples(topics, ['firehose topics', 'firehose topics describe my-topic-7']);
}
