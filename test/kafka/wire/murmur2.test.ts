// The default partitioner's hash against the vectors of Kafka's own UtilsTest.testMurmur2.
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../../src/kafka/wire/murmur2.js';

describe('murmur2', () => {
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s as Kafka does', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('maps a key to toPositive(hash) % partitions', () => {
    expect(partitionForKey(Buffer.from('foobar'), 50)).toBe((-790332482 & 0x7fffffff) % 50);
  });
});
