// SASL authentication on a new connection: SaslHandshake v1 names the mechanism, then
// SaslAuthenticate v1 carries PLAIN's one message, SCRAM-SHA-256/512's two rounds
// (RFC 5802, through node:crypto) or OAUTHBEARER's bearer token (RFC 7628). The two APIs are written here by hand: they run once
// per connection, and the shared schema registry stays the broker's list.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { scramAttributes, scramClientProof, scramEscapeName, scramKeys, scramServerSignature, type ScramHash } from '../../protocol/scram.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { Connection } from './connection.js';
import { errorName, KafkaConnectionError } from './errors.js';

export type SaslOptions =
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  /** username: who asks, for messages (the client id, or "" with a ready token). */
  | { mechanism: 'oauthbearer'; username: string; token: () => Promise<string> };

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

export async function authenticate(connection: Connection, sasl: SaslOptions): Promise<void> {
  const mechanism = sasl.mechanism.toUpperCase();
  // A broker that lists no SaslHandshake (older firehose embedded brokers) may drop the connection if sent one.
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
      const who = sasl.username ? ` as "${sasl.username}"` : '';
      throw new KafkaConnectionError(connection.broker, `SASL ${mechanism} authentication${who} failed at ${connection.broker}: ${message ?? errorName(code)}`);
    }
    return authBytes;
  };
  if (sasl.mechanism === 'oauthbearer') {
    await oauthBearer(await sasl.token(), step, connection.broker);
    return;
  }
  if (sasl.mechanism === 'plain') {
    await step(Buffer.from(`\0${sasl.username}\0${sasl.password}`, 'utf8'));
    return;
  }
  await scram(sasl, sasl.mechanism === 'scram-sha-256' ? 'sha256' : 'sha512', step, connection.broker);
}

/**
 * RFC 7628's initial response (`n,,` then `auth=Bearer <token>` between ^A separators). A
 * broker that rejects the token answers with a JSON error instead of failing; the client
 * acknowledges it with one ^A and the broker then fails the exchange with its reason.
 */
async function oauthBearer(token: string, step: (bytes: Buffer) => Promise<Buffer>, broker: string): Promise<void> {
  const answer = await step(Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`, 'utf8'));
  if (answer.length === 0) return;
  let status = answer.toString('utf8');
  try {
    status = String((JSON.parse(status) as { status?: unknown }).status ?? status);
  } catch {
    // not JSON: said as it is
  }
  await step(Buffer.from('\x01', 'utf8'));
  throw new KafkaConnectionError(broker, `SASL OAUTHBEARER authentication failed at ${broker}: ${status}`);
}

async function scram(sasl: Extract<SaslOptions, { password: string }>, hash: ScramHash, step: (bytes: Buffer) => Promise<Buffer>, broker: string): Promise<void> {
  const fail = (why: string) => new KafkaConnectionError(broker, `SCRAM authentication as "${sasl.username}" failed at ${broker}: ${why}`);
  const clientNonce = randomBytes(24).toString('base64');
  const clientFirstBare = `n=${scramEscapeName(sasl.username)},r=${clientNonce}`;
  const serverFirst = (await step(Buffer.from(`n,,${clientFirstBare}`, 'utf8'))).toString('utf8');
  // A broker that refuses the user may answer the first message with e=.
  if (serverFirst.startsWith('e=')) throw fail(serverFirst.slice(2));
  const fields = scramAttributes(serverFirst);
  const nonce = fields.get('r');
  const salt = fields.get('s');
  const iterations = Number(fields.get('i'));
  if (!nonce?.startsWith(clientNonce) || !salt || !(iterations > 0)) throw fail(`unexpected server message "${serverFirst}"`);
  const keys = scramKeys(sasl.password, Buffer.from(salt, 'base64'), iterations, hash);
  const finalWithoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${finalWithoutProof}`;
  const proof = scramClientProof(keys, authMessage, hash);
  const serverFinal = (await step(Buffer.from(`${finalWithoutProof},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8');
  if (serverFinal.startsWith('e=')) throw fail(serverFinal.slice(2));
  const expected = scramServerSignature(keys.serverKey, authMessage, hash);
  const got = Buffer.from(serverFinal.startsWith('v=') ? serverFinal.slice(2) : '', 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw fail('the broker did not prove it knows the password');
}
