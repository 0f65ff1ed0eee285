import { UsageError } from '../errors.js';
import type { OffsetReset } from '../kafka/start-position.js';

// Parsers for command-line flag values, shared by the command files: each turns the text
// the user typed into a value or a UsageError that names the flag.

/** --offset-reset: earliest or latest (undefined when the flag is not given). */
export function parseOffsetReset(text: string | undefined): OffsetReset | undefined {
  if (text === undefined) return undefined;
  if (text === 'earliest' || text === 'latest') return text;
  throw new UsageError(`--offset-reset must be earliest or latest, not "${text}".`);
}
