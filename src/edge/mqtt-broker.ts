/**
 * firehose's own MQTT broker (`firehose mqtt start`, and in-process for the bridge's tests and
 * the edge lab): aedes on a TCP listener, loopback by default. What it is and is not:
 * - MQTT 3.1.1 (and 3.1) only: aedes 1.x does not speak MQTT 5. A v5 client gets CONNACK
 *   "unacceptable protocol version" at once (never a hang) and the broker logs a warning.
 * - QoS 0 and 1 (and 2), retained messages, persistent sessions (clean=false): subscriptions
 *   and queued QoS 1 messages of a client that is away are kept in memory (aedes-persistence)
 *   while the broker runs, and lost when it stops. For sessions that survive a restart, run
 *   Mosquitto with `persistence true`.
 * - Optionally one user name and password that every client must give, and TLS (mqtts://)
 *   with a PEM certificate and key.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { FirehoseError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { readTlsFile } from '../config/tls-file.js';
import { listenTcp } from '../util/listen.js';

/** The MQTT port (IANA), where `firehose mqtt start` listens unless told otherwise. */
export const DEFAULT_MQTT_PORT = 1883;

export interface MqttBrokerOptions {
  /** Interface to listen on. Default 127.0.0.1 (and ::1 when available, for "localhost"). */
  host?: string;
  /** 0 picks a free port. Default 1883. */
  port?: number;
  /** Require this user name from every client (with `password`); without it anyone may connect. */
  username?: string;
  /** The password for `username`. */
  password?: string;
  /** TLS (mqtts://): the broker's certificate (chain) and private key, PEM files, and the flags that named them. */
  tls?: { certFile: string; keyFile: string; certFlag?: string; keyFlag?: string };
  /** The flags that chose the port and host, for hints (default --port and --host). */
  portFlag?: string;
  hostFlag?: string;
  log?: Logger;
}

export interface MqttBroker {
  /** mqtt://host:port (mqtts:// with TLS) for clients (127.0.0.1 when listening on every interface). */
  url: string;
  host: string;
  port: number;
  /** Disconnects every client and stops listening; queued messages are dropped. */
  close(): Promise<void>;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function closeServer(server: Server | undefined): Promise<void> {
  return server?.listening ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
}

function sameSecret(given: Buffer | undefined, expected: string): boolean {
  if (!given) return false;
  const want = Buffer.from(expected, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Starts the broker; resolves once it listens. A taken port is one FirehoseError naming the flag. */
export async function startMqttBroker(options: MqttBrokerOptions = {}): Promise<MqttBroker> {
  const host = options.host ?? '127.0.0.1';
  const requested = options.port ?? DEFAULT_MQTT_PORT;
  const log = options.log ?? silentLogger;
  const portFlag = options.portFlag ?? '--port';
  if ((options.username === undefined) !== (options.password === undefined)) throw new Error('internal: startMqttBroker needs both username and password, or neither');

  const tls = options.tls ? { cert: await readTlsFile(options.tls.certFile, options.tls.certFlag ?? '--tls-cert'), key: await readTlsFile(options.tls.keyFile, options.tls.keyFlag ?? '--tls-key') } : undefined;
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker({
    // A v5 client is refused by aedes itself (CONNACK 1); say why on the broker's side too.
    preConnect: (client, packet, done) => {
      if (packet.protocolVersion === 5) log.warn(`client ${packet.clientId || '(no id)'} speaks MQTT 5, which this broker (aedes) does not: refused. It must use MQTT 3.1.1 (--mqtt-version 4), or run Mosquitto for MQTT 5.`);
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      if (options.username === undefined) return done(null, true);
      if (username === options.username && sameSecret(password, options.password!)) return done(null, true);
      log.warn(`client ${client.id} refused: ${username === undefined ? 'no user name' : `wrong user name or password (user ${username})`}`);
      // 4: "bad user name or password" (MQTT 3.1.1 CONNACK return code).
      done(Object.assign(new Error('bad user name or password'), { returnCode: 4 }), false);
    },
  });
  aedes.on('client', (client) => log.debug(`mqtt: client ${client.id} connected`));
  aedes.on('clientDisconnect', (client) => log.debug(`mqtt: client ${client.id} disconnected`));
  aedes.on('clientError', (client, error) => log.debug(`mqtt: client ${client.id}: ${error.message}`));
  aedes.on('connectionError', (client, error) => log.debug(`mqtt: connection ${client.id ?? ''}: ${error.message}`));

  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  };
  const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()));
  let server: Server;
  try {
    server = tls ? createTlsServer(tls, onConnection as never) : createServer(onConnection);
  } catch (error) {
    await closeAedes();
    throw new FirehoseError('TLS_FILE_INVALID', `The MQTT broker's TLS certificate and key do not load: ${(error as Error).message}.`, {
      hint: 'Give a PEM certificate and the PEM private key that belongs to it (firehose certs makes a pair).',
      cause: error,
    });
  }
  if (tls) server.on('tlsClientError', (error: Error) => log.debug(`mqtt: TLS handshake failed: ${error.message}`));
  let port: number;
  try {
    port = await listenTcp(server, host, requested);
  } catch (error) {
    await closeAedes();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new FirehoseError('PORT_IN_USE', `Port ${requested} on ${host} is already in use.`, {
        hint: `If an MQTT broker (Mosquitto, or another firehose mqtt start) runs there, use that one; otherwise pick another ${portFlag} (0 = any free port).`,
        cause: error,
      });
    }
    throw new FirehoseError('PORT_IN_USE', `Cannot listen on ${host}:${requested}: ${code ?? (error as Error).message}.`, {
      hint: `Pick another ${[portFlag, options.hostFlag ?? '--host'].join(' or ')}.`,
      cause: error,
    });
  }
  // "localhost" may resolve to ::1 first (mosquitto_pub -h localhost): listen there too.
  const extra = host === '127.0.0.1' ? (tls ? createTlsServer(tls, onConnection as never) : createServer(onConnection)) : undefined;
  if (extra) await listenTcp(extra, '::1', port).catch(() => undefined);

  const advertised = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `${tls ? 'mqtts' : 'mqtt'}://${advertised.includes(':') ? `[${advertised}]` : advertised}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    close: () =>
      (closing ??= (async () => {
        const closed = Promise.all([closeServer(server), closeServer(extra)]);
        await closeAedes();
        for (const socket of sockets) socket.destroy();
        await closed;
      })()),
  };
}
