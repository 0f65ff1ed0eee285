// lineToRecord: one stdin line → one record for firehose's producer.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { lineToRecord, type ProduceOptions } from '../../src/kafka/produce.js';

const base: ProduceOptions = { topic: 't', headers: {}, acks: -1, interactive: false };

describe('lineToRecord', () => {
  it.each<[string, Partial<ProduceOptions>, string, object]>([
    ['value only', {}, 'hello', { key: null, value: 'hello' }],
    ['an empty line', {}, '', { key: null, value: '' }],
    ['a fixed key', { key: 'k1' }, 'hello', { key: 'k1', value: 'hello' }],
    ['an empty fixed key', { key: '' }, 'hello', { key: '', value: 'hello' }],
    ['key separator', { keySeparator: ':' }, 'id-1:hello', { key: 'id-1', value: 'hello' }],
    ['split at the first separator only', { keySeparator: ':' }, 'a:b:c', { key: 'a', value: 'b:c' }],
    ['a multi-character separator', { keySeparator: '::' }, 'k::v:w', { key: 'k', value: 'v:w' }],
    ['empty key and value around the separator', { keySeparator: '=' }, '=', { key: '', value: '' }],
    ['separator beats a fixed key', { key: 'fixed', keySeparator: ',' }, 'k,v', { key: 'k', value: 'v' }],
    ['headers', { headers: { source: 'cli', trace: 'x=1' } }, 'v', { key: null, value: 'v', headers: [{ key: 'source', value: Buffer.from('cli') }, { key: 'trace', value: Buffer.from('x=1') }] }],
    ['partition 0', { partition: 0 }, 'v', { key: null, value: 'v', partition: 0 }],
    ['partition 3', { partition: 3 }, 'v', { key: null, value: 'v', partition: 3 }],
    [
      'everything',
      { keySeparator: '|', headers: { h: '1' }, partition: 2 },
      'k|v',
      { key: 'k', value: 'v', headers: [{ key: 'h', value: Buffer.from('1') }], partition: 2 },
    ],
  ])('%s', (_name, options, line, message) => {
    expect(lineToRecord(line, { ...base, ...options })).toStrictEqual(message);
  });

  it('gives each record its own headers', () => {
    const options = { ...base, headers: { a: '1' } };
    const first = lineToRecord('x', options);
    first.headers![0]!.value = Buffer.from('changed');
    expect(lineToRecord('y', options).headers).toEqual([{ key: 'a', value: Buffer.from('1') }]);
    expect(options.headers).toEqual({ a: '1' });
  });

  it('a line without the separator is a usage error that quotes the line and the separator', () => {
    let thrown: unknown;
    try {
      lineToRecord('no separator here', { ...base, keySeparator: ':' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    const error = thrown as UsageError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('Line "no separator here" has no key separator ":".');
    expect(error.hint).toMatch(/--key-separator/);
  });

  it('quotes at most 60 characters of a long line', () => {
    const line = 'x'.repeat(100);
    expect(() => lineToRecord(line, { ...base, keySeparator: ':' })).toThrow(`Line "${'x'.repeat(60)}" has no key separator`);
  });
});
