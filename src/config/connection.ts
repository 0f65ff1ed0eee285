import { UsageError } from '../errors.js';
import type { ConfigFile } from './config-file.js';
import { parseDuration } from './duration.js';
import { ENV, type EnvSource } from './env.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer';
export const SASL_MECHANISMS: SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'];

/** The Kafka connection flags as commander hands them over. */
export interface ConnectionFlags {
  bootstrap?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  keystore?: string;
  /** Explicit `--tls` for a broker whose CA is in the system store. */
  tls?: boolean;
  skipHostnameVerification?: boolean;
  saslMechanism?: string;
  saslUsername?: string;
  /** OAUTHBEARER: the token endpoint for the client-credentials grant. */
  oauthTokenEndpoint?: string;
  oauthScope?: string;
  connectTimeout?: string;
  /** Reach Kafka through the Kubernetes API (port-forward to the broker pods). */
  viaCluster?: boolean;
  /** A named Kafka context of the config file (kafkaContexts.NAME). */
  kafkaContext?: string;
}

/**
 * One connection profile, used by every Kafka command. It holds file paths, never file
 * contents or passwords: those are read when connecting (src/kafka/connect.ts).
 */
export interface ConnectionSettings {
  brokers: string[];
  /** Where the broker list came from, so errors can say which setting to fix. */
  bootstrapSource: 'flag' | 'env' | 'config' | 'default';
  tls?: {
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    keystore?: string;
    skipHostnameVerification: boolean;
  };
  /**
   * username: the SASL user, or OAUTHBEARER's client id at the token endpoint (none with
   * a ready token from FIREHOSE_OAUTH_TOKEN).
   */
  sasl?: { mechanism: SaslMechanism; username: string; tokenEndpoint?: string; scope?: string };
  connectTimeoutMs: number;
  /**
   * Port-forward to the broker pods through the Kubernetes API even when the bootstrap
   * resolves here (--via-cluster). Without it, firehose still does so for a cluster
   * service name that does not resolve (src/cluster/port-forward.ts decideTunnel).
   */
  viaCluster: boolean;
  /** The named Kafka context whose settings are in effect, and what chose it; none: the file's `kafka`. */
  kafkaContext?: { name: string; source: 'flag' | 'env' | 'config' };
}

/**
 * OAUTHBEARER's settings: a ready token (FIREHOSE_OAUTH_TOKEN, read when connecting), or a
 * token endpoint with a client id (--sasl-username) whose secret is FIREHOSE_SASL_PASSWORD.
 */
function oauthSettings(flags: ConnectionFlags, env: EnvSource, clientId: string | undefined): NonNullable<ConnectionSettings['sasl']> {
  const tokenEndpoint = flags.oauthTokenEndpoint ?? env[ENV.oauthTokenEndpoint];
  if (tokenEndpoint === undefined) {
    if (env[ENV.oauthToken] === undefined) {
      throw new UsageError(
        `SASL OAUTHBEARER needs a token: set ${ENV.oauthToken}, or give --oauth-token-endpoint URL with --sasl-username CLIENT_ID (the client secret in ${ENV.saslPassword}).`,
        'Tokens and secrets are never taken as flags, so they stay out of the process list and shell history.',
      );
    }
    return { mechanism: 'oauthbearer', username: clientId ?? '' };
  }
  let url: URL;
  try {
    url = new URL(tokenEndpoint);
  } catch {
    throw new UsageError(`--oauth-token-endpoint "${tokenEndpoint}" is not a URL.`, 'Example: --oauth-token-endpoint https://sso.example.com/realms/kafka/protocol/openid-connect/token');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--oauth-token-endpoint must be an http(s) URL, not ${url.protocol}.`);
  if (!clientId) throw new UsageError(`The token endpoint needs a client id: pass --sasl-username CLIENT_ID or set ${ENV.saslUsername}.`);
  return { mechanism: 'oauthbearer', username: clientId, tokenEndpoint: url.href, ...(flags.oauthScope ? { scope: flags.oauthScope } : {}) };
}

/** The name that means "no named context: the file's plain `kafka` settings". */
export const DEFAULT_KAFKA_CONTEXT = 'default';

/**
 * The config file's Kafka settings in effect: the named context from --kafka-context,
 * FIREHOSE_KAFKA_CONTEXT or the file's kafkaContext, else its plain `kafka` section.
 */
export function selectKafkaContext(flag: string | undefined, env: EnvSource, file: ConfigFile): { settings: NonNullable<ConfigFile['kafka']>; key: string; context?: ConnectionSettings['kafkaContext'] } {
  const [name, source] = flag !== undefined ? [flag, 'flag' as const]
    : env[ENV.kafkaContext] ? [env[ENV.kafkaContext]!, 'env' as const]
      : file.kafkaContext !== undefined ? [file.kafkaContext, 'config' as const]
        : [undefined, undefined];
  if (name === undefined || name === DEFAULT_KAFKA_CONTEXT) return { settings: file.kafka ?? {}, key: 'kafka' };
  const settings = file.kafkaContexts?.[name];
  if (!settings) {
    const known = Object.keys(file.kafkaContexts ?? {});
    const where = source === 'flag' ? '--kafka-context' : source === 'env' ? ENV.kafkaContext : 'kafkaContext in the config file';
    throw new UsageError(
      `There is no Kafka context "${name}" (from ${where}); the config file has ${known.length ? known.join(', ') : 'none'}.`,
      `Add it with \`firehose config add-context ${name} --bootstrap host:port\`, or pick one of \`firehose config contexts\`.`,
    );
  }
  return { settings, key: `kafkaContexts.${name}`, context: { name, source } };
}

