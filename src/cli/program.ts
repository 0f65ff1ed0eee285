import { Command, Help, Option } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseBrokers } from '../config/connection.js';
import { parseDuration } from '../config/duration.js';
import { ENV } from '../config/env.js';
import { OUTPUT_FORMATS } from '../ui/output.js';

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

/**
 * The top-level commands, in the order help lists them. Each is loaded when it is used
 * (a chunk of its own in the bundle), so `firehose spam` loads spam's code and not the
 * other commands', and `firehose --help` none of them (see programFor).
 */
interface CommandEntry {
  name: string;
  hidden?: boolean;
  load: () => Promise<Command<any, any, any>>;
}

const COMMANDS: CommandEntry[] = [
  { name: 'init', load: async () => (await import('./commands/init.js')).initCommand() },
  { name: 'create-topic', load: async () => (await import('./commands/create-topic.js')).createTopicCommand() },
  { name: 'delete-topic', load: async () => (await import('./commands/delete-topic.js')).deleteTopicCommand() },
  { name: 'topics', load: async () => (await import('./commands/topics.js')).topicsCommand() },
  { name: 'kafkatopic', load: async () => (await import('./commands/kafkatopic.js')).kafkatopicCommand() },
  { name: 'produce', load: async () => (await import('./commands/produce.js')).produceCommand() },
  { name: 'spam', load: async () => (await import('./commands/spam.js')).spamCommand() },
  { name: 'consume', load: async () => (await import('./commands/consume.js')).consumeCommand() },
  { name: 'groups', load: async () => (await import('./commands/groups.js')).groupsCommand() },
  { name: 'demo', load: async () => (await import('./commands/demo.js')).demoCommand() },
  { name: 'send', load: async () => (await import('./commands/send.js')).sendCommand() },
  { name: 'sink', load: async () => (await import('./commands/sink.js')).sinkCommand() },
  { name: 'func', load: async () => (await import('./commands/func.js')).funcCommand() },
  { name: 'up', load: async () => (await import('./commands/up.js')).upCommand() },
  { name: 'down', load: async () => (await import('./commands/up.js')).downCommand() },
  { name: 'render', load: async () => (await import('./commands/render.js')).renderCommand() },
  { name: 'deploy', load: async () => (await import('./commands/deploy.js')).deployCommand() },
  { name: 'wire', load: async () => (await import('./commands/wire.js')).wireCommand() },
  // `broker start` was the embedded Kafka broker's first name: hidden, for one release.
  { name: 'broker', load: async () => {
    const [{ brokerCommand }, { BROKER_START_RENAMED, kafkaStartCommand }] = await Promise.all([import('./commands/broker.js'), import('./commands/kafka.js')]);
    return brokerCommand().addCommand(kafkaStartCommand(BROKER_START_RENAMED), { hidden: true });
  } },
  { name: 'trigger', load: async () => (await import('./commands/trigger.js')).triggerCommand() },
  { name: 'channel', load: async () => (await import('./commands/channel.js')).channelCommand() },
  { name: 'subscribe', load: async () => (await import('./commands/subscribe.js')).subscribeCommand() },
  { name: 'subscription', load: async () => (await import('./commands/subscription.js')).subscriptionCommand() },
  { name: 'source', load: async () => (await import('./commands/source.js')).sourceCommand() },
  { name: 'service', load: async () => (await import('./commands/service.js')).serviceCommand() },
  { name: 'mirror', load: async () => (await import('./commands/mirror.js')).mirrorCommand() },
  { name: 'lake', load: async () => (await import('./commands/lake.js')).lakeCommand() },
  { name: 'certs', load: async () => (await import('./commands/certs.js')).certsCommand() },
  { name: 'bridge', load: async () => (await import('./commands/bridge.js')).bridgeCommand() },
  { name: 'mqtt', load: async () => (await import('./commands/mqtt.js')).mqttCommand() },
  { name: 'sensors', load: async () => (await import('./commands/sensors.js')).sensorsCommand() },
  { name: 'edge', load: async () => (await import('./commands/edge.js')).edgeCommand() },
  { name: 'apply', load: async () => (await import('./commands/apply.js')).applyCommand() },
  { name: 'cleanup', load: async () => (await import('./commands/cleanup.js')).cleanupCommand() },
  { name: 'doctor', load: async () => (await import('./commands/doctor.js')).doctorCommand() },
  { name: 'kafka', load: async () => (await import('./commands/kafka.js')).kafkaCommand() },
  { name: 'tail', load: async () => (await import('./commands/tail.js')).tailCommand() },
  { name: 'watch', load: async () => (await import('./commands/watch.js')).watchCommand() },
  { name: 'config', load: async () => (await import('./commands/config.js')).configCommand() },
  { name: 'completion', load: async () => (await import('./commands/completion.js')).completionCommand() },
  { name: '__complete', hidden: true, load: async () => (await import('./commands/completion.js')).completeNamesCommand() },
];

