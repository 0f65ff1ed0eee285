// SaslHandshake and SaslAuthenticate (Kafka's message JSON, served versions). SaslHandshake
// is never flexible; SaslAuthenticate is from v2.
import { arr, f, message } from '../schema.js';

export const SaslHandshakeRequest = message(99, [f('mechanism', 'string', '0+')]);

export const SaslHandshakeResponse = message(99, [f('errorCode', 'int16', '0+'), arr('mechanisms', 'string', '0+')]);

export const SaslAuthenticateRequest = message(2, [f('authBytes', 'bytes', '0+')]);

export const SaslAuthenticateResponse = message(2, [
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
  f('authBytes', 'bytes', '0+'),
  f('sessionLifetimeMs', 'int64', '1+', { default: 0n }),
]);
