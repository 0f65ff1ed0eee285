import { Command } from '@commander-js/extra-typings';
import { describeTopic, listTopics } from '../../kafka/topics.js';
import { formatTable } from '../../ui/table.js';
import { runtimeOf, withExamples, withTopicOption } from '../action.js';

export function topicsCommand(): Command<any, any, any> {
  const list = new Command('list')
    .description('List topics with partitions, replicas and message counts')
    .option('--all', 'include internal topics such as __consumer_offsets')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const topics = await listTopics(await rt.kafka(), { includeInternal: Boolean(options.all) });
      if (rt.out.structured) return rt.out.data(topics);
      if (topics.length === 0) return rt.out.info('No topics. Create one with `firehose create-topic`.');
      rt.out.line(formatTable(['TOPIC', 'PARTITIONS', 'REPLICAS', 'END OFFSETS (SUM)'], topics.map((t) => [t.topic, t.partitions, t.replicas, t.messages])));
    });
  const describe = withTopicOption(new Command('describe'))
    .description('Partitions, leaders, replicas and offsets of one topic')
    .argument('[topic]', 'topic name (default: my-topic-<N>)')
    .action(async (name, _options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(name);
      const description = await describeTopic(await rt.kafka(), topic);
      if (rt.out.structured) return rt.out.data(description);
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
