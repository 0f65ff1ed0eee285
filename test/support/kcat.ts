// kcat (librdkafka) as the reference client in tests: where it is, and every record of a
// topic as it reads them. kcat must be installed (.ci/run installs it): a missing kcat fails.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { kafkaFromTests } from './kafka-env.js';

export const KCAT = process.env.KCAT ?? '/usr/bin/kcat';

export interface KcatRecord { partition: number; offset: number; key: Buffer | null; headers: string; value: Buffer }

/** Throws with the way to install kcat when it is missing (for beforeAll). */
export function requireKcat(): void {
  if (!existsSync(KCAT)) {
    throw new Error(`kcat is not installed at ${KCAT}: install it (apt-get install kcat; .ci/run does) or point KCAT at it.`);
  }
}

/**
 * Every record of `topic` as kcat sees it. The format puts the value's length before the
 * value, so values are cut out by length, never by a delimiter they might contain.
 */
export async function kcatRead(topic: string, bootstrap = kafkaFromTests().bootstrap): Promise<KcatRecord[]> {
  const result = await execa(KCAT, ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q',
    '-f', '%p %o %K %S %h|%k%s\n'], { encoding: 'buffer', stripFinalNewline: false, timeout: 30_000 });
  const out = Buffer.from(result.stdout);
  const records: KcatRecord[] = [];
  let at = 0;
  while (at < out.length) {
    const bar = out.indexOf('|', at);
    const [partition, offset, keyLength, valueLength, headers = ''] = out.subarray(at, bar).toString('utf8').split(' ');
    let cursor = bar + 1;
    const keyBytes = Number(keyLength);
    const key = keyBytes < 0 ? null : out.subarray(cursor, cursor + keyBytes);
    cursor += Math.max(0, keyBytes);
    const value = out.subarray(cursor, cursor + Number(valueLength));
    cursor += Number(valueLength);
    expect(out[cursor], `newline after record at byte ${cursor}`).toBe(0x0a);
    records.push({ partition: Number(partition), offset: Number(offset), key, headers, value });
    at = cursor + 1;
  }
  return records;
}
