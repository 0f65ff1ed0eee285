import { UsageError } from '../errors.js';
import type { AskSecret } from '../logger.js';
import type { EnvSource } from './env.js';

/**
 * A password or passphrase: from its environment variable, else a prompt on a terminal,
 * else a one-line error naming the variable. Never from a flag (flags show in `ps`).
 */
export async function secretFrom(envName: string, question: string, deps: { env: EnvSource; askSecret?: AskSecret }, missingHint: string): Promise<string> {
  const fromEnv = deps.env[envName];
  if (fromEnv !== undefined) return fromEnv;
  if (deps.askSecret) return deps.askSecret(question);
  throw new UsageError(`${question.replace(/:$/, '')} is needed and this shell cannot prompt for it.`, missingHint, { code: 'SECRET_MISSING' });
}
