import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, parseDuration, parseKeyValue, parsePositiveInt } from '../../src/config/duration.js';
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

describe('parsePositiveInt', () => {
  it.each([
    ['1', 1],
    ['10', 10],
    ['1000000', 1_000_000],
    [' 7 ', 7],
    ['007', 7],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('%j → %i', (text, value) => {
    expect(parsePositiveInt(text, '--times')).toBe(value);
  });

  it.each(['0', '-1', '1.5', '1e3', 'ten', '', '0x10', '9007199254740993'])('rejects %j', (text) => {
    expect(() => parsePositiveInt(text, '--times')).toThrow(`--times must be a positive whole number, not "${text}".`);
  });

  it('allows zero when asked, and says non-negative', () => {
    expect(parsePositiveInt('0', '--partition', { allowZero: true })).toBe(0);
    expect(() => parsePositiveInt('-1', '--partition', { allowZero: true })).toThrow('--partition must be a non-negative whole number, not "-1".');
  });
});

describe('parseKeyValue', () => {
  it.each([
    ['retention.ms=60000', ['retention.ms', '60000']],
    ['k=', ['k', '']],
    ['url=http://x/?a=b', ['url', 'http://x/?a=b']],
    ['k==v', ['k', '=v']],
    ['with space= v ', ['with space', ' v ']],
  ])('%j → %j', (text, pair) => {
    expect(parseKeyValue(text, '--config')).toEqual(pair);
  });

  it.each(['novalue', '=v', ''])('rejects %j with an example', (text) => {
    let thrown: unknown;
    try {
      parseKeyValue(text, '--header');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).message).toBe(`--header takes key=value, not "${text}".`);
    expect((thrown as UsageError).hint).toBe('Example: --header retention.ms=60000');
  });
});