/** The program with its global options and help text, without its commands. */
function rootProgram(): Command {
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
  return program as unknown as Command;
}

/** What every command gets once the tree is built. */
function finish(program: Command): Command {
  // Every command's --help lists the global flags too (--bootstrap, --user, -o, ...):
  // addCommand() does not pass help settings on, so set them on each.
  const showGlobals = (command: Command<any, any, any>): void => {
    command.configureHelp({ ...command.configureHelp(), showGlobalOptions: true });
    for (const sub of command.commands) showGlobals(sub as Command<any, any, any>);
  };
  showGlobals(program);
  return program as unknown as Command;
}

/** The whole command tree: for tests, completion, and wherever no manifest was built. */
export async function buildProgram(): Promise<Command> {
  const program = rootProgram();
  const commands = await Promise.all(COMMANDS.map((entry) => entry.load()));
  COMMANDS.forEach((entry, i) => program.addCommand(commands[i]!, { hidden: entry.hidden }));
  return finish(program);
}

/**
 * A top-level command as the root's help lists it. `npm run build` writes the whole tree's
 * (commandManifest) beside the bundle, so `firehose --help` and a mistyped command need
 * no command's code.
 */
export interface ManifestEntry {
  name: string;
  aliases: string[];
  /** The help line's left column (`spam [options] [topic]`). */
  term: string;
  description: string;
  hidden: boolean;
}

export const MANIFEST_FILE = 'commands.json';

export function commandManifest(program: Command): ManifestEntry[] {
  const help = program.createHelp();
  return program.commands.map((command) => ({
    name: command.name(),
    aliases: command.aliases(),
    term: help.subcommandTerm(command),
    description: help.subcommandDescription(command),
    hidden: (command as unknown as { _hidden?: boolean })._hidden === true,
  }));
}

function readManifest(): ManifestEntry[] | undefined {
  try {
    return JSON.parse(readFileSync(new URL(`./${MANIFEST_FILE}`, import.meta.url), 'utf8')) as ManifestEntry[];
  } catch {
    return undefined;
  }
}

/**
 * The top-level command `argv` names, as commander will find it: the first word that is
 * not an option or a global option's value (`help X` names X).
 */
export function commandNameOf(argv: string[], program: Command = rootProgram()): string | undefined {
  const takesValue = new Map<string, 'required' | 'optional'>();
  for (const option of program.options) {
    const kind = option.required ? 'required' : option.optional ? 'optional' : undefined;
    if (!kind) continue;
    if (option.long) takesValue.set(option.long, kind);
    if (option.short) takesValue.set(option.short, kind);
  }
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      words.push(...argv.slice(i + 1, i + 3));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      words.push(arg);
      if (arg !== 'help') break;
      continue;
    }
    const kind = takesValue.get(arg);
    if (kind === 'required' || (kind === 'optional' && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-'))) i++;
  }
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * The tree `argv` needs: the root with the one command it names (its code alone is
 * loaded), or, for the root's help, a mistyped command or no command, the root with
 * stand-ins built from the manifest. Completion walks the whole tree, so it gets it.
 */
export async function programFor(argv: string[], manifest = readManifest()): Promise<Command> {
  const program = rootProgram();
  const name = commandNameOf(argv, program);
  const entry = COMMANDS.find((e) => e.name === name);
  if (entry && entry.name !== 'completion') {
    program.addCommand(await entry.load(), { hidden: entry.hidden });
    return finish(program);
  }
  if (entry || !manifest) return buildProgram();
  const terms = new Map<unknown, string>();
  for (const listed of manifest) {
    const standIn = new Command(listed.name).aliases(listed.aliases).description(listed.description);
    terms.set(standIn, listed.term);
    program.addCommand(standIn, { hidden: listed.hidden });
  }
  program.configureHelp({ subcommandTerm: (command) => terms.get(command) ?? Help.prototype.subcommandTerm.call(program.createHelp(), command) });
  return finish(program);
}
