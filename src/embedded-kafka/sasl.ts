// The broker's side of SASL on one connection, as Apache Kafka's SaslServerAuthenticator
// answers it: SaslHandshake names a mechanism the listener enables, then SaslAuthenticate
// carries PLAIN's one message, SCRAM's two rounds (RFC 5802) or OAUTHBEARER's token (RFC
// 7628, checked as Kafka's unsecured validator does: an unsigned JWT with sub, not expired).
// Until it succeeds, the connection may send only ApiVersions and these two (connection.ts).
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.js';
import { scramAttributes, scramHashOf, scramKeys, scramProofMatches, scramServerSignature, scramUnescapeName, type ScramKeys } from '../protocol/scram.js';

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** A SASL listener's settings. */
export interface SaslListenerOptions {
  /** Mechanisms it enables, e.g. ['PLAIN', 'SCRAM-SHA-256']. */
  mechanisms: SaslMechanism[];
  /** user → password, for PLAIN and SCRAM. Never logged. */
  users: ReadonlyMap<string, string>;
}

/** SCRAM iterations: Kafka's default for users made with kafka-configs / --add-scram. */
export const SCRAM_ITERATIONS = 4096;

/** Per mechanism and user, the SCRAM keys made once (PBKDF2 is slow on purpose). */
const scramCache = new WeakMap<SaslListenerOptions, Map<string, { salt: Buffer; keys: ScramKeys }>>();

function scramCredentials(options: SaslListenerOptions, hash: 'sha256' | 'sha512', user: string): { salt: Buffer; keys: ScramKeys } | undefined {
  const password = options.users.get(user);
  if (password === undefined) return undefined;
  const cache = scramCache.get(options) ?? new Map<string, { salt: Buffer; keys: ScramKeys }>();
  scramCache.set(options, cache);
  const id = `${hash}\0${user}`;
  let entry = cache.get(id);
  if (!entry) {
    const salt = randomBytes(16);
    entry = { salt, keys: scramKeys(password, salt, SCRAM_ITERATIONS, hash) };
    cache.set(id, entry);
  }
  return entry;
}

export interface SaslStep {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  /** Kafka closes the connection after answering a failed step. */
  close: boolean;
}

const failedMessage = (mechanism: string) => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;

/** One connection's SASL state. */
export class SaslSession {
  /** The authenticated user, once authenticated. */
  principal: string | undefined;
  private mechanism: SaslMechanism | undefined;
  private scram: { clientFirstBare: string; serverFirst: string; nonce: string; keys: ScramKeys; hash: 'sha256' | 'sha512' } | undefined;
  private oauthFailed = false;

  constructor(readonly options: SaslListenerOptions) {}

  get authenticated(): boolean {
    return this.principal !== undefined;
  }

  handshake(mechanism: string): { errorCode: number; mechanisms: string[]; close: boolean } {
    const mechanisms = [...this.options.mechanisms];
    if (this.mechanism || this.authenticated) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms, close: true };
    const wanted = mechanisms.find((m) => m === mechanism.toUpperCase());
    if (!wanted || wanted !== mechanism) return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms, close: true };
    this.mechanism = wanted;
    return { errorCode: ErrorCode.NONE, mechanisms, close: false };
  }

  authenticate(bytes: Buffer): SaslStep {
    const ok = (authBytes: Buffer = Buffer.alloc(0)): SaslStep => ({ errorCode: ErrorCode.NONE, errorMessage: null, authBytes, close: false });
    const fail = (message: string): SaslStep => ({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: Buffer.alloc(0), close: true });
    const mechanism = this.mechanism;
    if (!mechanism || this.authenticated) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'Unexpected SaslAuthenticate request: no SaslHandshake, or already authenticated', authBytes: Buffer.alloc(0), close: true };
    }
    if (mechanism === 'PLAIN') {
      // [authzid] NUL authcid NUL passwd
      const [authzid, user, password] = bytes.toString('utf8').split('\0');
      if (user === undefined || password === undefined || !user) return fail('Authentication failed: Invalid username or password');
      if (authzid && authzid !== user) return fail('Authentication failed: Client requested an authorization id that is different from username');
      if (this.options.users.get(user) !== password) return fail('Authentication failed: Invalid username or password');
      this.principal = user;
      return ok();
    }
    if (mechanism === 'OAUTHBEARER') return this.oauthBearer(bytes, ok, fail);
    const hash = scramHashOf(mechanism);
    const text = bytes.toString('utf8');
    if (!this.scram) {
      // client-first: gs2 header "n,," (no channel binding, no authzid) then n=user,r=nonce
      const match = /^n,(?:a=[^,]*)?,(.*)$/s.exec(text);
      const attributes = match ? scramAttributes(match[1]!) : undefined;
      const user = attributes?.get('n');
      const clientNonce = attributes?.get('r');
      if (!match || !user || !clientNonce) return fail(`Authentication failed: Invalid SCRAM client first message`);
      const credentials = scramCredentials(this.options, hash, scramUnescapeName(user));
      if (!credentials) return fail(failedMessage(mechanism));
      const nonce = clientNonce + randomBytes(18).toString('base64');
      const serverFirst = `r=${nonce},s=${credentials.salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
      this.scram = { clientFirstBare: match[1]!, serverFirst, nonce, keys: credentials.keys, hash };
      return ok(Buffer.from(serverFirst, 'utf8'));
    }
    const { clientFirstBare, serverFirst, nonce, keys } = this.scram;
    const proofAt = text.lastIndexOf(',p=');
    const finalWithoutProof = proofAt < 0 ? text : text.slice(0, proofAt);
    const attributes = scramAttributes(finalWithoutProof);
    // endsWith, as Kafka's ScramSaslServer checks: librdkafka sends its own nonce again before the combined one.
    if (proofAt < 0 || !attributes.get('r')?.endsWith(nonce)) return fail(failedMessage(mechanism));
    const authMessage = `${clientFirstBare},${serverFirst},${finalWithoutProof}`;
    if (!scramProofMatches(keys.storedKey, Buffer.from(text.slice(proofAt + 3), 'base64'), authMessage, hash)) return fail(failedMessage(mechanism));
    this.principal = scramUnescapeName(scramAttributes(clientFirstBare).get('n')!);
    return ok(Buffer.from(`v=${scramServerSignature(keys.serverKey, authMessage, hash).toString('base64')}`, 'utf8'));
  }

  /**
   * Kafka's unsecured validator: an unsigned JWT ("alg":"none") with a sub claim and an exp
   * in the future. A bad token is answered with a JSON error first; the client acknowledges
   * it with ^A, and then the exchange fails.
   */
  private oauthBearer(bytes: Buffer, ok: (b?: Buffer) => SaslStep, fail: (m: string) => SaslStep): SaslStep {
    if (this.oauthFailed) return fail(failedMessage('OAUTHBEARER'));
    const token = /auth=Bearer ([^\x01]+)\x01/.exec(bytes.toString('utf8'))?.[1];
    const claims = token ? unsignedJwtClaims(token) : undefined;
    const now = Date.now() / 1000;
    if (!claims || typeof claims.sub !== 'string' || !claims.sub || typeof claims.exp !== 'number' || claims.exp <= now) {
      this.oauthFailed = true;
      return ok(Buffer.from(JSON.stringify({ status: 'invalid_token' }), 'utf8'));
    }
    this.principal = claims.sub;
    return ok();
  }
}

function unsignedJwtClaims(token: string): Record<string, unknown> | undefined {
  const [header, payload] = token.split('.');
  try {
    const head = JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
    if (head.alg !== 'none') return undefined;
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
