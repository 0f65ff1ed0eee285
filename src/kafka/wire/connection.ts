// One TCP (or TLS) connection to one Kafka broker: size-prefixed frames, requests
// pipelined with correlation ids (Kafka answers a connection's requests in order),
// a timeout per request, and ApiVersions negotiation when it opens. A refused port
// or unknown host fails at once with one line; a port that answers but not with a
// Kafka frame is named as such.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { API_KEY, apiNamed, type ApiName, type ApiNamed } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { Reader } from '../../protocol/reader.js';
import { decodeMessage, encodeMessage, type Decoded, type Encodable } from '../../protocol/schema.js';
import { Writer } from '../../protocol/writer.js';
import { KafkaConnectionError } from './errors.js';
import { authenticate, type SaslOptions } from './sasl.js';
import { CLIENT_VERSIONS, negotiate } from './versions.js';

/** TLS settings, as src/config/connection.ts resolves them but with file contents read. */
export interface WireTlsOptions {
  /** PEM CA bundle; default: the system store. */
  ca?: string | Buffer;
  /** PEM client certificate and key (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** PKCS#12 keystore and its password. */
  pfx?: Buffer;
  passphrase?: string;
  /** Accept a certificate whose name is not the broker's (the caller warns). */
  skipHostnameVerification?: boolean;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  tls?: WireTlsOptions;
  /** Sent in every request header. */
  clientId?: string;
  /** Time allowed to connect and negotiate versions. */
  connectTimeoutMs?: number;
  /** Time allowed for one answer. */
  requestTimeoutMs?: number;
  /** SASL authentication after version negotiation (SASL_PLAINTEXT, or SASL_SSL with tls). */
  sasl?: SaslOptions;
  /**
   * Opens the byte stream to a broker instead of TCP (a Kubernetes port-forward, or a test's
   * faulty socket). It emits 'connect' when open; TLS, when configured, runs inside it.
   */
  socketFactory?: (host: string, port: number) => Duplex;
}

/** An answer larger than this is not a Kafka frame (Kafka's own socket.request.max.bytes is 100 MiB). */
const MAX_FRAME_BYTES = 512 * 1024 * 1024;

