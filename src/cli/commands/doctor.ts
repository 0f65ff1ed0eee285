import { Command } from '@commander-js/extra-typings';
import { runtimeOf, withExamples } from '../action.js';

export function doctorCommand(): Command<any, any, any> {
  const command = new Command('doctor')
    .description("The lab's \"verify your setup\" checks: APIs installed, Kafka CR, Knative pods, default channel, how Kafka is reachable from here")
    .option('--no-kafka', 'skip the Kafka checks (address, listeners, CA, bootstrap)')
    .option('--edge', 'also seed 002\'s: the KafkaMirrorMaker2 and Camel K Integration APIs, and (with Kafka checks) topics mirrored from the factory on this cluster\'s Kafka')
    .option('--mirror-alias <alias>', 'with --edge: the source alias mirrored topics start with', 'manuela-factory')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const cluster = await rt.cluster();
      const { runDoctor } = await import('../../cluster/doctor.js');
      const connection = await rt.connection();
      // No --bootstrap (nor environment, nor config file): check the Kafka CR doctor finds.
      const labKafka = connection.bootstrapSource === 'default';
      const kafkaCheck = options.kafka
        ? async (brokers: string[]) => {
            if (labKafka) rt.useBootstrap(brokers.join(','));
            const client = await rt.kafka();
            return (await client.admin()).listTopics();
          }
        : undefined;
      const kafkaAccess = options.kafka ? { brokers: labKafka ? undefined : connection.brokers, viaCluster: connection.viaCluster } : undefined;
      const checks = await runDoctor(cluster, { kafkaCheck, kafkaAccess, edge: Boolean(options.edge), mirrorAlias: options.mirrorAlias });
      if (rt.out.structured) rt.out.data(checks);
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
  return withExamples(command, ['firehose doctor', 'firehose doctor --output json', 'firehose doctor --edge --no-kafka   # seed 002: is Camel K installed?']);
}
