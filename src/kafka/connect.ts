import { X509Certificate } from 'node:crypto';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import type { ConnectionSettings } from '../config/connection.js';
import { ENV, type EnvSource } from '../config/env.js';
import { FirehoseError, UsageError } from '../errors.js';
import { readTlsFile } from '../config/tls-file.js';
import { secretFrom } from '../config/secret.js';
import type { AskSecret, Logger } from '../logger.js';
import { translateKafkaError } from './errors.js';
import type { BrokerTunnel } from './tunnel.js';
import type { Admin } from './wire/admin.js';
import type { Cluster, ClusterOptions } from './wire/cluster.js';
import type { SaslOptions } from './wire/sasl.js';

export interface ConnectDeps {
  env: EnvSource;
  log: Logger;
  /** Prompts for a password on a TTY; without it a missing password is an error. */
  askSecret?: AskSecret;
  /** Reach the brokers through this tunnel (the cluster's port-forward) instead of TCP. */
  tunnel?: BrokerTunnel;
}

/**
 * A connected-on-demand Kafka client for one connection profile, on firehose's own client
 * (src/kafka/wire/): TLS, SASL and the cluster tunnel come from the profile. Nothing
 * connects until the first request.
 */
export class KafkaClient {
  private readonly open = new Set<Cluster>();
  private sharedAdmin?: Promise<Admin>;
  /** Where debug lines go (--verbose); set by createKafkaClient. */
  log?: Logger;

  constructor(
    readonly settings: ConnectionSettings,
    /** How firehose's client reaches the brokers: TLS, SASL, tunnel. */
    private readonly clusterOptions: ClusterOptions = { bootstrap: settings.brokers, clientId: 'firehose', connectTimeoutMs: Math.min(settings.connectTimeoutMs, 10_000) },
  ) {}

  /**
   * A cluster of firehose's own client, connected on first request; close() closes it. Each
   * call gives a new one (a producer or a group member owns its connections).
   */
  async cluster(): Promise<Cluster> {
    const { Cluster } = await import('./wire/cluster.js');
    const cluster = new Cluster(this.clusterOptions);
    this.open.add(cluster);
    return cluster;
  }

  /** The admin client (topics, offsets, groups): one per client, on its own cluster connection. */
  admin(): Promise<Admin> {
    this.sharedAdmin ??= (async () => {
      const { Admin } = await import('./wire/admin.js');
      return new Admin(await this.cluster(), Math.max(this.settings.connectTimeoutMs, 30_000));
    })();
    return this.sharedAdmin;
  }

  get brokers(): string[] {
    return this.settings.brokers;
  }

  /** Closes every connection this object opened. Safe to call twice. */
  async close(): Promise<void> {
    const all = [...this.open];
    this.open.clear();
    this.sharedAdmin = undefined;
    await Promise.allSettled(all.map((c) => c.close()));
  }

  translate(error: unknown, what: string): FirehoseError {
    return translateKafkaError(error, what, this.brokers);
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

async function buildSasl(settings: ConnectionSettings, deps: ConnectDeps): Promise<SaslOptions | undefined> {
  if (!settings.sasl) return undefined;
  const { mechanism, username, tokenEndpoint, scope } = settings.sasl;
  if (mechanism === 'oauthbearer') {
    const { clientCredentialsToken, staticToken } = await import('./oauth.js');
    if (!tokenEndpoint) {
      const token = deps.env[ENV.oauthToken];
      if (!token) throw new UsageError(`SASL OAUTHBEARER needs a token: set ${ENV.oauthToken}, or give --oauth-token-endpoint.`);
      return { mechanism, username, token: staticToken(token) };
    }
    const clientSecret = await secretFrom(ENV.saslPassword, `Client secret for ${username}:`, deps, `Set ${ENV.saslPassword} to the client secret.`);
    return { mechanism, username, token: clientCredentialsToken({ tokenEndpoint, clientId: username, clientSecret, scope }) };
  }
  const password = await secretFrom(ENV.saslPassword, `SASL password for ${username}:`, deps, `Set ${ENV.saslPassword}.`);
  return { mechanism, username, password };
}

/** Creates the client for a profile; nothing connects until the first request. */
export async function createKafkaClient(settings: ConnectionSettings, deps: ConnectDeps): Promise<KafkaClient> {
  const [tls, sasl] = await Promise.all([buildTlsOptions(settings, deps), buildSasl(settings, deps)]);
  const options: ClusterOptions = {
    bootstrap: settings.brokers,
    clientId: 'firehose',
    connectTimeoutMs: Math.min(settings.connectTimeoutMs, 10_000),
    tls: tls && {
      ca: (tls.ca as Buffer[] | undefined)?.[0],
      cert: tls.cert as Buffer | undefined,
      key: tls.key as Buffer | undefined,
      pfx: tls.pfx as Buffer | undefined,
      passphrase: tls.passphrase,
      skipHostnameVerification: settings.tls?.skipHostnameVerification,
    },
    sasl,
  };
  if (deps.tunnel) {
    const { tunnelStreamFactory } = await import('./tunnel.js');
    options.socketFactory = tunnelStreamFactory(deps.tunnel);
  }
  const client = new KafkaClient(settings, options);
  client.log = deps.log;
  return client;
}
