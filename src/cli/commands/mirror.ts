import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
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
    .option('--source-trusted-certificate-secret <secret>', 'TLS to the source cluster too: the secret with its CA (key tls.crt)')
    .option('--separator <text>', 'between alias and topic in mirrored names (replication.policy.separator; default ".")')
    .option('--identity', 'keep the topic names (IdentityReplicationPolicy) instead of <alias>.<topic>')
    .action(async (options, cmd) => {
      await applyTemplate(runtimeOf(cmd), 'mirror-maker2', {
        sourceAlias: options.sourceAlias, targetAlias: options.targetAlias, sourceBootstrap: options.sourceBootstrap, targetBootstrap: options.targetBootstrap,
        topicsPattern: options.topics, groupsPattern: options.groups, trustedCertificateSecret: options.trustedCertificateSecret,
        sourceTrustedCertificateSecret: options.sourceTrustedCertificateSecret, separator: options.separator,
        replicationPolicy: options.identity ? 'IdentityReplicationPolicy' : undefined,
      }, options);
    });
  withExamples(create, [CREATE_EXAMPLE, 'firehose mirror --source-bootstrap factory-kafka:9093 --target-bootstrap central-kafka:9093   # create is the default']);
  // `firehose mirror --source-bootstrap ...` (create, the default) stays as it was before the group had list/describe/delete.
  const group = new Command('mirror')
    .description('MirrorMaker2 from the factory cluster to the central one: on the cluster (Strimzi KafkaMirrorMaker2: create, the default; list with connector states, describe, delete), or run here between any two clusters (run)')
    .addCommand(create, { isDefault: true });
  for (const sub of objectSubcommands('mirror')) {
    // `mirror status` (the issue's and Strimzi users' word): the list, with each connector's state from the CR's status.
    if (sub.name() === 'list') sub.alias('status');
    group.addCommand(sub);
  }
  group.addCommand(runCommand());
  return withExamples(group, [CREATE_EXAMPLE, 'firehose mirror list', 'firehose mirror run --source localhost:9092 --target localhost:9093']);
}

/** `mirror run`: MirrorMaker2's copy on this machine, between any two Kafka clusters. */
function runCommand(): Command<any, any, any> {
  const command = new Command('run')
    .description('Mirror topics from one Kafka cluster to another here, as MirrorMaker2 does (<alias>.<topic>, same partitions, group offsets translated), until Ctrl-C')
    .option('--source <servers>', 'the source cluster\'s bootstrap (or --source-context)')
    .option('--target <servers>', 'the target cluster\'s bootstrap (or --target-context)')
    .option('--source-context <name>', 'a named Kafka connection (config add-context) for the source: TLS, SASL and all')
    .option('--target-context <name>', 'a named Kafka connection for the target')
    .option('--source-alias <alias>', 'the source\'s alias: mirrored topics are <alias><separator><topic>', 'manuela-factory')
    .option('--target-alias <alias>', 'the target\'s alias: its topics (<alias>.x) are never mirrored back', 'manuela-central')
    .option('--topics <regex>', 'source topics to mirror (MirrorMaker2\'s topicsPattern)', '.*')
    .option('--groups <regex>', 'consumer groups whose offsets are translated to the target (groupsPattern)', '.*')
    .option('--separator <text>', 'between alias and topic (replication.policy.separator)', '.')
    .option('--identity', 'keep the topic names (IdentityReplicationPolicy) instead of <alias>.<topic>')
    .option('--checkpoint-interval <duration>', 'how often group offsets are translated', '5s')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      if (options.source === undefined && options.sourceContext === undefined) throw new UsageError('mirror run needs the source: --source host:port or --source-context NAME.');
      if (options.target === undefined && options.targetContext === undefined) throw new UsageError('mirror run needs the target: --target host:port or --target-context NAME.');
      const { mirrorPattern, runMirror } = await import('../../edge/mirror.js');
      const mirror = {
        sourceAlias: mirrorAlias(options.sourceAlias, '--source-alias'),
        targetAlias: mirrorAlias(options.targetAlias, '--target-alias'),
        separator: options.separator,
        policy: options.identity ? 'identity' as const : 'default' as const,
        topics: mirrorPattern(options.topics, '--topics'),
        groups: mirrorPattern(options.groups, '--groups'),
        checkpointIntervalMs: parseDuration(options.checkpointInterval, '--checkpoint-interval'),
        signal: rt.signal,
      };
      if (options.separator === '') throw new UsageError('--separator must not be empty.', 'MirrorMaker2\'s default is "."; --identity keeps the names instead.');
      const [source, target] = await Promise.all([
        rt.otherKafka({ bootstrap: options.source, kafkaContext: options.sourceContext }),
        rt.otherKafka({ bootstrap: options.target, kafkaContext: options.targetContext }),
      ]);
      let copied = 0;
      const result = await runMirror(source, target, mirror, (event) => {
        if (event.kind === 'topics') {
          if (rt.out.structured) rt.out.data({ event: 'mirroring', topics: event.pairs });
          else rt.out.info(`Mirroring ${event.pairs.map((p) => `${p.source} → ${p.target} (${p.partitions} partitions${p.created ? ', created' : ''})`).join(', ')}; Ctrl-C to stop.`);
        } else if (event.kind === 'copied') copied += event.records;
        else if (event.kind === 'checkpoint') rt.out.debug(`mirror: group ${event.group} translated on ${event.topic} (${event.partitions} partitions)`);
      });
      if (rt.out.structured) rt.out.data({ event: 'stopped', copied: result.copied, checkpoints: result.checkpoints });
      else rt.out.info(`Mirrored ${copied} records; ${result.checkpoints} group offset translations.`);
    });
  return withExamples(command, [
    'firehose mirror run --source localhost:9092 --target localhost:9093   # manuela-factory.<topic> on the target',
    "firehose mirror run --source-context factory --target-context central --topics 'iot-sensor-.*'",
    'firehose mirror run --source a:9092 --target b:9092 --identity --groups none   # same names, no offset translation',
  ]);
}

function mirrorAlias(value: string, flag: string): string {
  if (!/^[a-zA-Z0-9._-]{1,100}$/.test(value)) throw new UsageError(`${flag} "${value}" must be 1-100 letters, digits, '.', '_' or '-'.`);
  return value;
}
