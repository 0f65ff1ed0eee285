// spam: the workshop spammer's exact records, its summary line, JSON output, acks and --rate.
import { describe, expect, it } from 'vitest';
import { expectOk, firehose, newTopic, randomUser, readBack, sorted, spamValues } from '../support/cli-kafka.js';

const SUMMARY = /^Sent (\d+) messages to (\S+) in [\d.]+ s \([\d,]+ msg\/s\)$/;

describe('spam', () => {
  it('--times 10 writes exactly the ten spammer values, keyless and headerless', async () => {
    const topic = await newTopic('spam-10');
    const result = expectOk(await firehose(['spam', topic, '--times', '10']));
    // The summary is status: on stderr, with nothing on stdout.
    const [line, ...rest] = result.stderr.split('\n');
    expect(rest).toEqual(['']);
    expect(line).toMatch(SUMMARY);
    expect(SUMMARY.exec(line!)!.slice(1, 3)).toEqual(['10', topic]);
    expect(result.stdout).toBe('');

    const records = await readBack(topic, 10);
    expect(sorted(records.map((r) => r.value))).toEqual(sorted(spamValues(10)));
    expect(new Set(records.map((r) => r.value)).size).toBe(10);
    for (const r of records) {
      expect(r.key).toBeNull();
      expect(r.headers).toEqual({});
    }
  });

  it('defaults to my-topic-<N> and one message', async () => {
    const user = randomUser();
    expectOk(await firehose(['create-topic', '--user', String(user), '--partitions', '1']));
    const result = expectOk(await firehose(['spam'], { env: { FIREHOSE_USER: String(user) } }));
    expect(result.stderr).toMatch(new RegExp(`^Sent 1 messages? to my-topic-${user} in `));
    expect((await readBack(`my-topic-${user}`, 1)).map((r) => r.value)).toEqual(spamValues(1));
    expectOk(await firehose(['delete-topic', '--user', String(user)]));
  });

  it('prints one JSON document with --output json', async () => {
    const topic = await newTopic('spam-json');
    const result = expectOk(await firehose(['spam', topic, '--times', '5', '--output', 'json']));
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ topic, sent: 5, acks: -1, idempotent: true, interrupted: false });
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.rate).toBeGreaterThan(0);
    expect(sorted((await readBack(topic, 5)).map((r) => r.value))).toEqual(sorted(spamValues(5)));
  });

  it('record i lands in partition i % partitions, in order there, across chunks and full batches', async () => {
    const topic = await newTopic('spam-placement', 3);
    const times = 250_000; // 250 chunks of 1000, ~9.5 MB: many batches sealed full on every partition
    expectOk(await firehose(['spam', topic, '--times', String(times), '--acks', '1']));
    for (const partition of [0, 1, 2]) {
      const read = expectOk(await firehose(['consume', topic, '-p', String(partition), '--offset', 'beginning', '-e', '-f', '%o %s\\n']));
      const lines = read.stdout.trimEnd().split('\n');
      const expected = Math.ceil((times - partition) / 3);
      expect(lines).toHaveLength(expected);
      // Offsets 0, 1, 2, … hold records partition, partition + 3, partition + 6, …
      for (const k of [0, 1, 999, expected - 1]) expect(lines[k]).toBe(`${k} { "message": "Sending Message: ${partition + 3 * k}" }`);
    }
  });

  for (const acks of ['0', '1']) {
    it(`--acks ${acks} delivers every message`, async () => {
      const topic = await newTopic(`spam-acks-${acks}`);
      const result = expectOk(await firehose(['spam', topic, '--times', '10', '--acks', acks, '--output', 'json']));
      expect(JSON.parse(result.stdout)).toMatchObject({ sent: 10, acks: Number(acks), idempotent: false });
      expect(sorted((await readBack(topic, 10)).map((r) => r.value))).toEqual(sorted(spamValues(10)));
    });
  }

  it('-z lz4 (kcat\'s flag) compresses the batches; the records read back unchanged', async () => {
    const topic = await newTopic('spam-lz4');
    expectOk(await firehose(['spam', topic, '--times', '500', '-z', 'lz4']));
    expect(sorted((await readBack(topic, 500)).map((r) => r.value))).toEqual(sorted(spamValues(500)));
  });

  it('an unknown --compression is a usage error naming the codecs', async () => {
    const result = await firehose(['spam', 'any-topic', '--compression', 'brotli']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--compression must be one of none, gzip, snappy, lz4, zstd, not "brotli"/);
  });

  it('--rate 100 spreads --times 20 over at least ~150 ms', async () => {
    const topic = await newTopic('spam-rate', 1);
    const started = performance.now();
    const result = expectOk(await firehose(['spam', topic, '--times', '20', '--rate', '100', '--output', 'json']));
    const elapsedMs = performance.now() - started;
    const summary = JSON.parse(result.stdout) as { sent: number; seconds: number };
    expect(summary.sent).toBe(20);
    // 20 messages at 100/s: the last batch is due 150 ms after the first (batches of 5).
    expect(elapsedMs).toBeGreaterThanOrEqual(145);
    expect(summary.seconds).toBeGreaterThanOrEqual(0.145);
    expect((await readBack(topic, 20)).map((r) => r.value)).toEqual(spamValues(20));
  });
});
