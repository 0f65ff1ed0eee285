import { Command } from '@commander-js/extra-typings';
import { runtimeOf, withExamples } from '../action.js';
import { applyTemplate, withApplyOptions } from '../apply-template.js';

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
