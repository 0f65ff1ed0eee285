import { configFilePath, loadConfigFile, type ConfigFile } from '../config/config-file.js';
import { resolveConnection, type ConnectionFlags, type ConnectionSettings } from '../config/connection.js';
import { ENV, type EnvSource } from '../config/env.js';
import { resolveUser, type ResolvedUser } from '../config/user.js';
import { FirehoseError, UsageError } from '../errors.js';
import type { ClusterClient } from '../cluster/connect.js';
import type { KafkaClient } from '../kafka/connect.js';
import type { BrokerTunnel } from '../kafka/tunnel.js';
import type { AskSecret } from '../logger.js';
import { OUTPUT_FORMATS, Output, type OutputFormat } from '../ui/output.js';

/** The options every command accepts (declared once on the root program). */
export interface GlobalFlags extends ConnectionFlags {
  user?: string;
  namespace?: string;
  context?: string;
  output?: string;
  color?: boolean;
  verbose?: boolean;
  /** kubectl's --kubeconfig: this file instead of $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string;
  /** `-t/--topic` of a command that takes a topic (kcat's and the console tools' way). */
  topic?: string;
}

export interface RuntimeIO {
  env: EnvSource;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on Ctrl-C: long-running commands finish cleanly. */
  signal: AbortSignal;
  /** The arguments of this run (run() sets them). */
  argv?: readonly string[];
  /**
   * What starts this firehose again, before the arguments: node, its flags and the script
   * (`up --detach`). Absent when firehose runs inside another program (tests).
   */
  relaunch?: readonly string[];
}

export function parseFormat(text: string | undefined): OutputFormat {
  if (text === undefined) return 'text';
  if ((OUTPUT_FORMATS as readonly string[]).includes(text)) return text as OutputFormat;
  throw new UsageError(`--output must be ${OUTPUT_FORMATS.join(', ')}, not "${text}".`);
}

/**
 * What a command handler needs, built lazily from the global flags: output, config
 * file, user number, Kafka client. Handlers call one core function with these.
 */
export class Runtime {
  readonly out: Output;
  private configFile?: Promise<ConfigFile>;
  private resolvedUser?: Promise<ResolvedUser>;
  private kafkaClient?: Promise<KafkaClient>;
  private clusterClient?: Promise<ClusterClient>;
  /** The Kafka this run started itself (`up`'s embedded broker), in place of the configured one. */
  private ownBootstrap?: string;

  constructor(
    readonly flags: GlobalFlags,
    readonly io: RuntimeIO,
  ) {
    const color = flags.color !== false && !io.env[ENV.noColor] && Boolean(io.stdout.isTTY || io.stderr.isTTY);
    this.out = new Output({
      format: parseFormat(flags.output ?? io.env[ENV.output]),
      color,
      verbose: Boolean(flags.verbose),
      stdout: io.stdout as never,
      stderr: io.stderr as never,
    });
  }

  get env(): EnvSource {
    return this.io.env;
  }

  get signal(): AbortSignal {
    return this.io.signal;
  }

  /** A person at the keyboard: prompts are allowed. */
  get canPrompt(): boolean {
    return Boolean(this.io.stdin.isTTY && this.io.stderr.isTTY) && !this.env[ENV.ci];
  }

  config(): Promise<ConfigFile> {
    this.configFile ??= loadConfigFile(configFilePath(this.env));
    return this.configFile;
  }

  async connection(): Promise<ConnectionSettings> {
    const flags = this.ownBootstrap === undefined ? this.flags : { ...this.flags, bootstrap: this.ownBootstrap };
    return resolveConnection(flags, this.env, await this.config());
  }

  /** The user number (flag, environment, config, login, or asked once; see resolveUser). */
  user(): Promise<ResolvedUser> {
    this.resolvedUser ??= this.resolveUserOnce();
    return this.resolvedUser;
  }

  private async resolveUserOnce(): Promise<ResolvedUser> {
    const config = await this.config();
    const ask = this.canPrompt
      ? async () => {
          const { input } = await import('@inquirer/prompts');
          return input({ message: 'Your user number (N in userN):', validate: (v) => /^(user)?\d+$/i.test(v.trim()) || 'A number such as 7' }, { signal: this.signal });
        }
      : undefined;
    const { kubeContextUserName, ocWhoami } = await import('../config/login-name.js');
    const user = await resolveUser({
      flag: this.flags.user,
      env: this.env,
      configUser: config.user,
      kubeContextUser: () => kubeContextUserName(this.env, this.flags.context ?? config.context),
      ocWhoami: () => ocWhoami(this.env),
      ask,
    });
    if (user.source === 'prompt') await this.offerToRemember(user.number);
    return user;
  }

  /** After the user-number question: offer to keep the answer, so the next command does not ask again. */
  private async offerToRemember(user: number): Promise<void> {
    const { confirm } = await import('@inquirer/prompts');
    const path = configFilePath(this.env);
    if (!(await confirm({ message: `Remember user ${user} in ${path}?`, default: true }, { signal: this.signal }))) return;
    const { updateConfigFile } = await import('../config/write-config.js');
    try {
      await updateConfigFile(path, { user });
    } catch (error) {
      // Not worth failing the command over: it goes on with the number given.
      this.out.warn(`Could not save user ${user} to ${path}: ${(error as Error).message}`);
      return;
    }
    this.configFile = undefined;
    this.out.info(`Saved user ${user} to ${path} (firehose init changes it).`);
  }

