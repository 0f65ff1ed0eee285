// consume --offset (kcat -o): parsing, and where each partition starts.
import { describe, expect, it } from 'vitest';
import { parseOffsetSpec, startOffset } from '../../src/kafka/offset-spec.js';

describe('parseOffsetSpec', () => {
  it.each([
    ['beginning', { kind: 'beginning' }],
    ['end', { kind: 'end' }],
    ['42', { kind: 'absolute', offset: 42 }],
    ['-10', { kind: 'from-end', count: 10 }],
    ['@1700000000000', { kind: 'timestamp', ms: 1700000000000 }],
    ['s@1700000000000', { kind: 'timestamp', ms: 1700000000000 }],
  ])('%s', (text, spec) => {
    expect(parseOffsetSpec(text)).toEqual(spec);
  });

  it.each(['', 'soon', '4.5', '@', '--3', '99999999999999999999'])('"%s" is a usage error', (text) => {
    expect(() => parseOffsetSpec(text)).toThrow(/--offset must be beginning, end, an offset/);
  });
});

describe('startOffset (partition holding 10..20)', () => {
  it.each([
    [{ kind: 'beginning' } as const, undefined, 10],
    [{ kind: 'end' } as const, undefined, 20],
    [{ kind: 'absolute', offset: 15 } as const, undefined, 15],
    [{ kind: 'absolute', offset: 3 } as const, undefined, 10],
    [{ kind: 'absolute', offset: 99 } as const, undefined, 20],
    [{ kind: 'from-end', count: 4 } as const, undefined, 16],
    [{ kind: 'from-end', count: 40 } as const, undefined, 10],
    [{ kind: 'timestamp', ms: 1 } as const, 12, 12],
    [{ kind: 'timestamp', ms: 1 } as const, -1, 20],
  ])('%j (time offset %s) → %i', (spec, forTime, expected) => {
    expect(startOffset(spec, 10, 20, forTime)).toBe(expected);
  });
});
