import { UsageError } from '../errors.js';
import type { OffsetReset } from '../kafka/start-position.js';

// Parsers for command-line flag values, shared by the command files: each turns the text
// the user typed into a value or a UsageError that names the flag. parseDuration stays in
// src/config/duration.ts: config/ converts --connect-timeout and the config file with it too.

/** --offset-reset: earliest or latest (undefined when the flag is not given). */
export function parseOffsetReset(text: string | undefined): OffsetReset | undefined {
  if (text === undefined) return undefined;
  if (text === 'earliest' || text === 'latest') return text;
  throw new UsageError(`--offset-reset must be earliest or latest, not "${text}".`);
}

/** `--isolation-level` (Java's isolation.level): 0 read_uncommitted, 1 read_committed. */
export function parseIsolationLevel(text: string | undefined): 0 | 1 | undefined {
  if (text === undefined) return undefined;
  if (text === 'read_uncommitted') return 0;
  if (text === 'read_committed') return 1;
  throw new UsageError(`--isolation-level must be read_uncommitted or read_committed, not "${text}".`, 'read_committed skips the records of aborted transactions and stops before open ones.');
}

/** A whole number of at least 1 (or 0 with `allowZero`), and no larger than JavaScript counts exactly. */
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

/** A number of at least 0, decimals allowed (`--rate 0.5`). */
export function parseNonNegativeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(value)) throw new UsageError(`${flag} must be a number of at least 0, not "${text}".`);
  return value;
}
