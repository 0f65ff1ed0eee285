import { Command, Option } from '@commander-js/extra-typings';
import { createRequire } from 'node:module';
import { parseBrokers } from '../config/connection.js';
import { parseDuration } from '../config/duration.js';
import { ENV } from '../config/env.js';
import { OUTPUT_FORMATS } from '../ui/output.js';
import { applyCommand } from './commands/apply.js';
import { bridgeCommand } from './commands/bridge.js';
import { brokerCommand } from './commands/broker.js';
import { certsCommand } from './commands/certs.js';
import { channelCommand } from './commands/channel.js';
import { cleanupCommand } from './commands/cleanup.js';
import { completeNamesCommand, completionCommand } from './commands/completion.js';
import { configCommand } from './commands/config.js';
import { consumeCommand } from './commands/consume.js';
import { createTopicCommand } from './commands/create-topic.js';
import { deleteTopicCommand } from './commands/delete-topic.js';
import { demoCommand } from './commands/demo.js';
import { deployCommand } from './commands/deploy.js';
import { doctorCommand } from './commands/doctor.js';
import { funcCommand } from './commands/func.js';
import { groupsCommand } from './commands/groups.js';
import { initCommand } from './commands/init.js';
import { BROKER_START_RENAMED, kafkaCommand, kafkaStartCommand } from './commands/kafka.js';
import { mirrorCommand } from './commands/mirror.js';
import { lakeCommand } from './commands/lake.js';
import { mqttCommand } from './commands/mqtt.js';
import { produceCommand } from './commands/produce.js';
import { renderCommand } from './commands/render.js';
import { sendCommand } from './commands/send.js';
import { sensorsCommand } from './commands/sensors.js';
import { sinkCommand } from './commands/sink.js';
import { spamCommand } from './commands/spam.js';
import { subscribeCommand } from './commands/subscribe.js';
import { subscriptionCommand } from './commands/subscription.js';
import { sourceCommand } from './commands/source.js';
import { kafkatopicCommand } from './commands/kafkatopic.js';
import { serviceCommand } from './commands/service.js';
import { tailCommand } from './commands/tail.js';
import { topicsCommand } from './commands/topics.js';
import { triggerCommand } from './commands/trigger.js';
import { downCommand, upCommand } from './commands/up.js';
import { watchCommand } from './commands/watch.js';
import { wireCommand } from './commands/wire.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * Checks a global option's value while commander parses, so a bad one is a usage error
 * before any command starts work; the value stays text, and src/config/ converts it
 * where it is used (resolveConnection), with the same function.
 */
function checked(parse: (text: string, flag: string) => unknown, flag: string): (text: string) => string {
  return (text) => {
    parse(text, flag);
    return text;
  };
}

