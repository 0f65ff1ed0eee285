// One client connection: splits the byte stream into size-prefixed frames and
// answers them strictly in order (Kafka clients match responses to requests
// by order as well as correlation id). A bad frame closes this connection
// with a log line; it never reaches the rest of the broker.
//
// What one connection may hold is bounded: a frame is at most maxRequestBytes,
// bytes buffered in frames not yet handled count against one budget shared by
// all of a broker's connections (maxBufferedBytes), a frame must be complete
// frameTimeoutMs after its first byte, a request may list at most
// maxItemsPerRequest entries (counted before it is decoded), and the next
// request waits until the client has taken the previous answer off the socket.
import type { Socket } from 'node:net';
import type { Broker } from './broker.js';
import { API_VERSIONS_BODY, servedApi } from './apis.js';
import { DEFAULT_REQUEST_LIMITS, type RequestContext, type RequestLimits } from './handlers/context.js';
import { API_KEY } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeRequest, encodeResponse } from '../protocol/frame.js';
import { countRequestItems } from './request-items.js';
import { SaslSession, type SaslListenerOptions } from './sasl.js';

export interface ConnectionLimits extends RequestLimits {
  /** Largest request frame accepted (Kafka's socket.request.max.bytes). */
  maxRequestBytes: number;
  /** Bytes all of a broker's connections together may buffer in requests not yet handled; a connection that would go over is closed. */
  maxBufferedBytes: number;
  /** A request frame must be complete this long after its first byte arrived, or the connection is closed. */
  frameTimeoutMs: number;
  /** Most entries (topics, partitions, members, ...) one request may list; a request listing more closes the connection. */
  maxItemsPerRequest: number;
}

/**
 * maxRequestBytes is Kafka's socket.request.max.bytes; the shared budget holds
 * two and a half such requests; a Kafka client gives up on a request after
 * 30 s (request.timeout.ms), so a frame still arriving then is of no use.
 * 100,000 entries is ten topics at the broker's 10,000-partition maximum,
 * and still decodes and encodes in a fraction of a second.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  ...DEFAULT_REQUEST_LIMITS,
  maxRequestBytes: 100 * 1024 * 1024,
  maxBufferedBytes: 256 * 1024 * 1024,
  frameTimeoutMs: 30_000,
  maxItemsPerRequest: 100_000,
};

/** Limits as EmbeddedBrokerOptions pass them: any left out takes its default. */
export type ConnectionOptions = { [K in keyof ConnectionLimits]?: ConnectionLimits[K] | undefined };

/** Per broker: bytes its connections buffer in requests not yet handled. */
const bufferedByBroker = new WeakMap<Broker, { bytes: number }>();

/** Bytes the broker's connections hold in requests not yet handled (for tests and diagnostics). */
export function bufferedRequestBytes(broker: Broker): number {
  return bufferedByBroker.get(broker)?.bytes ?? 0;
}

/** The listener a connection came in on. */
export interface ConnectionListener {
  /** The address Metadata and FindCoordinator advertise to clients of this listener. */
  advertised: { host: string; port: number };
  /** SASL settings: the connection must authenticate before anything but ApiVersions. */
  sasl?: SaslListenerOptions;
}

/** Largest request a client may send on a SASL listener before it has authenticated (Kafka's sasl.server.max.receive.size). */
const SASL_MAX_RECEIVE_BYTES = 512 * 1024;

/** What an unauthenticated connection on a SASL listener may send, as on Kafka's. */
const BEFORE_SASL = new Set<number>([API_KEY.ApiVersions, API_KEY.SaslHandshake, API_KEY.SaslAuthenticate]);

