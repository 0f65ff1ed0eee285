// kafka start's --users-file and --sasl parsing, and the three client-certificate modes of a
// TLS listener (Kafka's ssl.client.auth) with firehose's own wire client.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSaslMechanisms, readUsersFile, resolveListenerSecurity } from '../../src/embedded-kafka/security.js';
import { startEmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { parseHostPort } from '../../src/kafka/wire/cluster.js';
import { Connection } from '../../src/kafka/wire/connection.js';

const dir = mkdtempSync(join(tmpdir(), 'firehose-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--users-file and --sasl', () => {
  it('reads user:password lines (a password may hold colons; # comments, blank lines) and JSON objects', () => {
    const lines = join(dir, 'users.txt');
    writeFileSync(lines, '# the lab\n\nalice:a:b:c\r\n  bob:pw  \n');
    expect([...readUsersFile(lines)]).toEqual([['alice', 'a:b:c'], ['bob', 'pw']]);
    const json = join(dir, 'users.json');
    writeFileSync(json, '{"alice": "s3cret", "bob": "x"}');
    expect([...readUsersFile(json)]).toEqual([['alice', 's3cret'], ['bob', 'x']]);
  });

  it('a bad line is named by its number, never shown (it may hold a password); bad JSON says so', () => {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'alice:ok\nhunter2-without-user\n');
    const error = (() => { try { readUsersFile(bad); } catch (e) { return e as Error; } })();
    expect(error?.message).toBe(`--users-file ${bad}, line 2: not user:password`);
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"alice": 7}');
    expect(() => readUsersFile(badJson)).toThrow(`--users-file ${badJson}: the entry for "alice" is not a password string`);
    expect(() => readUsersFile(join(dir, 'missing'))).toThrow(/cannot read it \(ENOENT\)/);
  });

  it('mechanisms: repeatable, comma lists, any case, no duplicates; unknown ones refused', () => {
    expect(parseSaslMechanisms(['plain,scram-sha-256', 'SCRAM-SHA-512', 'plain'])).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(() => parseSaslMechanisms(['gssapi'])).toThrow('--sasl GSSAPI: not a SASL mechanism the embedded broker has');
  });

  it('OAUTHBEARER alone needs no users; the environment\'s user joins the file\'s', async () => {
    expect((await resolveListenerSecurity({ sasl: { mechanisms: ['OAUTHBEARER'] } })).users).toEqual([]);
    const file = join(dir, 'one.txt');
    writeFileSync(file, 'alice:a\n');
    const both = await resolveListenerSecurity({ sasl: { mechanisms: ['PLAIN'], usersFile: file, envUser: { username: 'bob', password: 'b' } } });
    expect(both.users).toEqual(['alice', 'bob']);
  });
});

describe('a TLS listener\'s client certificates (--tls-client-auth)', () => {
  it('a key that is not the certificate\'s is refused before listening, naming the listener', async () => {
    const security = await resolveListenerSecurity({ tls: { dir: join(dir, 'tls'), clientAuth: 'none' } });
    const other = await resolveListenerSecurity({ tls: { dir: join(dir, 'tls-other'), clientAuth: 'none' } });
    const tls = { ...security.listener.tls!, keyPem: other.listener.tls!.keyPem };
    await expect(startEmbeddedBroker({ port: 0, listeners: [{ name: 'SSL', tls }] })).rejects.toThrow(/^the SSL listener cannot use its key and certificate: .*key values mismatch/);
  });

  for (const [mode, withoutCertificate] of [['required', 'refused'], ['requested', 'served'], ['none', 'served']] as const) {
    it(`${mode}: a client with a certificate is served, one without is ${withoutCertificate}`, async () => {
      const security = await resolveListenerSecurity({ tls: { dir: join(dir, 'tls'), clientAuth: mode } });
      const files = security.tlsFiles!.files;
      const broker = await startEmbeddedBroker({ port: 0, listeners: [{ ...security.listener }] });
      try {
        expect(broker.listeners[0]!.protocol).toBe('SSL');
        const address = parseHostPort(broker.bootstrap);
        const ca = readFileSync(files.ca);
        const withCert = await Connection.open({ ...address, tls: { ca, cert: readFileSync(files.client), key: readFileSync(files.clientKey) } });
        withCert.close();
        const without = await Connection.open({ ...address, connectTimeoutMs: 5_000, tls: { ca } }).then(async (c) => {
          // TLS 1.3: a missing certificate is refused after the handshake, at the first request.
          try {
            await c.request('Metadata', { topics: [] });
            return 'served';
          } finally {
            c.close();
          }
        }, () => 'refused').catch(() => 'refused');
        expect(without).toBe(withoutCertificate);
      } finally {
        await broker.stop();
      }
    });
  }
});
