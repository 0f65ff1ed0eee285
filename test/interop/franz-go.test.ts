// Interop with franz-go (twmb/franz-go's kgo, the Go client), run as franz-client with
// franz-go's defaults unless a flag says otherwise (test/support/franz-go/): its default
// producer compresses with snappy (its preference is snappy, else none), and the broker
// must store that batch as sent; each codec asked for explicitly arrives compressed too; firehose
// reads what franz-go wrote; franz-go's group consumer (cooperative-sticky balancer in a
// classic group, its default) reads what firehose wrote and commits it. Same expectations
// on Apache Kafka and on the embedded broker.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk, firehose, lines, newTopic, produce, readBack, sorted, spamValues } from '../support/cli-kafka.js';
import { ensureFranzClient, franzConsume, franzProduce, franzValues } from '../support/franz-go.js';
import { uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';
import { describeWireGroup, hasZstd, storedCodecs } from '../support/wire-client.js';

beforeAll(async () => {
  await ensureFranzClient();
}, 600_000);

/** The codec of every batch stored in the topic's partitions, all partitions together. */
async function codecsOf(topic: string, partitions: number): Promise<string[]> {
  const all = await Promise.all(Array.from({ length: partitions }, (_, p) => storedCodecs(topic, p)));
  return all.flat();
}

describe('franz-go\'s producer', () => {
  it('with its defaults: every record stored, in snappy batches (its default codec), read back by firehose', async () => {
    const topic = await newTopic('franz-default', 3);
    await franzProduce(topic, { count: 1000 });
    const codecs = await codecsOf(topic, 3);
    expect(codecs.length).toBeGreaterThan(0);
    expect(new Set(codecs)).toEqual(new Set(['snappy']));
    const records = await readBack(topic, 1000);
    expect(sorted(records.map((r) => r.value))).toEqual(sorted(franzValues(1000)));
    for (const r of records) {
      expect(r.key).toBeNull();
      expect(r.headers).toEqual({});
    }
  });

  it('with its defaults: lines with non-ASCII text and separators come through firehose consume unchanged', async () => {
    const topic = await newTopic('franz-lines', 1);
    const values = ['plain', 'héllo wörld ✓', '日本語のテキスト', 'key:value', 'a|b|c', '{ "message": "Sending Message: 7" }', 'tab\there', ''];
    await franzProduce(topic, { values });
    const result = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', String(values.length), '--idle-timeout', '15s']));
    expect(result.stdout).toBe(`${values.join('\n')}\n`);
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const lacksCodec = codec === 'zstd' && !hasZstd;
    it(`--compression ${codec}: stored as sent, ${lacksCodec ? 'and firehose on this Node (no zstd) says it cannot read it' : 'every record read back by firehose'}`, async () => {
      const topic = await newTopic(`franz-${codec}`, 1);
      await franzProduce(topic, { compression: codec, count: 300 });
      const codecs = await storedCodecs(topic, 0);
      expect(codecs.length).toBeGreaterThan(0);
      expect(new Set(codecs)).toEqual(new Set([codec]));
      if (lacksCodec) {
        const result = await firehose(['consume', topic, '--from-beginning', '--max-messages', '300', '--idle-timeout', '15s']);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/zstd compression is not available/);
        return;
      }
      const records = await readBack(topic, 300);
      expect(records.map((r) => r.value)).toEqual(franzValues(300));
    });
  }
});

describe('franz-go\'s group consumer', () => {
  it('with its defaults (cooperative-sticky, classic group): reads what firehose spam wrote, commits it, and a second run gets only new records', async () => {
    const topic = await newTopic('franz-group', 3);
    const group = uniqueName('franz-group');
    // Joined before anything is written: it starts a new group at the start of each partition.
    const first = franzConsume(topic, group, 10);
    const joined = await waitFor(async () => {
      const described = await describeWireGroup(group).catch(() => undefined);
      return described?.state === 'Stable' && described.members.length === 1 ? described : undefined;
    }, { timeoutMs: 30_000, what: `franz-go to join ${group}` });
    expect(joined.protocol).toBe('cooperative-sticky');
    expect(joined.members[0]!.clientId).toBe('kgo');
    expectOk(await firehose(['spam', topic, '--times', '10']));
    const read = await first;
    expect(read.exitCode, `franz-client consume stderr: ${read.stderr}`).toBe(0);
    expect(sorted(lines(read.stdout))).toEqual(sorted(spamValues(10)));

    const described = JSON.parse(expectOk(await firehose(['groups', 'describe', group, '--output', 'json'])).stdout);
    const committed = described.offsets.reduce((sum: number, p: { committed: string | null }) => sum + Number(p.committed ?? 0), 0);
    expect(committed).toBe(10);

    await produce(topic, ['late one', 'late two']);
    const again = await franzConsume(topic, group, 2);
    expect(again.exitCode, `franz-client consume stderr: ${again.stderr}`).toBe(0);
    expect(sorted(lines(again.stdout))).toEqual(['late one', 'late two']);
  });
});