export function serveConnection(socket: Socket, broker: Broker, options: ConnectionOptions = {}, listener?: ConnectionListener): void {
  const limits = { ...DEFAULT_CONNECTION_LIMITS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) limits[key as keyof ConnectionLimits] = value;
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const closed = new AbortController();
  const shared = bufferedByBroker.get(broker) ?? { bytes: 0 };
  bufferedByBroker.set(broker, shared);
  const pending: Buffer[] = [];
  let buffered = 0;
  let busy = false;
  let frameTimer: NodeJS.Timeout | undefined;
  const sasl = listener?.sasl ? new SaslSession(listener.sasl) : undefined;

  /** Gives this connection's buffered bytes back to the broker's budget. */
  const release = () => {
    clearTimeout(frameTimer);
    frameTimer = undefined;
    shared.bytes -= buffered;
    buffered = 0;
    pending.length = 0;
  };
  const drop = (why: string) => {
    if (socket.destroyed) return;
    broker.log.warn(`closing connection from ${peer}: ${why}`);
    release();
    socket.destroy();
  };

  socket.setNoDelay(true);
  socket.on('data', (chunk) => {
    if (socket.destroyed) return;
    if (shared.bytes + chunk.length > limits.maxBufferedBytes) {
      drop(
        `its request would take the bytes buffered in unfinished requests on all connections over ${limits.maxBufferedBytes} (maxBufferedBytes; ${buffered} of them on this connection)`,
      );
      return;
    }
    pending.push(chunk);
    buffered += chunk.length;
    shared.bytes += chunk.length;
    if (headSize() === undefined) return;
    watchFrame();
    if (!busy) void drain();
  });
  socket.on('error', () => {}); // a reset by the client is just a close
  socket.on('close', () => {
    release();
    closed.abort();
  });

  /**
   * The size of the frame at the head of the buffer: -1 while its prefix is
   * incomplete, undefined when it is over the limit (the connection is closed).
   */
  function headSize(): number | undefined {
    if (buffered < 4) return -1;
    if (pending[0]!.length < 4) pending.splice(0, pending.length, Buffer.concat(pending));
    const size = pending[0]!.readInt32BE(0);
    if (size < 0 || size > limits.maxRequestBytes) {
      drop(`request of ${size} bytes is over the ${limits.maxRequestBytes}-byte limit (socket.request.max.bytes)`);
      return undefined;
    }
    if (sasl && !sasl.authenticated && size > SASL_MAX_RECEIVE_BYTES) {
      drop(`request of ${size} bytes before authenticating is over the ${SASL_MAX_RECEIVE_BYTES}-byte limit (sasl.server.max.receive.size)`);
      return undefined;
    }
    return size;
  }

  /** Starts the deadline for the frame at the head of the buffer, if it has begun and has none. */
  function watchFrame(): void {
    if (frameTimer || buffered === 0) return;
    frameTimer = setTimeout(() => {
      frameTimer = undefined;
      const size = headSize();
      // A whole frame waiting behind a long request is not stalled; taking it restarts the clock.
      if (size === undefined || (size >= 0 && buffered >= 4 + size)) return;
      const of = size >= 0 ? ` of ${4 + size}` : '';
      drop(`a request was not complete ${limits.frameTimeoutMs} ms after it began (${buffered}${of} bytes arrived; frameTimeoutMs)`);
    }, limits.frameTimeoutMs);
    frameTimer.unref();
  }

  /** Takes the next whole frame from the buffered bytes, if there is one. */
  function nextFrame(): Buffer | undefined {
    const size = headSize();
    if (size === undefined || size < 0 || buffered < 4 + size) return undefined;
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    const frame = all.subarray(4, 4 + size);
    const rest = all.subarray(4 + size);
    pending.length = 0;
    if (rest.length > 0) pending.push(rest);
    shared.bytes -= buffered - rest.length;
    buffered = rest.length;
    clearTimeout(frameTimer);
    frameTimer = undefined;
    watchFrame();
    return frame;
  }

  async function drain(): Promise<void> {
    busy = true;
    try {
      for (let frame = nextFrame(); frame && !socket.destroyed && !socket.writableEnded; frame = nextFrame()) {
        await answer(frame);
        // As Kafka mutes a channel until its answer is sent: a client that does not read holds one answer, not many.
        if (socket.writableNeedDrain && !socket.destroyed) await writable();
      }
    } finally {
      busy = false;
    }
  }

  function writable(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  async function answer(frame: Buffer): Promise<void> {
    // A frame shorter than the limit cannot list more entries than it has bytes.
    if (frame.length > limits.maxItemsPerRequest && countRequestItems(frame, limits.maxItemsPerRequest) > limits.maxItemsPerRequest) {
      const api = servedApi(frame.readInt16BE(0));
      drop(`${api?.name ?? 'a request'} lists more than ${limits.maxItemsPerRequest} topics, partitions or other entries (maxItemsPerRequest); not decoded`);
      return;
    }
    let request;
    try {
      request = decodeRequest(frame, servedApi);
    } catch (error) {
      drop(`malformed request: ${(error as Error).message}`);
      return;
    }
    const { header } = request;
    if (request.kind === 'unsupported') {
      if (header.apiKey === API_KEY.ApiVersions) {
        // A newer client: answer in v0 with our versions so it can retry lower.
        write(encodeResponse(servedApi(API_KEY.ApiVersions)!, 0, header.correlationId, { ...API_VERSIONS_BODY, errorCode: ErrorCode.UNSUPPORTED_VERSION }));
        return;
      }
      const what = request.api ? `${request.api.name} v${header.apiVersion} (served: v${request.api.minVersion}-${request.api.maxVersion})` : `API key ${header.apiKey}`;
      drop(`client ${header.clientId ?? '?'} sent ${what}, which the embedded broker does not serve`);
      return;
    }
    if (sasl && !sasl.authenticated && !BEFORE_SASL.has(header.apiKey)) {
      drop(`client ${header.clientId ?? '?'} sent ${request.api.name} before authenticating on this SASL listener`);
      return;
    }
    let closeAfterAnswer = false;
    const ctx: RequestContext = {
      broker,
      version: header.apiVersion,
      clientId: header.clientId ?? '',
      clientHost: socket.remoteAddress ?? '',
      signal: closed.signal,
      limits,
      ...(listener ? { listener: listener.advertised } : {}),
      ...(sasl ? { sasl } : {}),
      closeAfterAnswer: () => {
        closeAfterAnswer = true;
      },
    };
    let body;
    try {
      body = await request.api.handle(request.body, ctx);
    } catch (error) {
      drop(`${request.api.name} failed: ${(error as Error).stack ?? error}`);
      return;
    }
    if (body !== undefined && !socket.destroyed) write(encodeResponse(request.api, header.apiVersion, header.correlationId, body));
    if (closeAfterAnswer) {
      // As Kafka: the client reads the answer (why it failed), then the connection ends.
      release();
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    }
  }

  function write(chunks: Buffer[]): void {
    if (chunks.length === 1) {
      socket.write(chunks[0]!);
      return;
    }
    socket.cork();
    for (const chunk of chunks) socket.write(chunk);
    socket.uncork();
  }
}
