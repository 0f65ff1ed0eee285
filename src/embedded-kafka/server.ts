// Starts an embedded broker: a TCP listener on loopback speaking the Kafka
// protocol, in this process. `firehose up` (no --bootstrap) and
// `firehose kafka start` both come here.
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import { FirehoseError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { Broker, type BrokerSettings } from './broker.js';
import { serveConnection, type ConnectionListener } from './connection.js';
import type { SaslListenerOptions } from './sasl.js';
import { DataDir } from './data-dir.js';
import { describeFsError } from './storage-error.js';
import { listenTcp } from '../util/listen.js';

export interface EmbeddedBrokerOptions {
  /**
   * The listeners, as Kafka's `listeners=`: plaintext, TLS, SASL or both, each on its own port.
   * Default: one plaintext listener on host and port.
   */
  listeners?: ListenerOptions[];
  /** Interface to listen on. Default 127.0.0.1 (and ::1 when available). */
  host?: string;
  /** 0 picks a free port. Default 9092. */
  port?: number;
  /**
   * The flags that chose the port and host, for hints: default `--port` and `--host` (kafka
   * start); `up` passes `--kafka-port` and no host flag, since it has none.
   */
  portFlag?: string;
  hostFlag?: string | null;
  /** Keep data in append-only files here; without it everything is in memory. */
  dataDir?: string;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  /** Per partition: the oldest batches are dropped beyond this. Default 256 MiB. */
  retentionBytes?: number;
  /** How often topics' retention.ms and retention.bytes are applied (Kafka's log.retention.check.interval.ms). Default 60 s. */
  retentionCheckIntervalMs?: number;
  maxMessageBytes?: number;
  maxRequestBytes?: number;
  /** Bytes all connections together may buffer in requests not yet handled; a connection that would go over is closed. Default 256 MiB. */
  maxBufferedBytes?: number;
  /** A request must arrive whole this long after its first byte, or its connection is closed. Default 30 s. */
  frameTimeoutMs?: number;
  /** Most entries (topics, partitions, ...) one request may list; a request listing more closes its connection. Default 100,000. */
  maxItemsPerRequest?: number;
  /** Most bytes of records one Fetch answer carries, whatever the client asks (Kafka's fetch.max.bytes). Default 55 MiB. */
  fetchMaxBytes?: number;
  /** Most topics one Metadata request may auto-create; the rest wait for the client's retry. Default 100. */
  maxAutoCreatesPerRequest?: number;
  /** How long a new group waits for more members before its first rebalance. */
  groupInitialRebalanceDelayMs?: number;
  /** KIP-848 groups: the heartbeat interval members are told (Kafka's group.consumer.heartbeat.interval.ms). Default 5 s. */
  consumerGroupHeartbeatIntervalMs?: number;
  /** KIP-848 groups: a member not heard from for this long is removed (group.consumer.session.timeout.ms). Default 45 s. */
  consumerGroupSessionTimeoutMs?: number;
  /** How often transactions open past their timeout are aborted (Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms). Default 1 s. */
  transactionCheckIntervalMs?: number;
  log?: Logger;
}

/** TLS on a listener: its key and certificate, and whether clients must show one. */
export interface ListenerTlsOptions {
  keyPem: string;
  /** The server certificate, followed by its chain if any. */
  certificatePem: string;
  /** CA(s) a client certificate must chain to. */
  caPem?: string;
  /** Kafka's ssl.client.auth: required (the default with a CA), requested, or none. */
  clientAuth?: 'required' | 'requested' | 'none';
}

/** One listener, as one entry of Kafka's `listeners=`: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL by what it has. */
export interface ListenerOptions {
  /** For messages, e.g. SSL or EXTERNAL. Default: its security protocol. */
  name?: string;
  /** Default: EmbeddedBrokerOptions.host. */
  host?: string;
  /** 0 picks a free port. Default: EmbeddedBrokerOptions.port for the first listener, 0 for the others. */
  port?: number;
  tls?: ListenerTlsOptions;
  sasl?: SaslListenerOptions;
}

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export interface StartedListener {
  name: string;
  protocol: SecurityProtocol;
  host: string;
  port: number;
  /** host:port for clients (the advertised address). */
  bootstrap: string;
}

export interface EmbeddedBroker {
  /** The first listener's host, port and address. */
  host: string;
  port: number;
  /** host:port for clients. */
  bootstrap: string;
  listeners: StartedListener[];
  dataDir?: string;
  broker: Broker;
  stop(): Promise<void>;
}

export const DEFAULT_BROKER_PORT = 9092;
const FSYNC_INTERVAL_MS = 1000;
const RETENTION_CHECK_INTERVAL_MS = 60_000;

function protocolOf(listener: ListenerOptions): SecurityProtocol {
  if (listener.sasl) return listener.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  return listener.tls ? 'SSL' : 'PLAINTEXT';
}

const advertisable = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const defaultHost = options.host ?? '127.0.0.1';
  const log = options.log ?? silentLogger;
  // DataDir.open throws FirehoseErrors that name the cause (in use, read-only, not creatable).
  const dataDir = options.dataDir ? DataDir.open(options.dataDir) : undefined;
  const sockets = new Set<Socket>();
  let broker: Broker | undefined;
  const limits = {
    maxRequestBytes: options.maxRequestBytes,
    maxBufferedBytes: options.maxBufferedBytes,
    frameTimeoutMs: options.frameTimeoutMs,
    maxItemsPerRequest: options.maxItemsPerRequest,
    fetchMaxBytes: options.fetchMaxBytes,
    maxAutoCreatesPerRequest: options.maxAutoCreatesPerRequest,
  };
  const servers: Server[] = [];
  const closeServers = () => Promise.all(servers.map((s) => (s.listening ? new Promise<void>((r) => s.close(() => r())) : undefined)));
  const started: StartedListener[] = [];
  const wanted = options.listeners?.length ? options.listeners : [{}];
  for (const [index, listener] of wanted.entries()) {
    const host = listener.host ?? defaultHost;
    const requestedPort = listener.port ?? (index === 0 ? (options.port ?? DEFAULT_BROKER_PORT) : 0);
    const protocol = protocolOf(listener);
    const name = listener.name ?? protocol;
    // The advertised port is known once listening; connections arrive only after that.
    const advertised = { host: advertisable(host), port: 0 };
    const connectionListener: ConnectionListener = { advertised, ...(listener.sasl ? { sasl: listener.sasl } : {}) };
    const onConnection = (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      serveConnection(socket, broker!, limits, connectionListener);
    };
    const make = () => {
      const server = listener.tls ? tlsServer(listener.tls, onConnection, (line) => log.info(`${name} listener: ${line}`)) : createServer(onConnection);
      servers.push(server);
      return server;
    };
    if (listener.tls) {
      try {
        createSecureContext({ key: listener.tls.keyPem, cert: listener.tls.certificatePem, ...(listener.tls.caPem ? { ca: listener.tls.caPem } : {}) });
      } catch (error) {
        await closeServers();
        dataDir?.close();
        throw new FirehoseError('BROKER_TLS_FILES', `the ${name} listener cannot use its key and certificate: ${(error as Error).message}`, { hint: 'check that the key belongs to the certificate and both are PEM' });
      }
    }
    let port: number;
    try {
      port = await listenTcp(make(), host, requestedPort);
    } catch (error) {
      await closeServers();
      dataDir?.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new FirehoseError('BROKER_PORT_IN_USE', `port ${requestedPort} on ${host} is already in use`, {
          hint: `if a Kafka broker runs there, pass --bootstrap localhost:${requestedPort} to use it; otherwise pick another ${options.portFlag ?? '--port'}`,
        });
      }
      throw new FirehoseError('BROKER_LISTEN', `cannot listen on ${host}:${requestedPort}: ${(error as Error).message}`, {
        hint: `pick another ${[options.portFlag ?? '--port', options.hostFlag === undefined ? '--host' : options.hostFlag].filter(Boolean).join(' or ')}`,
      });
    }
    advertised.port = port;
    // "localhost" may resolve to ::1 first: listen there too when the default host is used.
    if (host === '127.0.0.1') await listenTcp(make(), '::1', port).catch(() => undefined);
    started.push({ name, protocol, host, port, bootstrap: `${advertised.host}:${port}` });
  }
  const first = started[0]!;

  const settings: BrokerSettings = {
    nodeId: 0,
    advertisedHost: advertisable(first.host),
    advertisedPort: first.port,
    clusterId: Broker.newClusterId(),
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 1,
    retentionBytes: options.retentionBytes ?? 256 * 1024 * 1024,
    maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024 + 12,
    scramUsers: scramUsersOf(wanted),
  };
  try {
    broker = new Broker(settings, log, dataDir, options.groupInitialRebalanceDelayMs, {
      heartbeatIntervalMs: options.consumerGroupHeartbeatIntervalMs,
      sessionTimeoutMs: options.consumerGroupSessionTimeoutMs,
    }, options.transactionCheckIntervalMs);
  } catch (error) {
    await closeServers();
    dataDir?.close();
    if (error instanceof FirehoseError) throw error;
    throw new FirehoseError('BROKER_DATA_DIR', `cannot load data dir ${options.dataDir}: ${describeFsError(error)}`, { hint: 'check the disk and the permissions of the data dir', cause: error });
  }
  // flush() logs an fsync failure itself; it never throws out of the timer.
  const fsyncTimer = dataDir ? setInterval(() => broker!.topics.flush(), FSYNC_INTERVAL_MS) : undefined;
  fsyncTimer?.unref();
  // applyRetention() logs what it cannot delete itself; it never throws out of the timer.
  const retentionTimer = setInterval(() => broker!.topics.applyRetention(Date.now()), options.retentionCheckIntervalMs ?? RETENTION_CHECK_INTERVAL_MS);
  retentionTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(fsyncTimer);
      clearInterval(retentionTimer);
      const closed = closeServers();
      for (const socket of sockets) socket.destroy();
      await closed;
      broker!.topics.flush();
      broker!.close();
    })());

  return { host: first.host, port: first.port, bootstrap: first.bootstrap, listeners: started, dataDir: options.dataDir, broker, stop };
}

