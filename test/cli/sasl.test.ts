import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';

describe('SASL against the SASL_PLAINTEXT listener', () => {
  const kafka = kafkaFromTests();

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
    it(`${mechanism}: creates, spams and reads back with the password from the environment`, async () => {
      const topic = uniqueName(`sasl-${mechanism}`);
      const env = { FIREHOSE_SASL_PASSWORD: kafka.sasl.password, FIREHOSE_SASL_USERNAME: kafka.sasl.username };
      const flags = ['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', mechanism];
      const created = await runCli([...flags, 'create-topic', topic, '--partitions', '1'], { env });
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      expect((await runCli([...flags, 'spam', topic, '--times', '3'], { env })).code).toBe(0);
      const read = await runCli([...flags, 'consume', topic, '--from-beginning', '--max-messages', '3'], { env });
      expect(read.code).toBe(0);
      expect(read.stdout.trim().split('\n')).toEqual([0, 1, 2].map((i) => `{ "message": "Sending Message: ${i}" }`));
      for (const output of [created, read]) expect(output.stdout + output.stderr).not.toContain(kafka.sasl.password);
    });
  }

  it('a wrong password is a clear one-line error that never shows the password', async () => {
    const wrong = 'not-the-password-123';
    const result = await runCli(
      ['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', kafka.sasl.username, '--connect-timeout', '5s', 'topics'],
      { env: { FIREHOSE_SASL_PASSWORD: wrong } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Kafka at 127\.0\.0\.1:\d+ rejected the SASL login/m);
    expect(result.stderr + result.stdout).not.toContain(wrong);
  });

  it('without a password in a non-interactive shell it fails instead of prompting', async () => {
    const result = await runCli(['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'plain', '--sasl-username', 'alice', 'topics']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FIREHOSE_SASL_PASSWORD');
  });
});

/** An unsigned JWT ("alg":"none"), what Kafka's unsecured OAUTHBEARER validator accepts while it has not expired. */
function unsignedJwt(sub: string, lifetimeSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub, iat: now - 60, exp: now + lifetimeSeconds })}.`;
}

describe('SASL OAUTHBEARER against the SASL_PLAINTEXT listener (Kafka\'s unsecured JWT validator)', () => {
  const kafka = kafkaFromTests();
  const CLIENT = 'firehose-cli';
  const SECRET = 'client-secret-4711';
  const asked: Array<{ authorization?: string; body: string }> = [];
  let endpoint: Server;
  let tokenUrl: string;

  beforeAll(async () => {
    // A client-credentials token endpoint (RFC 6749 4.4), as Keycloak answers one.
    endpoint = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        asked.push({ authorization: req.headers.authorization, body });
        const form = new URLSearchParams(body);
        const expected = `Basic ${Buffer.from(`${CLIENT}:${SECRET}`).toString('base64')}`;
        res.setHeader('content-type', 'application/json');
        if (req.headers.authorization !== expected || form.get('grant_type') !== 'client_credentials') {
          res.writeHead(401).end(JSON.stringify({ error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' }));
          return;
        }
        res.writeHead(200).end(JSON.stringify({ access_token: unsignedJwt(CLIENT, 300), expires_in: 300, token_type: 'Bearer' }));
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/realms/kafka/protocol/openid-connect/token`;
  });
  afterAll(async () => { await new Promise((resolve) => endpoint.close(resolve)); });

  it('a token from FIREHOSE_OAUTH_TOKEN: creates, spams and reads back; the token is never printed', async () => {
    const topic = uniqueName('sasl-oauth');
    const token = unsignedJwt('alice', 300);
    const env = { FIREHOSE_OAUTH_TOKEN: token };
    const flags = ['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'oauthbearer'];
    const created = await runCli([...flags, 'create-topic', topic, '--partitions', '1'], { env });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect((await runCli([...flags, 'spam', topic, '--times', '3'], { env })).code).toBe(0);
    const read = await runCli([...flags, 'consume', topic, '--from-beginning', '--max-messages', '3'], { env });
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout.trim().split('\n')).toHaveLength(3);
    for (const output of [created, read]) expect(output.stdout + output.stderr).not.toContain(token);
  });

  it('a token from the client-credentials grant: Basic auth with the client id and secret, the scope, one token for every connection', async () => {
    const topic = uniqueName('sasl-oauth-cc');
    asked.length = 0;
    const env = { FIREHOSE_SASL_PASSWORD: SECRET };
    const flags = ['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'OAUTHBEARER', '--sasl-username', CLIENT, '--oauth-token-endpoint', tokenUrl, '--oauth-scope', 'kafka'];
    expect((await runCli([...flags, 'create-topic', topic, '--partitions', '1'], { env })).code).toBe(0);
    expect(asked).toHaveLength(1);
    const spammed = await runCli([...flags, 'spam', topic, '--times', '5'], { env });
    expect(spammed.code, spammed.stderr).toBe(0);
    expect(asked).toHaveLength(2); // one per run, however many connections the run opens
    expect(new URLSearchParams(asked[0]!.body).get('scope')).toBe('kafka');
    expect(spammed.stdout + spammed.stderr).not.toContain(SECRET);
  });

  it('an expired token, a wrong client secret, no token at all: one line each, no secret shown', async () => {
    const expired = await runCli(['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'oauthbearer', '--connect-timeout', '5s', 'topics'], { env: { FIREHOSE_OAUTH_TOKEN: unsignedJwt('alice', -120) } });
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/^error: Kafka at 127\.0\.0\.1:\d+ rejected the SASL login: SASL OAUTHBEARER authentication failed at 127\.0\.0\.1:\d+: .+$/m);

    const wrong = 'not-the-secret-99';
    const denied = await runCli(['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'oauthbearer', '--sasl-username', CLIENT, '--oauth-token-endpoint', tokenUrl, '--connect-timeout', '5s', 'topics'], { env: { FIREHOSE_SASL_PASSWORD: wrong } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(new RegExp(`^error: the OAuth token endpoint ${tokenUrl.replace(/[.]/g, '\\.')} gave client firehose-cli no token \\(unauthorized_client: Invalid client or Invalid client credentials\\)\\.$`, 'm'));
    expect(denied.stderr + denied.stdout).not.toContain(wrong);

    const none = await runCli(['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'oauthbearer', 'topics']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: SASL OAUTHBEARER needs a token: set FIREHOSE_OAUTH_TOKEN, or give --oauth-token-endpoint URL/m);
  });
});
