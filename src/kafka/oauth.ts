// SASL OAUTHBEARER's token: one given as it is (FIREHOSE_OAUTH_TOKEN), or one from an OAuth 2
// token endpoint by the client-credentials grant (RFC 6749 4.4), as Kafka's own
// OAuthBearerLoginCallbackHandler and Strimzi's OAuth client get theirs: the client id and
// secret in HTTP Basic auth, an optional scope. A fetched token is kept until shortly before
// it expires, so new connections reuse it. The secret never appears in errors.
import { FirehoseError } from '../errors.js';

export interface ClientCredentials {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  timeoutMs?: number;
}

/** A function that returns a current token, fetching one when there is none or it is about to expire. */
export type TokenSource = () => Promise<string>;

export function staticToken(token: string): TokenSource {
  return async () => token;
}

/** RFC 6749's form encoding of client credentials for Basic auth (application/x-www-form-urlencoded, then base64). */
function basicAuth(id: string, secret: string): string {
  const form = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${form(id)}:${form(secret)}`).toString('base64')}`;
}

export function clientCredentialsToken(options: ClientCredentials, now: () => number = Date.now): TokenSource {
  let current: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(options.scope ? { scope: options.scope } : {}) });
    const where = `the OAuth token endpoint ${options.tokenEndpoint}`;
    let response: Response;
    try {
      response = await fetch(options.tokenEndpoint, {
        method: 'POST',
        headers: { authorization: basicAuth(options.clientId, options.clientSecret), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new FirehoseError('SASL_FAILED', `Cannot reach ${where}: ${cause?.code ?? cause?.message ?? (error as Error).message}.`, {
        hint: 'Check --oauth-token-endpoint (or FIREHOSE_OAUTH_TOKEN_ENDPOINT).',
      });
    }
    const text = await response.text();
    let answer: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      // said below
    }
    if (!response.ok || typeof answer.access_token !== 'string') {
      const why = typeof answer.error === 'string' ? `${answer.error}${typeof answer.error_description === 'string' ? `: ${answer.error_description}` : ''}` : `HTTP ${response.status}${response.ok ? ', no access_token in the answer' : ''}`;
      throw new FirehoseError('SASL_FAILED', `${where} gave client ${options.clientId} no token (${why}).`, {
        hint: 'Check the client id (--sasl-username), its secret (FIREHOSE_SASL_PASSWORD) and --oauth-scope.',
      });
    }
    const lifetimeMs = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in * 1000 : 3_600_000;
    // Refresh at 80% of the lifetime, as Kafka's login refresh does by default.
    current = { token: answer.access_token, refreshAt: now() + lifetimeMs * 0.8 };
    return answer.access_token;
  };
  return async () => {
    if (current && now() < current.refreshAt) return current.token;
    pending ??= fetchToken().finally(() => { pending = undefined; });
    return pending;
  };
}