export const DEFAULT_BOOTSTRAP = 'localhost:9092';
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function parseBrokers(text: string, where: string): string[] {
  const brokers = text.split(',').map((b) => b.trim()).filter(Boolean);
  const bad = brokers.find((b) => !/^(\[[0-9a-fA-F:]+\]|[^\s:/]+):\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad !== undefined) {
    throw new UsageError(
      `The bootstrap servers from ${where} must be host:port[,host:port...], not "${bad ?? text}".`,
      'Example: --bootstrap localhost:9092',
    );
  }
  // Checked here, not left to the socket: a port out of range would otherwise fail only
  // after the connect timeout, as if the broker were down.
  const badPort = brokers.find((b) => {
    const port = Number(b.slice(b.lastIndexOf(':') + 1));
    return port < 1 || port > 65535;
  });
  if (badPort !== undefined) {
    throw new UsageError(`The bootstrap servers from ${where} must have ports from 1 to 65535, not "${badPort}".`, 'Example: --bootstrap localhost:9092');
  }
  return brokers;
}

export function resolveConnection(flags: ConnectionFlags, env: EnvSource, file: ConfigFile): ConnectionSettings {
  const { settings: fileKafka, key: fileKey, context: kafkaContext } = selectKafkaContext(flags.kafkaContext, env, file);
  // --kafka-context on the command line is the user's choice for this run: it beats an
  // exported KAFKA_BOOTSTRAP_SERVERS (which otherwise beats the file).
  const envBootstrap = kafkaContext?.source === 'flag' ? undefined : env[ENV.firehoseBootstrap] || env[ENV.bootstrap];
  // An empty --bootstrap is a mistake (an unset variable in a script), not "use the
  // default": parseBrokers rejects it. Empty environment variables do count as unset.
  const [bootstrapText, bootstrapSource, where] = flags.bootstrap !== undefined
    ? [flags.bootstrap, 'flag', '--bootstrap']
    : envBootstrap
      ? [envBootstrap, 'env', env[ENV.firehoseBootstrap] ? ENV.firehoseBootstrap : ENV.bootstrap]
      : fileKafka.bootstrap != null
        ? [fileKafka.bootstrap, 'config', `${fileKey}.bootstrap in the config file`]
        : [DEFAULT_BOOTSTRAP, 'default', 'the default'];

  const caFile = flags.caFile ?? fileKafka.caFile;
  const certFile = flags.certFile ?? fileKafka.certFile;
  const keyFile = flags.keyFile ?? fileKafka.keyFile;
  const keystore = flags.keystore ?? fileKafka.keystore;
  const skipHostnameVerification = Boolean(flags.skipHostnameVerification ?? fileKafka.skipHostnameVerification);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError('--cert-file and --key-file go together: give both, or use --keystore for a PKCS#12 file.');
  }
  if (keystore !== undefined && certFile !== undefined) {
    throw new UsageError('Give the client certificate either as --keystore (PKCS#12) or as --cert-file/--key-file (PEM), not both.');
  }
  const wantsTls = Boolean(flags.tls || caFile || certFile || keystore || skipHostnameVerification);

  const mechanismText = flags.saslMechanism ?? fileKafka.sasl?.mechanism;
  let sasl: ConnectionSettings['sasl'];
  if (mechanismText !== undefined) {
    const mechanism = mechanismText.toLowerCase() as SaslMechanism;
    if (!SASL_MECHANISMS.includes(mechanism)) {
      throw new UsageError(`--sasl-mechanism must be one of ${SASL_MECHANISMS.join(', ')}, not "${mechanismText}".`);
    }
    const username = flags.saslUsername ?? env[ENV.saslUsername] ?? fileKafka.sasl?.username;
    if (mechanism === 'oauthbearer') sasl = oauthSettings(flags, env, username);
    else if (!username) {
      throw new UsageError(`SASL needs a user name: pass --sasl-username or set ${ENV.saslUsername}.`);
    } else sasl = { mechanism, username };
  } else if (flags.oauthTokenEndpoint !== undefined || flags.oauthScope !== undefined) {
    throw new UsageError('--oauth-token-endpoint and --oauth-scope go with --sasl-mechanism oauthbearer.');
  }

  const connectTimeoutMs = flags.connectTimeout !== undefined
    ? parseDuration(flags.connectTimeout, '--connect-timeout')
    : (fileKafka.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);

  return {
    brokers: parseBrokers(bootstrapText, where),
    bootstrapSource: bootstrapSource as ConnectionSettings['bootstrapSource'],
    tls: wantsTls ? { caFile, certFile, keyFile, keystore, skipHostnameVerification } : undefined,
    sasl,
    connectTimeoutMs,
    viaCluster: flags.viaCluster ?? parseBoolEnv(env[ENV.viaCluster], ENV.viaCluster) ?? false,
    ...(kafkaContext ? { kafkaContext } : {}),
  };
}

function parseBoolEnv(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new UsageError(`${name} must be 1 or 0 (true or false), not "${value}".`);
}
