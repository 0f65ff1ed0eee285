import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import type { Admin, Consumer, ConsumerConfig, Kafka, KafkaConfig, Producer, ProducerConfig, RetryOptions, SASLOptions } from 'kafkajs';
import type { ConnectionSettings } from '../config/connection.js';
import { ENV, type EnvSource } from '../config/env.js';
import { FirehoseError, UsageError } from '../errors.js';
import type { AskSecret, Logger } from '../logger.js';
import { withDeadline } from '../util/deadline.js';
import { keepCreateTopicsMessages, rootKafkaError, saslNotOffered, translateKafkaError, unreachable } from './errors.js';
import { loadKafkaJs } from './kafkajs.js';
import type { BrokerTunnel } from './tunnel.js';
import type { Admin as WireAdmin } from './wire/admin.js';
import type { Cluster, ClusterOptions } from './wire/cluster.js';

export interface ConnectDeps {
  env: EnvSource;
  log: Logger;
  /** Prompts for a password on a TTY; without it a missing password is an error. */
  askSecret?: AskSecret;
  /** Reach the brokers through this tunnel (the cluster's port-forward) instead of TCP. */
  tunnel?: BrokerTunnel;
}

/**
 * A connected-on-demand Kafka client for one connection profile. Everything that talks
 * to kafkajs goes through here, so the client library stays swappable.
 */
export class KafkaClient {
  private readonly open = new Set<{ disconnect(): Promise<void> }>();
  private sharedAdmin?: Promise<Admin>;
  private sharedWireAdmin?: Promise<WireAdmin>;
  /** Where debug lines go (--verbose); set by createKafkaClient. */
  log?: Logger;
  /** The last error kafkajs logged: when connect() runs out of time it says why. */
  lastLoggedError?: string;
  /** Waiting connect() calls, told when a tunnel cannot be opened: that will not get better by retrying. */
  private readonly tunnelWaiters = new Set<(error: unknown) => void>();

  constructor(
    readonly kafka: Kafka,
    readonly settings: ConnectionSettings,
    /** The same kafkajs client with other retry settings (patientProducer); without it, `kafka` as is. */
    private readonly kafkaWithRetry?: (retry: RetryOptions) => Kafka,
    /** How firehose's own client (src/kafka/wire/) reaches the same brokers: TLS, SASL, tunnel. */
    private readonly wireOptions: ClusterOptions = { bootstrap: settings.brokers, clientId: 'firehose', connectTimeoutMs: Math.min(settings.connectTimeoutMs, 10_000) },
  ) {}

  /**
   * A cluster of firehose's own client, connected on first request; close() closes it. Each
   * call gives a new one (a producer owns its connections).
   */
  async wireCluster(): Promise<Cluster> {
    const { Cluster } = await import('./wire/cluster.js');
    const cluster = new Cluster(this.wireOptions);
    this.open.add({ disconnect: () => cluster.close() });
    return cluster;
  }

  /**
   * The admin client of firehose's own client (topics, offsets, groups), one per client on
   * its own cluster connection; nothing connects until its first request.
   */
  wireAdmin(): Promise<WireAdmin> {
    this.sharedWireAdmin ??= (async () => {
      const { Admin } = await import('./wire/admin.js');
      return new Admin(await this.wireCluster(), Math.max(this.settings.connectTimeoutMs, 30_000));
    })();
    return this.sharedWireAdmin;
  }

  get brokers(): string[] {
    return this.settings.brokers;
  }

  /** One admin connection per client, connected on first use. */
  admin(): Promise<Admin> {
    this.sharedAdmin ??= (async () => {
      const admin = this.kafka.admin();
      await this.connect(admin, 'connect (admin)');
      return admin;
    })();
    // A failed connect is not cached: the next call tries again.
    this.sharedAdmin.catch(() => { this.sharedAdmin = undefined; });
    return this.sharedAdmin;
  }

  async producer(config: ProducerConfig = {}): Promise<Producer> {
    const producer = this.kafka.producer(config);
    await this.connect(producer, 'connect (producer)');
    return producer;
  }

  /**
   * A producer that keeps reconnecting and resending for about `patienceMs`, long enough to
   * ride out a broker restart. kafkajs reconnects with its client's retry settings, which stay
   * short so that an unreachable broker fails within --connect-timeout: this producer gets a
   * kafkajs client of its own. Callers bound each send by `patienceMs` themselves.
   */
  async patientProducer(config: ProducerConfig, patienceMs: number): Promise<Producer> {
    // Backoff grows from 100 ms to 1 s (a broker that is back is used within a second), and
    // enough attempts that kafkajs does not give up before the caller's deadline.
    const retry: RetryOptions = { retries: Math.ceil(patienceMs / 1000) + 5, initialRetryTime: 100, maxRetryTime: 1000 };
    const producer = (this.kafkaWithRetry?.(retry) ?? this.kafka).producer({ ...config, retry });
    await this.connect(producer, 'connect (producer)');
    return producer;
  }

  async consumer(config: ConsumerConfig): Promise<Consumer> {
    const consumer = this.kafka.consumer(config);
    await this.connect(consumer, 'connect (consumer)');
    return consumer;
  }

