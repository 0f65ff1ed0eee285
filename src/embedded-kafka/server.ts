// Starts an embedded broker: a TCP listener on loopback speaking the Kafka
// protocol, in this process. `firehose up` (no --bootstrap) and
// `firehose kafka start` both come here.
import { createServer, type Server, type Socket } from 'node:net';
import { FirehoseError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { Broker, type BrokerSettings } from './broker.js';
import { serveConnection } from './connection.js';
import { DataDir } from './data-dir.js';
import { describeFsError } from './storage-error.js';
import { listenTcp } from '../util/listen.js';

export interface EmbeddedBrokerOptions {
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
  log?: Logger;
}

export interface EmbeddedBroker {
  host: string;
  port: number;
  /** host:port for clients. */
  bootstrap: string;
  dataDir?: string;
  broker: Broker;
  stop(): Promise<void>;
}

export const DEFAULT_BROKER_PORT = 9092;
const FSYNC_INTERVAL_MS = 1000;
const RETENTION_CHECK_INTERVAL_MS = 60_000;

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? silentLogger;
  // DataDir.open throws FirehoseErrors that name the cause (in use, read-only, not creatable).
  const dataDir = options.dataDir ? DataDir.open(options.dataDir) : undefined;
  const sockets = new Set<Socket>();
  let broker: Broker | undefined;
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, broker!, {
      maxRequestBytes: options.maxRequestBytes,
      maxBufferedBytes: options.maxBufferedBytes,
      frameTimeoutMs: options.frameTimeoutMs,
      maxItemsPerRequest: options.maxItemsPerRequest,
      fetchMaxBytes: options.fetchMaxBytes,
      maxAutoCreatesPerRequest: options.maxAutoCreatesPerRequest,
    });
  };
  const server = createServer(onConnection);
  let port: number;
  try {
    port = await listenTcp(server, host, options.port ?? DEFAULT_BROKER_PORT);
  } catch (error) {
    dataDir?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new FirehoseError('BROKER_PORT_IN_USE', `port ${options.port ?? DEFAULT_BROKER_PORT} on ${host} is already in use`, {
        hint: `if a Kafka broker runs there, pass --bootstrap localhost:${options.port ?? DEFAULT_BROKER_PORT} to use it; otherwise pick another ${options.portFlag ?? '--port'}`,
      });
    }
    throw new FirehoseError('BROKER_LISTEN', `cannot listen on ${host}:${options.port ?? DEFAULT_BROKER_PORT}: ${(error as Error).message}`, {
      hint: `pick another ${[options.portFlag ?? '--port', options.hostFlag === undefined ? '--host' : options.hostFlag].filter(Boolean).join(' or ')}`,
    });
  }
  // "localhost" may resolve to ::1 first: listen there too when the default host is used.
  const extra = host === '127.0.0.1' ? createServer(onConnection) : undefined;
  if (extra) await listenTcp(extra, '::1', port).catch(() => undefined);

  const settings: BrokerSettings = {
    nodeId: 0,
    advertisedHost: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
    advertisedPort: port,
    clusterId: Broker.newClusterId(),
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 1,
    retentionBytes: options.retentionBytes ?? 256 * 1024 * 1024,
    maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024 + 12,
  };
  try {
    broker = new Broker(settings, log, dataDir, options.groupInitialRebalanceDelayMs, {
      heartbeatIntervalMs: options.consumerGroupHeartbeatIntervalMs,
      sessionTimeoutMs: options.consumerGroupSessionTimeoutMs,
    });
  } catch (error) {
    await Promise.all([server, extra].map((s) => (s?.listening ? new Promise<void>((r) => s.close(() => r())) : undefined)));
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
      const closed = Promise.all([server, extra].map((s) => (s?.listening ? new Promise<void>((r) => s.close(() => r())) : undefined)));
      for (const socket of sockets) socket.destroy();
      await closed;
      broker!.topics.flush();
      broker!.close();
    })());

  return { host, port, bootstrap: `${settings.advertisedHost}:${port}`, dataDir: options.dataDir, broker, stop };
}