interface Pending {
  resolve(frame: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export type RequestBody<Name extends ApiName> = Encodable<ApiNamed<Name>['request']>;
export type ResponseBody<Name extends ApiName> = Decoded<ApiNamed<Name>['response']>;

export class Connection {
  readonly broker: string;
  /** Per API key, the version negotiated with this broker. */
  private versions = new Map<number, number>();
  /** Every API key the broker listed in its ApiVersions answer, including ones this client has no schema for. */
  private served = new Set<number>();
  private pending = new Map<number, Pending>();
  private correlation = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private frameSize = -1;
  private answered = false;
  private failure: Error | undefined;
  private readonly requestTimeoutMs: number;
  private readonly clientId: string;

  private constructor(
    private readonly socket: Socket,
    readonly options: ConnectionOptions,
  ) {
    this.broker = `${options.host}:${options.port}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.clientId = options.clientId ?? 'firehose';
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(this.describe(error)));
    socket.on('close', () => this.fail(new KafkaConnectionError(this.broker, this.answered ? `Kafka broker ${this.broker} closed the connection` : `${this.broker} closed the connection without answering: is it a Kafka port${options.tls ? ' with TLS' : ''}?`)));
  }

  /** Connects, then negotiates API versions. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const broker = `${options.host}:${options.port}`;
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    // An address from a damaged or odd Metadata answer: a clear error, not Node's RangeError.
    if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535 || options.host === '') {
      throw new KafkaConnectionError(broker, `Cannot connect to Kafka at ${broker}: not a host and port (from the broker list Kafka sent)`);
    }
    const socket = await new Promise<Socket>((resolve, reject) => {
      const tls = options.tls;
      const raw = options.socketFactory?.(options.host, options.port);
      const s = tls
        ? tlsConnect({
            // host also names the broker for the certificate check when a stream is given.
            host: options.host,
            ...(raw ? { socket: raw } : { port: options.port }),
            // SNI takes names only, never an IP address.
            ...(isIP(options.host) ? {} : { servername: options.host }),
            ...definedOnly({ ca: tls.ca, cert: tls.cert, key: tls.key, pfx: tls.pfx, passphrase: tls.passphrase }),
            ...(tls.skipHostnameVerification ? { checkServerIdentity: () => undefined } : {}),
          })
        : ((raw as Socket | undefined) ?? netConnect({ host: options.host, port: options.port }));
      // A failure of the stream under TLS is the TLS socket's failure.
      if (raw && tls) raw.once('error', (error) => s.destroy(error));
      const timer = setTimeout(() => {
        s.destroy();
        reject(new KafkaConnectionError(broker, `Cannot connect to Kafka at ${broker}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (error) => {
        clearTimeout(timer);
        s.destroy();
        reject(describeError(broker, error, options.tls !== undefined));
      });
    });
    const connection = new Connection(socket, options);
    try {
      await connection.negotiate(timeoutMs);
      if (options.sasl) await authenticate(connection, options.sasl);
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  /** Whether the broker listed API `key` (SaslHandshake, for one) in its ApiVersions answer. */
  serves(key: number): boolean {
    return this.served.has(key);
  }

  /** The version this connection uses for `name`; throws when the broker serves none this client speaks. */
  version(name: ApiName): number {
    const v = this.versions.get(API_KEY[name]);
    if (v === undefined) throw new KafkaConnectionError(this.broker, `Kafka broker ${this.broker} serves no version of ${name} that firehose speaks (${CLIENT_VERSIONS[name].join('-')})`);
    return v;
  }

  /** Sends a request and decodes its answer. With `noResponse` (Produce with acks=0) resolves once written. */
  async request<Name extends ApiName>(name: Name, body: RequestBody<Name>, options: { version?: number; noResponse?: boolean; timeoutMs?: number } = {}): Promise<ResponseBody<Name>> {
    const api = apiNamed(name);
    const version = options.version ?? this.version(name);
    const frame = await this.send(api.key, version, api.request.flexibleFrom <= version, (w) => encodeMessage(w, api.request, version, body as never), options.noResponse, options.timeoutMs);
    if (options.noResponse) return undefined as never;
    try {
      return decodeMessage(answerBody(frame, version >= api.response.flexibleFrom && api.key !== API_KEY.ApiVersions), api.response, version) as ResponseBody<Name>;
    } catch (error) {
      throw this.malformed(`${name} v${version}`, error);
    }
  }

  /**
   * An answer that does not decode: this connection is not to be trusted any more (the
   * next request opens a new one), and the error names the broker and the API.
   */
  malformed(what: string, error: unknown): KafkaConnectionError {
    const failure = new KafkaConnectionError(this.broker, `Kafka broker ${this.broker} sent a malformed ${what} answer (${(error as Error)?.message ?? String(error)})`, error);
    this.fail(failure);
    return failure;
  }

  /**
   * A request to an API the schemas do not cover (SASL), written by `encode` in a
   * non-flexible version; resolves with a reader at the start of the answer's body.
   */
  async rawRequest(apiKey: number, version: number, encode: (w: Writer) => void): Promise<Reader> {
    const frame = await this.send(apiKey, version, false, encode);
    try {
      return answerBody(frame, false);
    } catch (error) {
      throw this.malformed(`API ${apiKey} v${version}`, error);
    }
  }

  private send(apiKey: number, version: number, flexible: boolean, encode: (w: Writer) => void, noResponse = false, timeoutMs = this.requestTimeoutMs): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const correlationId = (this.correlation = (this.correlation + 1) | 0);
    const writer = new Writer().int32(0).int16(apiKey).int16(version).int32(correlationId).string(this.clientId);
    if (flexible) writer.uvarint(0);
    encode(writer);
    const chunks = writer.toChunks();
    chunks[0]!.writeInt32BE(writer.length - 4, 0);
    const answer = noResponse
      ? Promise.resolve(Buffer.alloc(0))
      : new Promise<Buffer>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.fail(new KafkaConnectionError(this.broker, `Kafka broker ${this.broker} did not answer a request (API ${apiKey} v${version}) within ${timeoutMs} ms`));
          }, timeoutMs);
          this.pending.set(correlationId, { resolve, reject, timer });
        });
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
    return answer;
  }

  /** Bytes waiting in the socket's write buffer (for back-pressure). */
  get writeBacklog(): number {
    return this.socket.writableLength;
  }

  /** Resolves once the socket's write buffer is below `bytes` (acks=0 has no answers to pace it). */
  drained(bytes: number): Promise<void> {
    if (this.socket.writableLength <= bytes || this.failure) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done).on('close', done);
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  close(): void {
    this.fail(new KafkaConnectionError(this.broker, `connection to ${this.broker} closed`));
  }

  private async negotiate(timeoutMs: number): Promise<void> {
    const apiVersions = apiNamed('ApiVersions');
    let version = CLIENT_VERSIONS.ApiVersions[1];
    for (;;) {
      const answer = await this.request('ApiVersions', { clientSoftwareName: 'firehose', clientSoftwareVersion: '0' }, { version, timeoutMs });
      // An older broker answers an unknown ApiVersions version with v0 and its own range.
      if (answer.errorCode === ErrorCode.UNSUPPORTED_VERSION && version > 0) {
        const theirs = answer.apiKeys.find((k) => k.apiKey === apiVersions.key);
        version = Math.min(version - 1, theirs?.maxVersion ?? 0);
        continue;
      }
      if (answer.errorCode !== ErrorCode.NONE) throw new KafkaConnectionError(this.broker, `Kafka broker ${this.broker} refused ApiVersions (error ${answer.errorCode})`);
      this.versions = negotiate(answer.apiKeys, (name) => API_KEY[name]);
      this.served = new Set(answer.apiKeys.map((k) => k.apiKey));
      return;
    }
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.failure === undefined) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) return;
        const size = this.take(4).readInt32BE(0);
        if (size < 4 || size > MAX_FRAME_BYTES) {
          this.fail(this.notKafka(`its answer starts with bytes that are not a Kafka frame size (${size})`));
          return;
        }
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) return;
      const frame = this.take(this.frameSize);
      this.frameSize = -1;
      this.onFrame(frame);
    }
  }

  private notKafka(why: string): KafkaConnectionError {
    if (this.answered) return new KafkaConnectionError(this.broker, `Kafka broker ${this.broker} sent a malformed answer: ${why}`);
    return new KafkaConnectionError(this.broker, `${this.broker} answered, but not as Kafka (${why}): is this the Kafka port${this.options.tls ? '' : ', and does it need TLS'}?`);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const use = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, use);
        filled += use;
        if (use === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(use);
      }
    }
    this.buffered -= n;
    return out;
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.pending.get(correlationId);
    if (!pending) {
      this.fail(this.notKafka(`an answer to request ${correlationId}, which was never sent`));
      return;
    }
    this.answered = true;
    this.pending.delete(correlationId);
    clearTimeout(pending.timer);
    pending.resolve(frame);
  }

  private describe(error: Error): KafkaConnectionError {
    return describeError(this.broker, error, this.options.tls !== undefined);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.socket.destroy();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A reader past the answer's header: the correlation id (checked in onFrame) and, in flexible versions, its tagged fields. */
function answerBody(frame: Buffer, flexibleHeader: boolean): Reader {
  const reader = new Reader(frame);
  reader.int32();
  if (flexibleHeader) {
    for (let tags = reader.uvarint(); tags > 0; tags--) {
      reader.uvarint();
      reader.raw(reader.uvarint());
    }
  }
  return reader;
}

function describeError(broker: string, error: Error, tls: boolean): KafkaConnectionError {
  const code = (error as NodeJS.ErrnoException).code;
  const host = broker.slice(0, broker.lastIndexOf(':'));
  switch (code) {
    case 'ECONNREFUSED':
      return new KafkaConnectionError(broker, `Cannot connect to Kafka at ${broker}: connection refused (nothing listens on that port)`, error);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new KafkaConnectionError(broker, `Cannot connect to Kafka at ${broker}: host "${host}" is unknown`, error);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new KafkaConnectionError(broker, `Cannot connect to Kafka at ${broker}: ${code === 'ETIMEDOUT' ? 'timed out' : 'unreachable'}`, error);
    case 'ECONNRESET':
    case 'EPIPE':
      // A plaintext Kafka port drops a TLS ClientHello: "disconnected before secure TLS connection was established".
      if (tls && /secure TLS/.test(error.message)) return new KafkaConnectionError(broker, `TLS handshake with ${broker} failed: ${error.message.split('\n')[0]}`, error);
      return new KafkaConnectionError(broker, `Kafka broker ${broker} reset the connection${tls ? '' : ' (does it need TLS?)'}`, error);
    default:
      if (tls) return new KafkaConnectionError(broker, `TLS handshake with ${broker} failed: ${error.message.split('\n')[0]}`, error);
      return new KafkaConnectionError(broker, `Cannot connect to Kafka at ${broker}: ${error.message}`, error);
  }
}
