// One POST of a CloudEvent in binary mode (src/local/http-delivery.ts), against real
// node:http servers: kept-alive connections are reused, a slow sink times out without
// spoiling the next POST, refused connections and Ctrl-C are results, never throws.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postEvent } from '../../src/local/http-delivery.js';

const event = { attributes: { specversion: '1.0', id: 'e1', type: 't', source: 's', datacontenttype: 'application/json' }, data: Buffer.from('{"n":1}') };

let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  servers = [];
});

async function sink(handle: (req: IncomingMessage, body: string) => { status: number; body?: string; delayMs?: number; headers?: Record<string, string> }) {
  const sockets = new Set<unknown>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const answer = handle(req, Buffer.concat(chunks).toString());
      const reply = () => res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  server.on('connection', (socket) => sockets.add(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, connections: () => sockets.size };
}

describe('postEvent', () => {
  it('sends the event in binary mode and returns the status, headers and body of the answer', async () => {
    const seen: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    const s = await sink((req, body) => {
      seen.push({ headers: req.headers, body });
      return { status: 200, body: 'reply', headers: { 'ce-type': 'reply.type', 'x-one': 'a' } };
    });
    const result = await postEvent(s.url, event, { timeoutMs: 5000 });
    expect(result).toMatchObject({ status: 200, ok: true, retryable: false });
    expect(result.headers['ce-type']).toBe('reply.type');
    expect(result.body.toString()).toBe('reply');
    expect(seen[0]!.headers['ce-id']).toBe('e1');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.body).toBe('{"n":1}');
  });

  it('reuses one kept-alive connection for POSTs one after another', async () => {
    const s = await sink(() => ({ status: 202 }));
    for (let i = 0; i < 50; i++) expect((await postEvent(s.url, event, { timeoutMs: 5000 })).status).toBe(202);
    expect(s.connections()).toBe(1);
  });

  it('says which answers are worth a retry', async () => {
    const s = await sink((req) => ({ status: Number(req.headers['ce-id']) }));
    const post = (status: number) => postEvent(s.url, { ...event, attributes: { ...event.attributes, id: String(status) } }, { timeoutMs: 5000 });
    expect(await post(503)).toMatchObject({ status: 503, ok: false, retryable: true });
    expect(await post(429)).toMatchObject({ status: 429, ok: false, retryable: true });
    expect(await post(400)).toMatchObject({ status: 400, ok: false, retryable: false });
  });

  it('a sink slower than the timeout is TIMEOUT (retryable), and the next POST gets its answer', async () => {
    let calls = 0;
    const s = await sink(() => (++calls === 1 ? { status: 200, delayMs: 2000 } : { status: 200 }));
    const started = performance.now();
    expect(await postEvent(s.url, event, { timeoutMs: 100 })).toMatchObject({ status: 'TIMEOUT', ok: false, retryable: true });
    expect(performance.now() - started).toBeLessThan(1500);
    expect((await postEvent(s.url, event, { timeoutMs: 5000 })).status).toBe(200);
  });

  it('a refused connection is a retryable result naming the errno', async () => {
    const s = await sink(() => ({ status: 200 }));
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(await postEvent(s.url, event, { timeoutMs: 5000 })).toMatchObject({ status: 'ECONNREFUSED', ok: false, retryable: true });
  });

  it('an aborted signal ends a POST in flight at once', async () => {
    const s = await sink(() => ({ status: 200, delayMs: 5000 }));
    const controller = new AbortController();
    const pending = postEvent(s.url, event, { timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    expect(await pending).toMatchObject({ status: 'ABORTED', ok: false });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
