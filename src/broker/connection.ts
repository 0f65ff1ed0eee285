// One client connection: splits the byte stream into size-prefixed frames and
// answers them strictly in order (Kafka clients match responses to requests
// by order as well as correlation id). A bad frame closes this connection
// with a log line; it never reaches the rest of the broker.
import type { Socket } from 'node:net';
import type { Broker } from './broker.js';
import type { RequestContext } from './handlers/context.js';
import { HANDLERS } from './handlers/index.js';
import { API_VERSIONS_BODY } from './handlers/metadata.js';
import { API_KEY, apiByKey } from './protocol/api-keys.js';
import { ErrorCode } from './protocol/error-codes.js';
import { decodeRequest, encodeResponse } from './protocol/frame.js';

export interface ConnectionLimits {
  maxRequestBytes: number;
}

export function serveConnection(socket: Socket, broker: Broker, limits: ConnectionLimits): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const closed = new AbortController();
  const pending: Buffer[] = [];
  let buffered = 0;
  let busy = false;

  const drop = (why: string) => {
    broker.log.warn(`closing connection from ${peer}: ${why}`);
    socket.destroy();
  };

  socket.setNoDelay(true);
  socket.on('data', (chunk) => {
    pending.push(chunk);
    buffered += chunk.length;
    if (!busy) void drain();
  });
  socket.on('error', () => {}); // a reset by the client is just a close
  socket.on('close', () => closed.abort());

  /** Takes the next whole frame from the buffered bytes, if there is one. */
  function nextFrame(): Buffer | undefined {
    if (buffered < 4) return undefined;
    if (pending[0]!.length < 4) pending.splice(0, pending.length, Buffer.concat(pending));
    const size = pending[0]!.readInt32BE(0);
    if (size < 0 || size > limits.maxRequestBytes) {
      drop(`request of ${size} bytes is over the ${limits.maxRequestBytes}-byte limit (socket.request.max.bytes)`);
      return undefined;
    }
    if (buffered < 4 + size) return undefined;
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    const frame = all.subarray(4, 4 + size);
    const rest = all.subarray(4 + size);
    pending.length = 0;
    if (rest.length > 0) pending.push(rest);
    buffered = rest.length;
    return frame;
  }

  async function drain(): Promise<void> {
    busy = true;
    try {
      for (let frame = nextFrame(); frame && !socket.destroyed; frame = nextFrame()) {
        await answer(frame);
      }
    } finally {
      busy = false;
    }
  }

  async function answer(frame: Buffer): Promise<void> {
    let request;
    try {
      request = decodeRequest(frame);
    } catch (error) {
      drop(`malformed request: ${(error as Error).message}`);
      return;
    }
    const { header } = request;
    if (request.kind === 'unsupported') {
      if (header.apiKey === API_KEY.ApiVersions) {
        // A newer client: answer in v0 with our versions so it can retry lower.
        write(encodeResponse(apiByKey(API_KEY.ApiVersions)!, 0, header.correlationId, { ...API_VERSIONS_BODY, errorCode: ErrorCode.UNSUPPORTED_VERSION }));
        return;
      }
      const what = request.api ? `${request.api.name} v${header.apiVersion} (served: v${request.api.minVersion}-${request.api.maxVersion})` : `API key ${header.apiKey}`;
      drop(`client ${header.clientId ?? '?'} sent ${what}, which the embedded broker does not serve`);
      return;
    }
    const handler = HANDLERS.get(header.apiKey)!;
    const ctx: RequestContext = { broker, version: header.apiVersion, clientId: header.clientId ?? '', clientHost: socket.remoteAddress ?? '', signal: closed.signal };
    let body;
    try {
      body = await handler(request.body, ctx);
    } catch (error) {
      drop(`${request.api.name} failed: ${(error as Error).stack ?? error}`);
      return;
    }
    if (body !== undefined && !socket.destroyed) write(encodeResponse(request.api, header.apiVersion, header.correlationId, body));
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
