import { describe, expect, it } from 'vitest';
import { formatCount } from '../../src/util/count.js';

describe('formatCount', () => {
  it('writes what toLocaleString("en-US") writes for integers', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 10_000_000, 1_234_567_890, -1234, 2 ** 53 - 1]) {
      expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
    }
  });

  it('rounds a rate to a whole number first', () => {
    expect(formatCount(1234.6)).toBe('1,235');
  });
});
