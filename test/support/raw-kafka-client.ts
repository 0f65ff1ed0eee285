// A raw Kafka protocol client for the embedded broker's tests: one socket, requests
// answered in order, bodies encoded and decoded with the broker's own schemas.
import { connect, type Socket } from 'node:net';
import { apiByKey, API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { Reader } from '../../src/protocol/reader.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';

/** A raw protocol client: one socket, requests answered in order. */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiting: Array<(frame: Buffer) => void> = [];
  readonly closed: Promise<void>;
  private correlation = 0;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        this.waiting.shift()?.(frame);
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = connect(port, host);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a request; resolves with the whole response frame (size prefix cut off). */
  requestFrame(apiKey: number, version: number, body: Message): Promise<Buffer> {
    const api = apiByKey(apiKey)!;
    const flexible = version >= api.request.flexibleFrom;
    const writer = new Writer().int32(0).int16(apiKey).int16(version).int32(++this.correlation).string('raw-test');
    if (flexible) writer.uvarint(0);
    encodeMessage(writer, api.request, version, body);
    const frame = writer.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    const answer = new Promise<Buffer>((resolve) => this.waiting.push(resolve));
    this.socket.write(frame);
    return answer;
  }

  /** Sends a request and decodes the answer's body. */
  request(apiKey: number, version: number, body: Message): Promise<Message> {
    const api = apiByKey(apiKey)!;
    const flexible = version >= api.request.flexibleFrom;
    return this.requestFrame(apiKey, version, body).then((response) => {
      const reader = new Reader(response);
      reader.int32(); // correlation id
      if (flexible && apiKey !== API_KEY.ApiVersions) reader.uvarint();
      return decodeMessage(reader, api.response, apiKey === API_KEY.ApiVersions && response.length > 0 && reader.buf.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION ? 0 : version);
    });
  }

  /** Creates a topic (CreateTopics v5) and throws with the broker's message if it was refused. */
  async createTopic(name: string, partitions = 1, configs: Record<string, string> = {}): Promise<string> {
    const answer = await this.request(API_KEY.CreateTopics, 5, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })) }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const topic = answer.topics[0];
    if (topic.errorCode !== ErrorCode.NONE) throw new Error(`CreateTopics ${name}: error ${topic.errorCode}${topic.errorMessage ? ` (${topic.errorMessage})` : ''}`);
    return name;
  }

  close(): void {
    this.socket.destroy();
  }
}