/**
 * A TLS listener. Client certificates are checked against the CA when required (a
 * connection without one, or with one the CA did not sign, fails its handshake), and asked
 * for but not enforced when requested.
 */
function tlsServer(tls: ListenerTlsOptions, onConnection: (socket: Socket) => void, log: (line: string) => void): Server {
  const clientAuth = tls.clientAuth ?? (tls.caPem ? 'required' : 'none');
  const server = createTlsServer(
    {
      key: tls.keyPem,
      cert: tls.certificatePem,
      ...(tls.caPem ? { ca: tls.caPem } : {}),
      requestCert: clientAuth !== 'none',
      rejectUnauthorized: clientAuth === 'required',
    },
    onConnection,
  );
  server.on('tlsClientError', (error, socket) => log(`TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${error.message}`));
  return server;
}

/** Per user, the SCRAM mechanisms some listener takes them with. */
function scramUsersOf(listeners: readonly ListenerOptions[]): Map<string, Set<'SCRAM-SHA-256' | 'SCRAM-SHA-512'>> {
  const out = new Map<string, Set<'SCRAM-SHA-256' | 'SCRAM-SHA-512'>>();
  for (const listener of listeners) {
    for (const mechanism of listener.sasl?.mechanisms ?? []) {
      if (mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') continue;
      for (const user of listener.sasl!.users.keys()) out.set(user, (out.get(user) ?? new Set()).add(mechanism));
    }
  }
  return out;
}
