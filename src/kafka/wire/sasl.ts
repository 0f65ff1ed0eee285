// SASL authentication on a new connection: SaslHandshake v1 names the mechanism, then
// SaslAuthenticate v1 carries PLAIN's one message or SCRAM-SHA-256/512's two rounds
// (RFC 5802, through node:crypto). The two APIs are written here by hand: they run once
// per connection, and the shared schema registry stays the broker's list.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { Connection } from './connection.js';
import { errorName, KafkaConnectionError } from './errors.js';

export interface SaslOptions {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

export async function authenticate(connection: Connection, sasl: SaslOptions): Promise<void> {
  const mechanism = sasl.mechanism.toUpperCase();
  // A listener without SASL (firehose's embedded broker) does not list SaslHandshake, and may drop the connection if sent one.
  if (!connection.serves(SASL_HANDSHAKE)) throw new KafkaConnectionError(connection.broker, `Kafka broker ${connection.broker} does not accept SASL ${mechanism}`);
  const handshake = await connection.rawRequest(SASL_HANDSHAKE, 1, (w) => w.string(mechanism));
  const errorCode = handshake.int16();
  const offered: string[] = [];
  for (let n = handshake.int32(); n > 0; n--) offered.push(handshake.string() ?? '');
  if (errorCode !== ErrorCode.NONE) {
    throw new KafkaConnectionError(connection.broker, `Kafka broker ${connection.broker} does not accept SASL ${mechanism}${offered.length ? ` (it offers ${offered.join(', ')})` : ''}`);
  }
  const step = async (bytes: Buffer): Promise<Buffer> => {
    const answer = await connection.rawRequest(SASL_AUTHENTICATE, 1, (w) => w.bytes(bytes));
    const code = answer.int16();
    const message = answer.string();
    const authBytes = answer.bytes() ?? Buffer.alloc(0);
    if (code !== ErrorCode.NONE) {
      throw new KafkaConnectionError(connection.broker, `SASL ${mechanism} authentication as "${sasl.username}" failed at ${connection.broker}: ${message ?? errorName(code)}`);
    }
    return authBytes;
  };
  if (sasl.mechanism === 'plain') {
    await step(Buffer.from(`\0${sasl.username}\0${sasl.password}`, 'utf8'));
    return;
  }
  await scram(sasl, sasl.mechanism === 'scram-sha-256' ? 'sha256' : 'sha512', step, connection.broker);
}

async function scram(sasl: SaslOptions, hash: 'sha256' | 'sha512', step: (bytes: Buffer) => Promise<Buffer>, broker: string): Promise<void> {
  const fail = (why: string) => new KafkaConnectionError(broker, `SCRAM authentication as "${sasl.username}" failed at ${broker}: ${why}`);
  const clientNonce = randomBytes(24).toString('base64');
  const name = sasl.username.replace(/=/g, '=3D').replace(/,/g, '=2C');
  const clientFirstBare = `n=${name},r=${clientNonce}`;
  const serverFirst = (await step(Buffer.from(`n,,${clientFirstBare}`, 'utf8'))).toString('utf8');
  const fields = new Map(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  const nonce = fields.get('r');
  const salt = fields.get('s');
  const iterations = Number(fields.get('i'));
  if (!nonce?.startsWith(clientNonce) || !salt || !(iterations > 0)) throw fail(`unexpected server message "${serverFirst}"`);
  const hmac = (key: Buffer, text: string) => createHmac(hash, key).update(text, 'utf8').digest();
  const salted = pbkdf2Sync(sasl.password, Buffer.from(salt, 'base64'), iterations, hash === 'sha256' ? 32 : 64, hash);
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash(hash).update(clientKey).digest();
  const finalWithoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${finalWithoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  const serverFinal = (await step(Buffer.from(`${finalWithoutProof},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8');
  if (serverFinal.startsWith('e=')) throw fail(serverFinal.slice(2));
  const expected = hmac(hmac(salted, 'Server Key'), authMessage);
  const got = Buffer.from(serverFinal.startsWith('v=') ? serverFinal.slice(2) : '', 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw fail('the broker did not prove it knows the password');
}