  /** Disconnects every client this object handed out. Safe to call twice. */
  async close(): Promise<void> {
    const all = [...this.open];
    this.open.clear();
    this.sharedAdmin = undefined;
    this.sharedWireAdmin = undefined;
    await Promise.allSettled(all.map((c) => c.disconnect()));
  }

  /** A tunnel could not be opened (src/kafka/tunnel.ts): fail the connects under way with its error. */
  tunnelFailed(error: unknown): void {
    for (const fail of [...this.tunnelWaiters]) fail(error);
  }

  translate(error: unknown, what: string): FirehoseError {
    return translateKafkaError(error, what, this.brokers);
  }

  /** connect() with one overall deadline: kafkajs alone would retry for much longer. */
  private async connect(client: { connect(): Promise<void>; disconnect(): Promise<void> }, what: string): Promise<void> {
    const ms = this.settings.connectTimeoutMs;
    let failTunnel: ((error: unknown) => void) | undefined;
    const tunnelFailure = new Promise<never>((_, reject) => { failTunnel = reject; });
    this.tunnelWaiters.add(failTunnel!);
    try {
      await withDeadline(Promise.race([client.connect(), tunnelFailure]), ms, () => {
        // A TLS or SASL failure is retried by kafkajs like a network one: name it, not the timeout.
        const last = this.lastLoggedError;
        const named = last ? translateKafkaError(new Error(last), what, this.brokers) : undefined;
        if (named && named.code !== 'KAFKA_UNREACHABLE' && named.code !== 'KAFKA_ERROR') return named;
        return unreachable(this.brokers, `no answer within ${ms / 1000} s${last ? ` (last error: ${last})` : ''}`);
      });
      this.open.add(client);
    } catch (error) {
      void client.disconnect().catch(() => {});
      // kafkajs looks SaslHandshake up in the broker's ApiVersions answer; a broker without
      // SASL (firehose's embedded one) does not list it, and kafkajs says only that the
      // server "does not support the requested API version".
      if (this.settings.sasl && /does not support the requested API version/i.test(rootKafkaError(error)?.message ?? '')) {
        throw saslNotOffered(this.brokers, error);
      }
      throw this.translate(error, what);
    } finally {
      this.tunnelWaiters.delete(failTunnel!);
    }
  }
}

async function readTlsFile(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permissions)' : (error as Error).message;
    throw new UsageError(`${flag} file ${path} ${why}.`, `Check the path given to ${flag}.`, { code: 'TLS_FILE_UNREADABLE' });
  }
}

const PEM_CERTIFICATE = /-----BEGIN (TRUSTED )?CERTIFICATE-----[\s\S]*?-----END \1?CERTIFICATE-----/g;

/**
 * Node takes a `ca` that holds no certificate without a word, and the handshake then
 * fails as "self-signed certificate in certificate chain": check the file here instead.
 */
export function checkPemCertificates(pem: Buffer, path: string, flag: string): void {
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  let reason: string | undefined;
  if (blocks.length === 0) {
    reason = 'it holds no -----BEGIN CERTIFICATE----- block';
  } else {
    for (const [index, block] of blocks.entries()) {
      if (block.includes('TRUSTED')) continue;
      try {
        new X509Certificate(block);
      } catch (error) {
        reason = `certificate ${index + 1} of ${blocks.length} does not parse (${(error as Error).message})`;
        break;
      }
    }
  }
  if (reason === undefined) return;
  let der = false;
  try {
    new X509Certificate(pem);
    der = blocks.length === 0;
  } catch {}
  throw new UsageError(
    `${flag} file ${path} is not a valid PEM certificate: ${reason}.`,
    der
      ? `It is a DER certificate: convert it with \`openssl x509 -inform der -in ${path} -out cert.pem\` and pass cert.pem.`
      : flag === '--ca-file'
        ? 'Pass the PEM file of the CA that signed the broker certificate (`firehose kafka ca --out ca.crt` writes the lab cluster\'s).'
        : 'Pass the client certificate as PEM, or a PKCS#12 file with --keystore.',
    { code: 'TLS_FILE_INVALID' },
  );
}

async function secretFrom(envName: string, question: string, deps: ConnectDeps, missingHint: string): Promise<string> {
  const fromEnv = deps.env[envName];
  if (fromEnv !== undefined) return fromEnv;
  if (deps.askSecret) return deps.askSecret(question);
  throw new UsageError(`${question.replace(/:$/, '')} is needed and this shell cannot prompt for it.`, missingHint, { code: 'SECRET_MISSING' });
}

