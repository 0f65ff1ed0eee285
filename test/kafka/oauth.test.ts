// OAUTHBEARER's client-credentials token source (src/kafka/oauth.ts) against a real local
// HTTP token endpoint: kept until 80% of its lifetime, then fetched again; concurrent
// connections wait for the one request in flight.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentialsToken } from '../../src/kafka/oauth.js';

let server: Server;
let url: string;
let issued = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume().on('end', () => {
      issued += 1;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/no-token') res.end('{"token_type":"Bearer"}');
      else res.end(JSON.stringify({ access_token: `token-${issued}`, expires_in: 100 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

describe('clientCredentialsToken', () => {
  it('fetches once for concurrent callers, reuses the token until 80% of expires_in, then fetches a new one', async () => {
    issued = 0;
    let clock = 1_000_000;
    const token = clientCredentialsToken({ tokenEndpoint: `${url}/token`, clientId: 'c', clientSecret: 's' }, () => clock);
    expect(await Promise.all([token(), token(), token()])).toEqual(['token-1', 'token-1', 'token-1']);
    clock += 79_000;
    expect(await token()).toBe('token-1');
    clock += 2_000;
    expect(await token()).toBe('token-2');
    expect(issued).toBe(2);
  });

  it('an answer without access_token is an error naming the endpoint', async () => {
    const token = clientCredentialsToken({ tokenEndpoint: `${url}/no-token`, clientId: 'c', clientSecret: 'secret-x' });
    await expect(token()).rejects.toThrow(`the OAuth token endpoint ${url}/no-token gave client c no token (HTTP 200, no access_token in the answer).`);
  });

  it('an endpoint that does not answer is an error naming it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const token = clientCredentialsToken({ tokenEndpoint: `http://127.0.0.1:${port}/token`, clientId: 'c', clientSecret: 's', timeoutMs: 2_000 });
    await expect(token()).rejects.toThrow(`Cannot reach the OAuth token endpoint http://127.0.0.1:${port}/token: ECONNREFUSED.`);
  });
});
