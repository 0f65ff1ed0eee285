// The embedded broker's SASL listener with a raw client: what may come before
// authentication, what a refused mechanism and a failed login get (Kafka's error codes and
// messages, then the connection closes), and SaslAuthenticate v2 (flexible) for SCRAM.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { scramAttributes, scramClientProof, scramKeys, scramServerSignature } from '../../src/protocol/scram.js';
import { RawClient } from '../support/raw-kafka-client.js';

let broker: EmbeddedBroker;
const logged: string[] = [];
const sasl = () => broker.listeners.find((l) => l.name === 'SASL')!;

beforeAll(async () => {
  const log = (line: string) => void logged.push(line);
  broker = await startEmbeddedBroker({
    port: 0,
    log: { debug: log, info: log, warn: log },
    listeners: [{}, { name: 'SASL', sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256'], users: new Map([['alice', 'pw-alice']]) } }],
  });
});
afterAll(() => broker?.stop());

describe('embedded broker: a SASL listener', () => {
  it('is SASL_PLAINTEXT on its own port and advertises that port in Metadata', async () => {
    expect(broker.listeners.map((l) => l.protocol)).toEqual(['PLAINTEXT', 'SASL_PLAINTEXT']);
    const client = await RawClient.open(sasl().port);
    await client.request(API_KEY.SaslHandshake, 1, { mechanism: 'PLAIN' });
    const auth = await client.request(API_KEY.SaslAuthenticate, 1, { authBytes: Buffer.from('\0alice\0pw-alice') });
    expect(auth.errorCode).toBe(ErrorCode.NONE);
    const metadata = await client.request(API_KEY.Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(metadata.brokers).toEqual([expect.objectContaining({ host: '127.0.0.1', port: sasl().port })]);
    client.close();
  });

  it('answers ApiVersions before authentication, and closes the connection on any other request', async () => {
    const client = await RawClient.open(sasl().port);
    const versions = await client.request(API_KEY.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(versions.apiKeys.map((k: { apiKey: number }) => k.apiKey)).toEqual(expect.arrayContaining([API_KEY.SaslHandshake, API_KEY.SaslAuthenticate]));
    void client.request(API_KEY.Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    await client.closed;
    expect(logged.at(-1)).toMatch(/sent Metadata before authenticating on this SASL listener/);
  });

  it('closes a connection whose request before authentication is over 512 KiB (Kafka\'s sasl.server.max.receive.size)', async () => {
    const client = await RawClient.open(sasl().port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(600 * 1024);
    client.sendRaw(size);
    await client.closed;
    expect(logged.at(-1)).toMatch(/request of 614400 bytes before authenticating is over the 524288-byte limit/);
  });

  it('refuses a mechanism it does not enable with UNSUPPORTED_SASL_MECHANISM and the ones it does, then closes', async () => {
    const client = await RawClient.open(sasl().port);
    const answer = await client.request(API_KEY.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-512' });
    expect(answer).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
    await client.closed;
  });

  it('a wrong PLAIN password: SASL_AUTHENTICATION_FAILED with Kafka\'s message, then the connection closes', async () => {
    const client = await RawClient.open(sasl().port);
    await client.request(API_KEY.SaslHandshake, 1, { mechanism: 'PLAIN' });
    const answer = await client.request(API_KEY.SaslAuthenticate, 2, { authBytes: Buffer.from('\0alice\0wrong') });
    expect(answer).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password' });
    await client.closed;
    expect(logged.join('\n')).not.toContain('wrong');
  });

  it('SCRAM-SHA-256 over SaslAuthenticate v2: the proof is checked and the broker proves itself; a wrong proof fails', async () => {
    for (const password of ['pw-alice', 'not-it']) {
      const client = await RawClient.open(sasl().port);
      await client.request(API_KEY.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
      const nonce = randomBytes(12).toString('base64');
      const first = await client.request(API_KEY.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,n=alice,r=${nonce}`) });
      expect(first.errorCode).toBe(ErrorCode.NONE);
      const serverFirst = first.authBytes.toString();
      const fields = scramAttributes(serverFirst);
      expect(fields.get('r')!.startsWith(nonce)).toBe(true);
      const keys = scramKeys(password, Buffer.from(fields.get('s')!, 'base64'), Number(fields.get('i')), 'sha256');
      const withoutProof = `c=biws,r=${fields.get('r')}`;
      const authMessage = `n=alice,r=${nonce},${serverFirst},${withoutProof}`;
      const final = await client.request(API_KEY.SaslAuthenticate, 2, { authBytes: Buffer.from(`${withoutProof},p=${scramClientProof(keys, authMessage, 'sha256').toString('base64')}`) });
      if (password === 'pw-alice') {
        expect(final.errorCode).toBe(ErrorCode.NONE);
        expect(final.authBytes.toString()).toBe(`v=${scramServerSignature(keys.serverKey, authMessage, 'sha256').toString('base64')}`);
        client.close();
      } else {
        expect(final).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256' });
        await client.closed;
      }
    }
  });

  it('the plaintext listener answers a SaslHandshake with ILLEGAL_SASL_STATE and goes on serving, as Kafka\'s does', async () => {
    const client = await RawClient.open(broker.port);
    const answer = await client.request(API_KEY.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expect(answer.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    const metadata = await client.request(API_KEY.Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(metadata.brokers[0].port).toBe(broker.port);
    client.close();
  });
});