  /** The topic the command got (argument or -t/--topic), else the lab's my-topic-<N>. */
  async topicOrDefault(topic: string | undefined): Promise<string> {
    const flag = this.flags.topic;
    if (topic && flag && topic !== flag) {
      throw new UsageError(`Two topics given: "${topic}" as the argument and "${flag}" with --topic.`, 'Give the topic once, either way.');
    }
    if (topic || flag) return (topic || flag)!;
    const { labNames } = await import('../config/user.js');
    return labNames.topic((await this.user()).number);
  }

  askSecret(): AskSecret | undefined {
    if (!this.canPrompt) return undefined;
    return async (question) => {
      const { password } = await import('@inquirer/prompts');
      return password({ message: question, mask: true }, { signal: this.signal });
    };
  }

  /**
   * Points every later Kafka client at `bootstrap` (the broker `up` started in this process),
   * as if it had been given with --bootstrap; the parsed flags stay as they were.
   */
  useBootstrap(bootstrap: string): void {
    if (this.kafkaClient) throw new Error('useBootstrap() must come before the first Kafka client');
    this.ownBootstrap = bootstrap;
  }

  /** The command line that runs this firehose again with `args` (`up --detach`). */
  relaunch(args: readonly string[]): string[] {
    if (!this.io.relaunch) throw new FirehoseError('LAB_START_FAILED', 'Starting firehose again in the background needs the firehose command itself, not firehose inside another program.');
    return [...this.io.relaunch, ...args];
  }

  kafka(): Promise<KafkaClient> {
    this.kafkaClient ??= (async () => this.clientFor(await this.connection()))();
    return this.kafkaClient;
  }

  private otherClients: Array<Promise<KafkaClient>> = [];

  /**
   * Another Kafka client beside kafka(): these connection flags over the global ones (a
   * bootstrap, a named Kafka context), for commands that talk to two clusters (mirror run).
   */
  otherKafka(overrides: ConnectionFlags): Promise<KafkaClient> {
    const client = (async () => this.clientFor(resolveConnection({ ...this.flags, ...overrides }, this.env, await this.config())))();
    this.otherClients.push(client);
    return client;
  }

  private async clientFor(settings: ConnectionSettings): Promise<KafkaClient> {
    this.out.debug(`kafka: ${settings.brokers.join(',')} (from ${settings.bootstrapSource})${settings.tls ? ' over TLS' : ''}`);
    const tunnel = await this.kafkaTunnel(settings);
    const { createKafkaClient } = await import('../kafka/connect.js');
    return createKafkaClient(settings, { env: this.env, log: this.out.logger(), askSecret: this.askSecret(), tunnel });
  }

  /**
   * A port-forward tunnel to the broker pods when Kafka is only reachable inside the
   * cluster (--via-cluster, or a cluster service name that does not resolve here).
   * The bootstrap is mapped to a pod now, so a missing Service fails at once.
   */
  private async kafkaTunnel(settings: ConnectionSettings): Promise<BrokerTunnel | undefined> {
    const { createClusterTunnel, decideTunnel } = await import('../cluster/port-forward.js');
    const decision = await decideTunnel(settings.brokers, settings.viaCluster);
    if (!decision.tunnel) return undefined;
    this.out.debug(`kafka: ${decision.reason}: port-forwarding to the broker pods through the Kubernetes API`);
    const explain = (error: unknown): never => {
      // Say why the cluster is involved at all when the user did not ask for it.
      if (settings.viaCluster || !(error instanceof FirehoseError) || /^KAFKA_/.test(error.code)) throw error;
      throw new FirehoseError(error.code, `${settings.brokers.join(',')} is a cluster address that does not resolve here, so firehose port-forwards through the Kubernetes API; that failed: ${error.message}`, {
        hint: error.hint, cause: error, exitCode: error.exitCode,
      });
    };
    const cluster = await this.cluster().catch(explain);
    const tunnel = createClusterTunnel(cluster, settings.brokers, {
      onMapped: (address, target) => this.out.debug(`kafka: ${address} → pod ${target.namespace}/${target.pod} port ${target.port} (${target.via})`),
    });
    await tunnel.check(settings.brokers).catch(explain);
    return tunnel;
  }

  /** The Kubernetes API, through the kubeconfig `oc login` / kubectl use (--context, --namespace). */
  cluster(): Promise<ClusterClient> {
    this.clusterClient ??= (async () => {
      const config = await this.config();
      const { connectCluster } = await import('../cluster/connect.js');
      const client = await connectCluster({
        kubeconfig: this.flags.kubeconfig,
        context: this.flags.context ?? config.context,
        namespace: this.flags.namespace ?? config.namespace,
        env: this.env,
      });
      this.out.debug(`cluster: ${client.server} as ${client.user ?? '?'} (context ${client.context}, namespace ${client.namespace})`);
      return client;
    })();
    return this.clusterClient;
  }

  async close(): Promise<void> {
    for (const pending of [this.kafkaClient, ...this.otherClients]) {
      if (!pending) continue;
      const client = await pending.catch(() => undefined);
      await client?.close();
    }
  }
}
