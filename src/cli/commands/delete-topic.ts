import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { deleteTopic, validateTopicName } from '../../kafka/topics.js';
import { runtimeOf, withExamples, withTopicOption } from '../action.js';
import { topicCluster } from '../topic-route.js';

export function deleteTopicCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('delete-topic'))
    .description('Delete a topic (default my-topic-<N>): its KafkaTopic CR where Strimzi manages it, else through the admin API')
    .argument('[name]', 'topic name (default: my-topic-<N>)')
    .option('--via <how>', 'auto (the KafkaTopic CR when there is one), cluster, or admin (Kafka admin API)', 'auto')
    .option('--no-wait', 'cluster: do not wait for the KafkaTopic to be gone')
    .option('--timeout <duration>', 'cluster: how long to wait for it to be gone', '120s')
    .action(async (name, options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(name);
      validateTopicName(topic);
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      const cluster = await topicCluster(rt, options.via);
      if (cluster) {
        // A topic Strimzi manages comes back if only Kafka forgets it: delete its KafkaTopic.
        const { deleteKafkaTopic } = await import('../../cluster/topics.js');
        const outcome = await deleteKafkaTopic(cluster, topic, { timeoutMs: options.wait ? timeoutMs : 0, signal: rt.signal });
        if (outcome !== 'absent') {
          if (rt.out.structured) return rt.out.data({ topic, deleted: true, via: 'KafkaTopic', gone: outcome === 'deleted' });
          rt.out.line(`${rt.out.paint('green', '✓')} Deleted KafkaTopic ${topic}${outcome === 'deleted' ? '' : ' (deletion under way; --no-wait)'} in ${cluster.namespace}; the Strimzi topic operator deletes the topic in Kafka`);
          return;
        }
        if (options.via === 'cluster') {
          const { FirehoseError } = await import('../../errors.js');
          throw new FirehoseError('NOT_FOUND', `There is no KafkaTopic ${topic} in ${cluster.namespace}.`, { hint: 'Use --via admin to delete a topic that no KafkaTopic manages.' });
        }
      }
      const result = await deleteTopic(await rt.kafka(), topic);
      if (rt.out.structured) return rt.out.data(result);
      rt.out.line(`${rt.out.paint('green', '✓')} Deleted topic ${topic}`);
    });
  return withExamples(command, ['firehose delete-topic --user 7', 'firehose delete-topic orders --via admin']);
}
