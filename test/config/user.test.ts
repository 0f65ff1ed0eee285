// The user number: flag > FIREHOSE_USER > config file > prompt, else an error with a hint.
import { describe, expect, it, vi } from 'vitest';
import { labNames, parseUserNumber, resolveUser } from '../../src/config/user.js';
import { FirehoseError, UsageError } from '../../src/errors.js';

describe('parseUserNumber', () => {
  it.each([
    ['7', 7],
    ['user7', 7],
    ['USER12', 12],
    [' 42 ', 42],
    ['0', 0],
    ['007', 7],
    ['999999', 999999],
  ])('accepts %j → %i', (text, number) => {
    expect(parseUserNumber(text, '--user')).toBe(number);
  });

  it.each(['', 'seven', 'user', 'user-7', 'u7', '7a', '-1', '1.5', '1234567', 'user 7'])('rejects %j', (text) => {
    expect(() => parseUserNumber(text, '--user')).toThrow(UsageError);
    expect(() => parseUserNumber(text, '--user')).toThrow(/from --user must be a number such as 7 \(or user7\)/);
  });
});

describe('resolveUser', () => {
  const cases: Array<{ name: string; flag?: string; env?: string; config?: number | string; asked?: string; number: number; source: string }> = [
    { name: 'flag first', flag: '1', env: '2', config: 3, asked: '4', number: 1, source: 'flag' },
    { name: 'flag in the user7 form', flag: 'user5', number: 5, source: 'flag' },
    { name: 'FIREHOSE_USER next', env: 'user2', config: 3, asked: '4', number: 2, source: 'env' },
    { name: 'config file next', config: 3, asked: '4', number: 3, source: 'config' },
    { name: 'config file as text', config: 'user8', number: 8, source: 'config' },
    { name: 'the prompt last', asked: 'user4', number: 4, source: 'prompt' },
    { name: 'an empty FIREHOSE_USER is unset', env: '', config: 3, number: 3, source: 'config' },
  ];

  it.each(cases)('$name', async ({ flag, env, config, asked, number, source }) => {
    const ask = asked === undefined ? undefined : vi.fn(async () => asked);
    const resolved = await resolveUser({ flag, env: { FIREHOSE_USER: env }, configUser: config, ask });
    expect(resolved).toEqual({ number, source });
    if (ask && source !== 'prompt') expect(ask).not.toHaveBeenCalled();
  });

  it('says where a bad value came from', async () => {
    await expect(resolveUser({ env: { FIREHOSE_USER: 'bob' } })).rejects.toThrow(/from FIREHOSE_USER/);
    await expect(resolveUser({ env: {}, configUser: 'x' })).rejects.toThrow(/from the config file/);
    await expect(resolveUser({ env: {}, ask: async () => 'nope' })).rejects.toThrow(/from the prompt/);
  });

  it('without any source and no prompt: USER_UNKNOWN, exit 2, a hint naming every way to set it', async () => {
    const error = await resolveUser({ env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FirehoseError);
    expect(error).toBeInstanceOf(UsageError); // with its own code, not USAGE
    const e = error as FirehoseError;
    expect(e.code).toBe('USER_UNKNOWN');
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/not interactive/);
    expect(e.hint).toContain('--user N');
    expect(e.hint).toContain('FIREHOSE_USER=N');
    expect(e.hint).toContain('user: N');
  });

  it('names the lab topic and source group', () => {
    expect(labNames.topic(7)).toBe('my-topic-7');
    expect(labNames.sourceGroup(7)).toBe('knative-group-7');
  });
});
