// The spammer's values must match the workshop's kafka-python spammer byte for byte.
import { describe, expect, it } from 'vitest';
import { spamValue, spamValues } from '../../src/kafka/spam.js';

describe('spamValue', () => {
  it.each([
    [0, '{ "message": "Sending Message: 0" }'],
    [1, '{ "message": "Sending Message: 1" }'],
    [42, '{ "message": "Sending Message: 42" }'],
    [999_999, '{ "message": "Sending Message: 999999" }'],
    [1_000_000, '{ "message": "Sending Message: 1000000" }'],
  ])('record %i', (i, value) => {
    expect(spamValue(i)).toBe(value);
  });

  it('is exactly these bytes: ASCII, spaces inside the braces, no newline', () => {
    expect(Buffer.from(spamValue(7), 'utf8').toString('hex')).toBe(Buffer.from('{ "message": "Sending Message: 7" }', 'latin1').toString('hex'));
    expect(Buffer.byteLength(spamValue(7))).toBe(35);
    expect(spamValue(123)).not.toMatch(/\n|,/);
  });

  it('is the JSON the Python spammer writes', () => {
    expect(JSON.parse(spamValue(5))).toEqual({ message: 'Sending Message: 5' });
  });

  it('never groups digits (no locale formatting)', () => {
    expect(spamValue(1234567)).toContain('1234567');
  });
});

describe('spamValues', () => {
  it('holds spamValue(from) … spamValue(to - 1) back to back, with where each ends', () => {
    const { bytes, ends } = spamValues(998, 1003);
    const cut = Array.from(ends, (end, k) => bytes.subarray(k === 0 ? 0 : ends[k - 1], end).toString('latin1'));
    expect(cut).toEqual([998, 999, 1000, 1001, 1002].map(spamValue));
    expect(ends.at(-1)).toBe(bytes.length);
  });
});

describe('spamValues at the edges of digit counts', () => {
  it.each([[0, 12], [99_995, 100_005], [9_999_990, 10_000_010]])('%i … %i', (from, to) => {
    const { bytes, ends } = spamValues(from, to);
    const cut = Array.from(ends, (end, k) => bytes.subarray(k === 0 ? 0 : ends[k - 1], end).toString('latin1'));
    expect(cut).toEqual(Array.from({ length: to - from }, (_, k) => spamValue(from + k)));
  });
});
