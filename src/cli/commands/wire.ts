import { Command } from '@commander-js/extra-typings';
import { runtimeOf, withExamples } from '../action.js';
import { applyTemplate, withApplyOptions } from '../apply-template.js';

export function wireCommand(): Command<any, any, any> {
  const command = withApplyOptions(new Command('wire'))
    .description('Create the KafkaSource from my-topic-<N> to the sink (consumer group knative-group-<N>)')
    .option('--topic <topic>', 'Kafka topic (default my-topic-<N>)')
    .option('--sink <ref>', "sink: a Knative Service name, kn's ksvc:NAME / svc:NAME / broker:NAME / channel:NAME / kafkasink:NAME (optional :NAMESPACE), Kind/name, or URL (default eventinghello)")
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
