import { Command } from '@commander-js/extra-typings';
import { runtimeOf, withExamples } from '../action.js';
import { applyTemplate, withApplyOptions } from '../apply-template.js';
import { objectSubcommands } from '../object-subcommands.js';

const CREATE_EXAMPLE = 'firehose mirror create --source-bootstrap factory-kafka:9093 --target-bootstrap central-kafka:9093 --trusted-certificate-secret central-ca';

export function mirrorCommand(): Command<any, any, any> {
  const create = withApplyOptions(new Command('create'))
    .description('MirrorMaker2 from the factory cluster to the central one (a Strimzi KafkaMirrorMaker2); the default subcommand')
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
  withExamples(create, [CREATE_EXAMPLE, 'firehose mirror --source-bootstrap factory-kafka:9093 --target-bootstrap central-kafka:9093   # create is the default']);
  // `firehose mirror --source-bootstrap ...` (create, the default) stays as it was before the group had list/describe/delete.
  const group = new Command('mirror')
    .description('MirrorMaker2 from the factory cluster to the central one (Strimzi KafkaMirrorMaker2): create (the default), list with connector states, describe, delete')
    .addCommand(create, { isDefault: true });
  for (const sub of objectSubcommands('mirror')) group.addCommand(sub);
  return withExamples(group, [CREATE_EXAMPLE, 'firehose mirror list']);
}