/** The whole command tree, in one place. */
export function buildProgram(): Command {
  const program = new Command('firehose')
    .description('Event streaming with Apache Kafka and Knative Eventing: the workshop lab from one command line')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .option('--user <n>', `your user number N (names my-topic-<N>); env ${ENV.user}`)
    .option('-b, --bootstrap <host:port,...>', `Kafka bootstrap servers (also --bootstrap-server, as the console tools say); env ${ENV.bootstrap} (default localhost:9092)`, checked(parseBrokers, '--bootstrap'))
    .addOption(new Option('--bootstrap-server <host:port,...>').hideHelp().argParser(checked(parseBrokers, '--bootstrap-server')))
    .option('--ca-file <path>', 'TLS: CA certificate (PEM) that signed the broker certificate')
    .option('--cert-file <path>', 'TLS: client certificate (PEM), with --key-file')
    .option('--key-file <path>', 'TLS: client private key (PEM)')
    .option('--keystore <path>', `TLS: client PKCS#12 keystore; password from ${ENV.keystorePassword} or a prompt`)
    .option('--tls', 'use TLS even without a CA or client certificate (system CAs)')
    .option('--skip-hostname-verification', 'TLS: do not check the broker address against its certificate (insecure)')
    .option('--sasl-mechanism <mechanism>', `SASL: plain, scram-sha-256, scram-sha-512 (password from ${ENV.saslPassword} or a prompt) or oauthbearer (token from ${ENV.oauthToken}, or --oauth-token-endpoint)`)
    .option('--sasl-username <name>', `SASL user name (oauthbearer: the client id at the token endpoint); env ${ENV.saslUsername}`)
    .option('--oauth-token-endpoint <url>', `OAUTHBEARER: get the token by the client-credentials grant here (client secret from ${ENV.saslPassword}); env ${ENV.oauthTokenEndpoint}`)
    .option('--oauth-scope <scope>', 'OAUTHBEARER: the scope to ask the token endpoint for')
    .option('--connect-timeout <duration>', 'give up reaching Kafka after this long (default 10s)', checked(parseDuration, '--connect-timeout'))
    .option('--via-cluster', `reach Kafka through the Kubernetes API (port-forward to the broker pods); automatic when the bootstrap is a cluster service name that does not resolve here; env ${ENV.viaCluster}=1`)
    .option('--kafka-context <name>', `a named Kafka connection from the config file (config add-context); env ${ENV.kafkaContext}`)
    .option('-n, --namespace <ns>', 'Kubernetes namespace (kubectl -n)')
    .option('--context <name>', 'kubeconfig context')
    .option('--kubeconfig <file>', `kubeconfig file (as kubectl --kubeconfig; default: $KUBECONFIG, else ~/.kube/config)`)
    .addOption(new Option('-o, --output <format>', `text, json, yaml, or name (kind.group/name of each Kubernetes object, as kubectl -o name); env ${ENV.output}`).choices(OUTPUT_FORMATS))
    .option('--no-color', `plain output (also ${ENV.noColor})`)
    .option('--verbose', 'debug logs and stack traces');

  // The console tools' name for --bootstrap: the same setting.
  program.on('option:bootstrap-server', (value: string) => program.setOptionValueWithSource('bootstrap', value, 'cli'));

  program.addHelpText('after', `
Examples:
  $ firehose create-topic --user 7          # my-topic-7, 10 partitions
  $ firehose spam --times 10                # the workshop spammer
  $ firehose consume --from-beginning       # read it back
  $ firehose groups describe knative-group-7
  $ firehose demo commit --group demo-7     # at-least-once, live
`);

  for (const command of [
    initCommand(),
    createTopicCommand(),
    deleteTopicCommand(),
    topicsCommand(),
    kafkatopicCommand(),
    produceCommand(),
    spamCommand(),
    consumeCommand(),
    groupsCommand(),
    demoCommand(),
    sendCommand(),
    sinkCommand(),
    funcCommand(),
    upCommand(),
    downCommand(),
    renderCommand(),
    deployCommand(),
    wireCommand(),
    // `broker start` was the embedded Kafka broker's first name: hidden, for one release.
    brokerCommand().addCommand(kafkaStartCommand(BROKER_START_RENAMED), { hidden: true }),
    triggerCommand(),
    channelCommand(),
    subscribeCommand(),
    subscriptionCommand(),
    sourceCommand(),
    serviceCommand(),
    mirrorCommand(),
    lakeCommand(),
    certsCommand(),
    bridgeCommand(),
    mqttCommand(),
    sensorsCommand(),
    applyCommand(),
    cleanupCommand(),
    doctorCommand(),
    kafkaCommand(),
    tailCommand(),
    watchCommand(),
    configCommand(),
    completionCommand(),
  ]) {
    program.addCommand(command);
  }
  program.addCommand(completeNamesCommand(), { hidden: true });
  // Every command's --help lists the global flags too (--bootstrap, --user, -o, ...):
  // addCommand() does not pass help settings on, so set them on each.
  const showGlobals = (command: Command<any, any, any>): void => {
    command.configureHelp({ showGlobalOptions: true });
    for (const sub of command.commands) showGlobals(sub as Command<any, any, any>);
  };
  showGlobals(program);
  return program as unknown as Command;
}
