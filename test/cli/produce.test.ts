// produce: piped lines become records; keys, headers and partitions as asked. Each test
// reads the topic back with `consume --format json`.
import { describe, expect, it } from 'vitest';
import { expectOk, firehose, newTopic, readBack, sorted } from '../support/cli-kafka.js';

describe('produce from a pipe', () => {
  it('sends one keyless record per line and reports "Sent N records" on stderr', async () => {
    const topic = await newTopic('produce-lines');
    const result = expectOk(await firehose(['produce', topic], { stdin: 'one\ntwo\nthree\n' }));
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`Sent 3 records to ${topic} (acks=all)\n`);

    const records = await readBack(topic, 3);
    expect(sorted(records.map((r) => r.value))).toEqual(['one', 'three', 'two']);
    for (const r of records) {
      expect(r.key).toBeNull();
      expect(r.headers).toEqual({});
      expect(r.topic).toBe(topic);
    }
  });

  it('accepts CRLF line ends and a last line without a newline', async () => {
    const topic = await newTopic('produce-crlf', 1);
    expectOk(await firehose(['produce', topic], { stdin: 'alpha\r\nbeta\r\ngamma' }));
    const records = await readBack(topic, 3);
    expect(records.map((r) => r.value)).toEqual(['alpha', 'beta', 'gamma']);
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '2']);
  });

  it('splits key and value with --key-separator (at the first separator only)', async () => {
    const topic = await newTopic('produce-keysep');
    const result = expectOk(await firehose(['produce', topic, '--key-separator', ':'], { stdin: 'id-1:hello\nid-2:a:b\n' }));
    expect(result.stderr).toContain(`Sent 2 records to ${topic}`);
    const records = await readBack(topic, 2);
    expect(sorted(records.map((r) => `${r.key}|${r.value}`))).toEqual(['id-1|hello', 'id-2|a:b']);
  });

  it('rejects a line without the key separator as bad usage', async () => {
    const topic = await newTopic('produce-keysep-missing');
    const result = await firehose(['produce', topic, '--key-separator', ':'], { stdin: 'no separator here\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: Line "no separator here" has no key separator ":"\.$/m);
  });

  it('gives every record the --key and the --header values, on the --partition asked for', async () => {
    const topic = await newTopic('produce-key-headers', 3);
    const result = expectOk(await firehose(
      ['produce', topic, '--key', 'order-7', '--header', 'source=cli', '--header', 'trace=a=b', '--partition', '2'],
      { stdin: 'x\ny\nz\n' },
    ));
    expect(result.stderr).toContain(`Sent 3 records to ${topic}`);
    const records = await readBack(topic, 3);
    expect(records.map((r) => r.value)).toEqual(['x', 'y', 'z']);
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '2']);
    for (const r of records) {
      expect(r.partition).toBe(2);
      expect(r.key).toBe('order-7');
      expect(r.headers).toEqual({ source: 'cli', trace: 'a=b' });
    }
  });

  it('prints a JSON summary with --output json and keeps stderr quiet', async () => {
    const topic = await newTopic('produce-json');
    const result = expectOk(await firehose(['produce', topic, '--output', 'json', '--acks', '1'], { stdin: 'a\nb\n' }));
    expect(JSON.parse(result.stdout)).toEqual({ topic, sent: 2 });
    expect(result.stderr).toBe('');
    expect((await readBack(topic, 2)).map((r) => r.value).sort()).toEqual(['a', 'b']);
  });

  it('refuses a partition the topic does not have', async () => {
    const topic = await newTopic('produce-bad-partition', 3);
    const result = await firehose(['produce', topic, '--partition', '3'], { stdin: 'x\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: Topic ${topic} has partitions 0..2; there is no partition 3.`);
  });

  it('rejects a --header without "="', async () => {
    const topic = await newTopic('produce-bad-header');
    const result = await firehose(['produce', topic, '--header', 'novalue'], { stdin: 'x\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --header takes key=value, not "novalue".');
  });
});
