import { describe, expect, it } from 'vitest';
import { parseKeyValue, parsePositiveInt } from '../../src/cli/flags.js';
import { UsageError } from '../../src/errors.js';

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
