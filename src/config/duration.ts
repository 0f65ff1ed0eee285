import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest delay Node's timers take (2^31-1 ms, about 24.8 days): a longer one fires at
 * once, with a TimeoutOverflowWarning, so every duration flag stops here.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * Parses `500ms`, `10s`, `5m`, `1h`; a bare number means seconds, because that is
 * what people type at a prompt (`--idle-timeout 5`). Zero is refused unless `allowZero`
 * (a timeout of 0 fails everything at once), and so is anything a timer cannot hold.
 */
export function parseDuration(text: string, flag: string, { allowZero = false } = {}): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) {
    throw new UsageError(`${flag} must be a duration such as 500ms, 10s or 5m, not "${text}".`);
  }
  const ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
  if (ms === 0 && !allowZero) {
    throw new UsageError(`${flag} must be longer than 0, not "${text}".`, `Example: ${flag} 10s`);
  }
  if (ms > MAX_DURATION_MS) {
    throw new UsageError(`${flag} must be at most ${MAX_DURATION_MS}ms (about 596h, the longest timer Node has), not "${text}".`);
  }
  return ms;
}
