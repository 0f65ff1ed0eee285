import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, parseDuration } from '../../src/config/duration.js';
import { UsageError } from '../../src/errors.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['5', 5_000],
    ['0.5s', 500],
    ['1.5', 1_500],
    ['2.5ms', 3],
    ['2147483647ms', 2_147_483_647],
    [' 10s ', 10_000],
  ])('%j → %i ms', (text, ms) => {
    expect(parseDuration(text, '--idle-timeout')).toBe(ms);
  });

  it.each(['', 'ten', '10 s', '10sec', '-5s', '1d', '.5s', '5.s', 's', '1e3'])('rejects %j', (text) => {
    expect(() => parseDuration(text, '--idle-timeout')).toThrow(UsageError);
    expect(() => parseDuration(text, '--idle-timeout')).toThrow(`--idle-timeout must be a duration such as 500ms, 10s or 5m, not "${text}".`);
  });
});

describe('parseDuration: zero and the timer limit', () => {
  it.each(['0', '0s', '0ms', '0.0004s'])('rejects %j (a zero timeout fails everything at once)', (text) => {
    expect(() => parseDuration(text, '--connect-timeout')).toThrow(UsageError);
    expect(() => parseDuration(text, '--connect-timeout')).toThrow(`--connect-timeout must be longer than 0, not "${text}".`);
  });

  it('takes zero where the caller allows it', () => {
    expect(parseDuration('0', '--backoff', { allowZero: true })).toBe(0);
    expect(parseDuration('0ms', '--cold-start', { allowZero: true })).toBe(0);
  });

  it.each(['99999999999s', '2147483648ms', '597h', '99999999999999999999999h'])('rejects %j: longer than a Node timer holds, naming the flag and the maximum', (text) => {
    let thrown: unknown;
    try {
      parseDuration(text, '--idle-timeout');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(2);
    expect((thrown as UsageError).message).toBe(`--idle-timeout must be at most ${MAX_DURATION_MS}ms (about 596h, the longest timer Node has), not "${text}".`);
  });
});
