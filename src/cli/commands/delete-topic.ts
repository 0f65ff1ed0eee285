import { Command } from '@commander-js/extra-typings';
import { deleteTopic } from '../../kafka/topics.js';
import { runtimeOf, withExamples, withTopicOption } from '../action.js';

export function deleteTopicCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('delete-topic'))
    .description('Delete a topic (default my-topic-<N>)')
    .argument('[name]', 'topic name (default: my-topic-<N>)')
    .action(async (name, _options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(name);
      const result = await deleteTopic(await rt.kafka(), topic);
      if (rt.out.structured) return rt.out.data(result);
      rt.out.line(`${rt.out.paint('green', '✓')} Deleted topic ${topic}`);
    });
  return withExamples(command, ['firehose delete-topic --user 7', 'firehose delete-topic orders']);
}
