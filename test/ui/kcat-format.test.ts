// kcat's -f format strings, token by token (the consume tests compare whole outputs with kcat's).
import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../src/kafka/records.js';
import { parseKcatFormat } from '../../src/ui/kcat-format.js';

const record: ConsumedRecord = { topic: 't1', partition: 3, offset: '42', timestamp: 1700000000000, key: 'ké', headers: { a: '1', b: '2' }, value: 'v' };

describe('parseKcatFormat', () => {
  it.each([
    ['%t %p %o %T', 't1 3 42 1700000000000'],
    ['%k=%s', 'ké=v'],
    ['%K %S', '3 1'],
    ['[%h]', '[a=1,b=2]'],
    ['100%% %s\\n', '100% v\n'],
    ['\\t%s\\r\\n', '\tv\r\n'],
    ['plain', 'plain'],
  ])('%s', (format, expected) => {
    expect(parseKcatFormat(format)(record)).toBe(expected);
  });

  it('a record without key or value: empty text, length -1', () => {
    expect(parseKcatFormat('%k|%s|%K|%S')({ ...record, key: null, value: null })).toBe('||-1|-1');
  });

  it('an unknown token is a usage error naming it', () => {
    expect(() => parseKcatFormat('%s %z', '-f')).toThrow(/-f has an unknown token "%z"/);
  });
});