/** Builds Node's TLS options from the profile; checks the keystore password up front. */
export async function buildTlsOptions(settings: ConnectionSettings, deps: ConnectDeps): Promise<ConnectionOptions | undefined> {
  const tls = settings.tls;
  if (!tls) return undefined;
  const options: ConnectionOptions = { rejectUnauthorized: true };
  if (tls.caFile) {
    const ca = await readTlsFile(tls.caFile, '--ca-file');
    checkPemCertificates(ca, tls.caFile, '--ca-file');
    options.ca = [ca];
  }
  if (tls.certFile && tls.keyFile) {
    options.cert = await readTlsFile(tls.certFile, '--cert-file');
    checkPemCertificates(options.cert as Buffer, tls.certFile, '--cert-file');
    options.key = await readTlsFile(tls.keyFile, '--key-file');
  }
  if (tls.keystore) {
    const pfx = await readTlsFile(tls.keystore, '--keystore');
    const passphrase = await secretFrom(ENV.keystorePassword, 'Keystore password:', deps, `Set ${ENV.keystorePassword} (passwords are never taken as flags).`);
    try {
      createSecureContext({ pfx, passphrase });
    } catch (error) {
      const reason = (error as Error).message;
      const wrongPassword = /mac verify|invalid password|bad decrypt/i.test(reason);
      throw new UsageError(
        wrongPassword ? `Wrong password for keystore ${tls.keystore}.` : `Cannot read keystore ${tls.keystore} as PKCS#12: ${reason}`,
        wrongPassword ? `Check ${ENV.keystorePassword}.` : 'Pass a PKCS#12 (.p12) file, or use --cert-file/--key-file for PEM.',
        { code: wrongPassword ? 'KEYSTORE_PASSWORD' : 'KEYSTORE_INVALID' },
      );
    }
    options.pfx = pfx;
    options.passphrase = passphrase;
  }
  if (tls.skipHostnameVerification) {
    // The seed-004 setup (ssl.endpoint.identification.algorithm: none): the chain is still verified.
    options.checkServerIdentity = () => undefined;
    deps.log.warn('TLS hostname verification is off (--skip-hostname-verification): the broker certificate is checked against the CA but not against its address.');
  }
  return options;
}

async function buildSasl(settings: ConnectionSettings, deps: ConnectDeps): Promise<SASLOptions | undefined> {
  if (!settings.sasl) return undefined;
  const password = await secretFrom(ENV.saslPassword, `SASL password for ${settings.sasl.username}:`, deps, `Set ${ENV.saslPassword}.`);
  const { mechanism, username } = settings.sasl;
  return { mechanism, username, password } as SASLOptions;
}

const KAFKAJS_LEVELS = ['NOTHING', 'ERROR', 'WARN', 'INFO', 'DEBUG'];

/** Creates the client for a profile; nothing connects until admin()/producer()/consumer(). */
export async function createKafkaClient(settings: ConnectionSettings, deps: ConnectDeps): Promise<KafkaClient> {
  const [{ Kafka, logLevel }, ssl, sasl] = await Promise.all([loadKafkaJs(), buildTlsOptions(settings, deps), buildSasl(settings, deps)]);
  keepCreateTopicsMessages();
  // eslint-disable-next-line prefer-const -- the log creator below closes over the client made from this config
  let client: KafkaClient;
  const config: KafkaConfig = {
    clientId: 'firehose',
    brokers: settings.brokers,
    ssl,
    sasl,
    connectionTimeout: Math.min(settings.connectTimeoutMs, 10_000),
    requestTimeout: 30_000,
    // Few, short retries: an unreachable broker should fail within --connect-timeout, not storm.
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3_000 },
    logLevel: logLevel.INFO,
    // kafkajs's own logs are firehose debug output: visible only with --verbose.
    logCreator: () => ({ level, log }) => {
      const text = `${log.message}${log.error ? `: ${log.error}` : ''}`.replace(/\s*\n\s*/g, ' ').replace(/^Failed to connect to seed broker, trying another broker from the list: /, '').trim();
      if (level <= logLevel.WARN) client.lastLoggedError = text;
      deps.log.debug(`kafkajs ${KAFKAJS_LEVELS[level] ?? level} [${log.logger}] ${text}`);
    },
  };
  if (deps.tunnel) {
    const { tunnelSocketFactory } = await import('./tunnel.js');
    config.socketFactory = tunnelSocketFactory(deps.tunnel, { onOpenError: (error) => client.tunnelFailed(error) });
  }
  const wireOptions: ClusterOptions = {
    bootstrap: settings.brokers,
    clientId: 'firehose',
    connectTimeoutMs: config.connectionTimeout,
    tls: ssl && {
      ca: (ssl.ca as Buffer[] | undefined)?.[0],
      cert: ssl.cert as Buffer | undefined,
      key: ssl.key as Buffer | undefined,
      pfx: ssl.pfx as Buffer | undefined,
      passphrase: ssl.passphrase,
      skipHostnameVerification: settings.tls?.skipHostnameVerification,
    },
    sasl: sasl && { ...(sasl as { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }) },
  };
  if (deps.tunnel) {
    const { tunnelStreamFactory } = await import('./tunnel.js');
    wireOptions.socketFactory = tunnelStreamFactory(deps.tunnel, { onOpenError: (error) => client.tunnelFailed(error) });
  }
  client = new KafkaClient(new Kafka(config), settings, (retry) => new Kafka({ ...config, retry }), wireOptions);
  client.log = deps.log;
  return client;
}
