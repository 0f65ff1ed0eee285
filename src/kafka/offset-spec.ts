/**
 * Where a groupless consume starts in each partition, as kcat's `-o` says it: beginning,
 * end, an absolute offset, N before the end, or the first record at or after a time.
 */
import { UsageError } from '../errors.js';

export type OffsetSpec =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'absolute'; offset: number }
  | { kind: 'from-end'; count: number }
  | { kind: 'timestamp'; ms: number };

/** `beginning`, `end`, `42`, `-10` (ten before the end), `@1700000000000` or kcat's `s@...` (a time in ms). */
export function parseOffsetSpec(text: string, flag = '--offset'): OffsetSpec {
  const value = text.trim();
  if (value === 'beginning' || value === 'earliest') return { kind: 'beginning' };
  if (value === 'end' || value === 'latest') return { kind: 'end' };
  let match = /^(?:s?@)(\d+)$/.exec(value);
  if (match) return { kind: 'timestamp', ms: Number(match[1]) };
  match = /^(-?)(\d+)$/.exec(value);
  if (match && Number.isSafeInteger(Number(match[2]))) {
    return match[1] ? { kind: 'from-end', count: Number(match[2]) } : { kind: 'absolute', offset: Number(match[2]) };
  }
  throw new UsageError(
    `${flag} must be beginning, end, an offset (42), a count back from the end (-10) or a time in ms (@1700000000000), not "${text}".`,
    `Example: ${flag} -10 reads the last ten records of each partition.`,
  );
}

/** What the spec means, for the "Start:" line. */
export function describeOffsetSpec(spec: OffsetSpec): string {
  switch (spec.kind) {
    case 'beginning': return 'the earliest offset';
    case 'end': return 'the end (new records only)';
    case 'absolute': return `offset ${spec.offset} (or the nearest one that still exists)`;
    case 'from-end': return `${spec.count} record${spec.count === 1 ? '' : 's'} before the end`;
    case 'timestamp': return `the first record at or after ${new Date(spec.ms).toISOString()}`;
  }
}

/**
 * Each partition's first offset for `spec`, given its earliest and end offsets (and, for a
 * time, the offset ListOffsets found for it: -1 when no record is that new, so the end).
 * Offsets outside what the partition holds are brought inside it.
 */
export function startOffset(spec: OffsetSpec, earliest: number, end: number, forTime?: number): number {
  const inside = (offset: number) => Math.min(Math.max(offset, earliest), end);
  switch (spec.kind) {
    case 'beginning': return earliest;
    case 'end': return end;
    case 'absolute': return inside(spec.offset);
    case 'from-end': return inside(end - spec.count);
    case 'timestamp': return forTime === undefined || forTime < 0 ? end : inside(forTime);
  }
}
