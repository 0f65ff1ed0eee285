// SCRAM-SHA-256/512 (RFC 5802, RFC 7677) as Kafka uses it: the math both sides share. The
// client (kafka/wire/sasl.ts) proves it knows the password; the embedded broker
// (embedded-kafka/sasl.ts) checks that proof and proves itself back.
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

export type ScramHash = 'sha256' | 'sha512';

/** The hash of a SCRAM mechanism name (SCRAM-SHA-256 → sha256). */
export function scramHashOf(mechanism: string): ScramHash {
  return mechanism.toUpperCase() === 'SCRAM-SHA-512' ? 'sha512' : 'sha256';
}

/** The keys a password yields for one salt and iteration count (what a broker may store instead of the password). */
export interface ScramKeys {
  salted: Buffer;
  clientKey: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

export function scramKeys(password: string, salt: Buffer, iterations: number, hash: ScramHash): ScramKeys {
  const salted = pbkdf2Sync(password, salt, iterations, hash === 'sha256' ? 32 : 64, hash);
  const clientKey = scramHmac(hash, salted, 'Client Key');
  return { salted, clientKey, storedKey: createHash(hash).update(clientKey).digest(), serverKey: scramHmac(hash, salted, 'Server Key') };
}

export function scramHmac(hash: ScramHash, key: Buffer, text: string): Buffer {
  return createHmac(hash, key).update(text, 'utf8').digest();
}

/** ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage). */
export function scramClientProof(keys: Pick<ScramKeys, 'clientKey' | 'storedKey'>, authMessage: string, hash: ScramHash): Buffer {
  const signature = scramHmac(hash, keys.storedKey, authMessage);
  return Buffer.from(keys.clientKey.map((b, i) => b ^ signature[i]!));
}

/** The server's check of a proof: H(proof XOR HMAC(StoredKey, AuthMessage)) must be StoredKey. */
export function scramProofMatches(storedKey: Buffer, proof: Buffer, authMessage: string, hash: ScramHash): boolean {
  const signature = scramHmac(hash, storedKey, authMessage);
  if (proof.length !== signature.length) return false;
  const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
  return timingSafeEqual(createHash(hash).update(clientKey).digest(), storedKey);
}

/** ServerSignature = HMAC(ServerKey, AuthMessage): the server's proof, sent as v=. */
export function scramServerSignature(serverKey: Buffer, authMessage: string, hash: ScramHash): Buffer {
  return scramHmac(hash, serverKey, authMessage);
}

/** A SCRAM message's attributes (`n=user,r=nonce`): the first letter of each, the rest after "=". */
export function scramAttributes(message: string): Map<string, string> {
  return new Map(message.split(',').map((kv) => [kv[0] ?? '', kv.slice(2)]));
}

/** RFC 5802's escaping of a username ("=" and "," as =3D and =2C), and its reverse. */
export function scramEscapeName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export function scramUnescapeName(name: string): string {
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}
