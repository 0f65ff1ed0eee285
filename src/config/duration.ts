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

export function parsePositiveInt(text: string, flag: string, { allowZero = false } = {}): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || (!allowZero && value === 0)) {
    throw new UsageError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} whole number, not "${text}".`);
  }
  return value;
}

/** A TCP port to listen on: 0 (any free port) to 65535. */
export function parsePort(text: string, flag: string): number {
  const port = parsePositiveInt(text, flag, { allowZero: true });
  if (port > 65535) throw new UsageError(`${flag} must be a port from 0 to 65535 (0 picks a free one), not "${text}".`);
  return port;
}

/** Splits `k=v` (the value may itself contain `=`). */
export function parseKeyValue(text: string, flag: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} takes key=value, not "${text}".`, `Example: ${flag} retention.ms=60000`);
  return [text.slice(0, at), text.slice(at + 1)];
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 };

/** Parses `1048576`, `512KiB`, `256MiB`, `1GiB` (and decimal kB/MB/GB) into bytes. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  if (!match || unit === undefined || Number(match[1]) <= 0) {
    throw new UsageError(`${flag} must be a size such as 64MiB, 1GiB or a number of bytes, not "${text}".`);
  }
  return Math.round(Number(match[1]) * unit);
}
