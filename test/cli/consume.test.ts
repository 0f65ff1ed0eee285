// consume: where it starts and why, exact counts, group commits across runs, JSON records.
import { execa } from 'execa';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { run } from '../../src/cli/main.js';
import { cleanEnv, runCli } from '../support/cli.js';
import { expectOk, firehose, jsonLines, lines, newTopic, produce, sorted, spamValues, type RecordJson } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { KCAT } from '../support/kcat.js';
import { waitFor } from '../support/wait.js';

/** A topic with the ten spammer records in it. */
async function spammedTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = await newTopic(prefix, partitions);
  expectOk(await firehose(['spam', topic, '--times', '10']));
  return topic;
}

describe('consume', () => {
  it('prints values byte for byte, as kcat -C does: bytes that are not UTF-8 come out unchanged', async () => {
    const topic = await newTopic('consume-bytes', 1);
    const values = [Buffer.from([0xff, 0xfe, 0x00, 0x41]), Buffer.from('héllo ✓'), Buffer.from([0xc3])];
    await execa(KCAT, ['-P', '-b', kafkaFromTests().bootstrap, '-t', topic, '-D', '|'], { input: Buffer.concat([values[0]!, Buffer.from('|'), values[1]!, Buffer.from('|'), values[2]!, Buffer.from('|')]) });
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const stderr = new PassThrough();
    let errors = '';
    stderr.on('data', (c: Buffer) => (errors += c.toString()));
    const code = await run(['consume', topic, '--from-beginning', '--max-messages', '3', '--idle-timeout', '20s', '--bootstrap', kafkaFromTests().bootstrap], { env: cleanEnv(), stdin: Readable.from([]), stdout, stderr, signal: new AbortController().signal });
    expect(code, errors).toBe(0);
    expect(Buffer.concat(chunks).toString('hex')).toBe(Buffer.concat(values.flatMap((v) => [v, Buffer.from('\n')])).toString('hex'));
  });

  it('--from-beginning --max-messages stops at exactly that many and says where it started', async () => {
    const topic = await spammedTopic('consume-max');
    const result = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', '4']));
    const values = lines(result.stdout);
    expect(values).toHaveLength(4);
    expect(spamValues(10)).toEqual(expect.arrayContaining(values));
    expect(new Set(values).size).toBe(4);

    const status = lines(result.stderr);
    expect(status).toEqual([
      `Start: reading ${topic} from the earliest offset (--from-beginning); no group, nothing committed.`,
      `Assigned ${topic} partitions [0, 1, 2]`,
      `Consumed 4 records from ${topic}; nothing committed (no group); stopped by max-messages.`,
    ]);
    // Without --group no group is joined (as kcat -C): none is left behind either.
    const groups = JSON.parse(expectOk(await firehose(['groups', 'list', '--output', 'json'])).stdout) as Array<{ groupId: string }>;
    expect(groups.filter((g) => g.groupId.startsWith('firehose-consume-'))).toEqual([]);
  });

  it('a 600-partition topic: create-topic, spam and consume every record (answers over 16 KiB)', { timeout: 120_000 }, async () => {
    const topic = await newTopic('consume-wide', 600);
    expectOk(await firehose(['spam', topic, '--times', '1000']));
    const result = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', '1000', '--idle-timeout', '30s']));
    expect(sorted(lines(result.stdout))).toEqual(sorted(spamValues(1000)));
  });

  it('reads everything with --from-beginning and stops on --idle-timeout', async () => {
    const topic = await spammedTopic('consume-all');
    const result = expectOk(await firehose(['consume', topic, '--from-beginning', '--idle-timeout', '2s']));
    expect(sorted(lines(result.stdout))).toEqual(sorted(spamValues(10)));
    expect(result.stderr).toContain(`Consumed 10 records from ${topic}; nothing committed (no group); stopped by idle-timeout.`);
  });

  it('by default starts at the latest offset: records written before it are not shown', async () => {
    const topic = await spammedTopic('consume-latest');
    const result = expectOk(await firehose(['consume', topic, '--idle-timeout', '2s']));
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      `Start: reading only new records on ${topic} (latest, the default); add --from-beginning to read what is already there.`,
      `Assigned ${topic} partitions [0, 1, 2]`,
      `Consumed 0 records from ${topic}; nothing committed (no group); stopped by idle-timeout.`,
    ]);
  });

  it('a named group commits: a second run of the group reads the other half, no overlap', async () => {
    const topic = await spammedTopic('consume-group');
    const group = uniqueName('group');
    const argv = ['consume', topic, '--group', group, '--from-beginning', '--max-messages', '5'];

    const first = expectOk(await firehose(argv));
    expect(first.stderr).toContain(`Start: group ${group} has no committed offsets on ${topic}, so it starts at the earliest offset (--from-beginning).`);
    expect(first.stderr).toContain(`Consumed 5 records from ${topic}; offsets committed for group ${group}; stopped by max-messages.`);

    const second = expectOk(await firehose(argv));
    expect(second.stderr).toContain(
      `Start: group ${group} resumes from its committed offsets on ${topic}; earliest (--from-beginning) applies only to partitions it never committed.`,
    );
    const a = lines(first.stdout);
    const b = lines(second.stdout);
    expect(a).toHaveLength(5);
    expect(b).toHaveLength(5);
    expect(a.filter((v) => b.includes(v))).toEqual([]);
    expect(sorted([...a, ...b])).toEqual(sorted(spamValues(10)));

    // Everything is committed now: a third run finds nothing.
    const third = expectOk(await firehose(['consume', topic, '--group', group, '--idle-timeout', '2s']));
    expect(third.stdout).toBe('');
    expect(third.stderr).toContain(`Consumed 0 records from ${topic}; offsets committed for group ${group}; stopped by idle-timeout.`);
  });

  it('--offset-reset earliest starts a new group at the beginning, latest at the end', async () => {
    const topic = await spammedTopic('consume-reset');
    const earliestGroup = uniqueName('earliest');
    const earliest = expectOk(await firehose(['consume', topic, '--group', earliestGroup, '--offset-reset', 'earliest', '--max-messages', '10']));
    expect(sorted(lines(earliest.stdout))).toEqual(sorted(spamValues(10)));
    expect(earliest.stderr).toContain(`Start: group ${earliestGroup} has no committed offsets on ${topic}, so it starts at the earliest offset (--offset-reset earliest).`);

    const latestGroup = uniqueName('latest');
    const latest = expectOk(await firehose(['consume', topic, '--group', latestGroup, '--offset-reset', 'latest', '--idle-timeout', '2s']));
    expect(latest.stdout).toBe('');
    expect(latest.stderr).toContain(`so it starts at the latest offset (--offset-reset latest).`);
  });

  it('--format json prints every field of each record', async () => {
    const topic = await newTopic('consume-json', 1);
    const before = Date.now();
    await produce(topic, ['k1|v1', 'k2|v2'], ['--key-separator', '|', '--header', 'h=1']);
    const result = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', '2', '--format', 'json']));
    const records = jsonLines<RecordJson>(result.stdout);
    expect(records.map((r) => Object.keys(r).sort())).toEqual(Array(2).fill(['headers', 'key', 'offset', 'partition', 'timestamp', 'topic', 'value']));
    expect(records.map(({ timestamp: _t, ...rest }) => rest)).toEqual([
      { topic, partition: 0, offset: '0', key: 'k1', headers: { h: '1' }, value: 'v1' },
      { topic, partition: 0, offset: '1', key: 'k2', headers: { h: '1' }, value: 'v2' },
    ]);
    for (const r of records) expect(r.timestamp).toBeGreaterThanOrEqual(before - 1000);

    // --output json alone means --format json for records; status stays on stderr.
    const viaOutput = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', '2', '--output', 'json']));
    expect(jsonLines<RecordJson>(viaOutput.stdout).map((r) => r.value)).toEqual(['v1', 'v2']);

    // --output yaml: the same records, one YAML document each.
    const viaYaml = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', '2', '--output', 'yaml']));
    expect(parseAllDocuments(viaYaml.stdout).map((d) => d.toJS() as RecordJson)).toEqual(records);
  });

  it('stops with exit 130 when interrupted, having printed what it read', async () => {
    const topic = await spammedTopic('consume-interrupt', 1);
    // run() itself, to watch stdout while it runs: no idle timeout, so only the abort ends it.
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    const controller = new AbortController();
    const running = run(['consume', topic, '--from-beginning', '--bootstrap', kafkaFromTests().bootstrap], {
      env: cleanEnv(), stdin: Readable.from([]), stdout, stderr, signal: controller.signal,
    });
    try {
      await waitFor(() => lines(out).length === 10, { timeoutMs: 20_000, what: 'ten records on stdout' });
    } finally {
      controller.abort();
    }
    expect(await running).toBe(130);
    expect(lines(out)).toEqual(spamValues(10));
    expect(err).toContain(`Consumed 10 records from ${topic}; nothing committed (no group); stopped by interrupted.`);
  });

  it('rejects bad --format and --offset-reset values as usage errors', async () => {
    const topic = await newTopic('consume-usage', 1);
    const format = await firehose(['consume', topic, '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('error: --format must be value, json or a kcat format string such as');
    const reset = await firehose(['consume', topic, '--offset-reset', 'middle', '--group', uniqueName('g')]);
    expect(reset.code).toBe(2);
    expect(reset.stderr).toContain('error: --offset-reset must be earliest or latest, not "middle".');
  });
});

describe('consume with the flags kcat users type', () => {
  /** Three partitions; partition 1 holds six keyed records (k0=v0 … k5=v5) with a header. */
  async function keyedTopic(prefix: string): Promise<string> {
    const topic = await newTopic(prefix, 3);
    const input = Array.from({ length: 6 }, (_, i) => `k${i}:v${i}`).join('\n');
    expectOk(await firehose(['produce', '-t', topic, '--partition', '1', '--key-separator', ':', '--header', 'h=x'], { stdin: `${input}\n` }));
    expectOk(await firehose(['produce', topic, '--partition', '0'], { stdin: 'other\n' }));
    return topic;
  }

  const kcat = async (args: string[]) => (await execa(KCAT, ['-C', '-b', kafkaFromTests().bootstrap, '-q', ...args])).stdout;

  it('-t -p --offset -N -e -f print what kcat -C -t -p -o -N -e -f prints, and end by themselves', async () => {
    const topic = await keyedTopic('kcat-flags');
    const format = '%t %p@%o %k=%s (%K/%S) [%h]\\n';
    const ours = expectOk(await firehose(['consume', '-t', topic, '-p', '1', '--offset', '-3', '-e', '-f', format]));
    expect(ours.stdout).toBe(`${await kcat(['-t', topic, '-p', '1', '-o', '-3', '-e', '-f', format])}\n`);
    expect(lines(ours.stdout)).toEqual([3, 4, 5].map((i) => `${topic} 1@${i} k${i}=v${i} (2/2) [h=x]`));
    expect(ours.stderr).toMatch(/stopped by end\.$/m);
  });

  it('--offset N (absolute), --offset @ms (time) and -e on an empty partition', async () => {
    const topic = await keyedTopic('kcat-offsets');
    const from4 = expectOk(await firehose(['consume', topic, '-p', '1', '--offset', '4', '-e', '-f', '%o\\n']));
    expect(lines(from4.stdout)).toEqual(['4', '5']);
    const all = expectOk(await firehose(['consume', topic, '-p', '1', '--offset', 'beginning', '-e', '-f', '%T %o\\n']));
    const [timestamp, offset] = lines(all.stdout)[2]!.split(' ');
    const since = expectOk(await firehose(['consume', topic, '-p', '1', '--offset', `@${timestamp}`, '-e', '-f', '%o\\n']));
    expect(Number(lines(since.stdout)[0])).toBeLessThanOrEqual(Number(offset));
    expect(lines(since.stdout).at(-1)).toBe('5');
    const empty = expectOk(await firehose(['consume', topic, '-p', '2', '-e']));
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toMatch(/Consumed 0 records .* stopped by end\./);
    // -e alone: every partition to its end, then stop (7 records in all).
    expect(lines(expectOk(await firehose(['consume', topic, '--offset', 'beginning', '-e'])).stdout)).toHaveLength(7);
  });

  it('-g -e (kcat -G -e): the member reads its partitions to their end, commits and ends by itself; run again it ends at once', async () => {
    const topic = await keyedTopic('kcat-group-exit');
    const group = uniqueName('exit-g');
    const argv = ['consume', topic, '-g', group, '--offset-reset', 'earliest', '-e', '-f', '%p:%o %s\\n'];
    const first = expectOk(await firehose(argv));
    // Partition 1's six records and partition 0's one, each once; partition 2 is empty.
    expect(sorted(lines(first.stdout))).toEqual(sorted(['0:0 other', ...[0, 1, 2, 3, 4, 5].map((i) => `1:${i} v${i}`)]));
    expect(first.stderr).toContain(`Consumed 7 records from ${topic}; offsets committed for group ${group}; stopped by end.`);

    // Everything printed was committed: the group is at the end of every partition.
    const second = expectOk(await firehose(argv));
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain(`Start: group ${group} resumes from its committed offsets on ${topic}`);
    expect(second.stderr).toContain(`Consumed 0 records from ${topic}; offsets committed for group ${group}; stopped by end.`);

    // Records written since: the next run prints only those.
    await produce(topic, ['later'], ['--partition', '2']);
    expect(lines(expectOk(await firehose(argv)).stdout)).toEqual(['2:0 later']);
  });

  it('-g -e with --group-protocol consumer (KIP-848: the coordinator assigns) ends at the end too', async () => {
    const topic = await keyedTopic('kcat-group-kip848');
    const group = uniqueName('exit-kip848');
    const argv = ['consume', topic, '-g', group, '--group-protocol', 'consumer', '--offset-reset', 'earliest', '-e'];
    const first = expectOk(await firehose(argv));
    expect(lines(first.stdout)).toHaveLength(7);
    expect(first.stderr).toMatch(/stopped by end\.$/m);
    expect(expectOk(await firehose(argv)).stdout).toBe('');
  });

  it('-g -e on an empty topic ends at once', async () => {
    const topic = await newTopic('kcat-group-empty', 2);
    const result = expectOk(await firehose(['consume', topic, '-g', uniqueName('empty-g'), '--from-beginning', '-e']));
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Consumed 0 records .* stopped by end\./);
  });

  it('-g -e through a rebalance: a second member joins mid-way, between them every record once, both end by themselves', async () => {
    const topic = await newTopic('kcat-group-rebalance', 4);
    const values = (p: number) => Array.from({ length: 20 }, (_, i) => `p${p}-${i}-${'x'.repeat(2000)}`);
    for (const p of [0, 1, 2, 3]) await produce(topic, values(p), ['--partition', String(p)]);
    const group = uniqueName('rebalance-g');
    const argv = ['consume', topic, '-g', group, '--offset-reset', 'earliest', '-e', '--verbose', '--bootstrap', kafkaFromTests().bootstrap];
    // The first member in-process, its stdout unread: the write of its first batches does not
    // drain, so it holds a batch (back-pressure) and cannot reach the end before the second joins.
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    const first = run(argv, { env: cleanEnv(), stdin: Readable.from([]), stdout, stderr, signal: new AbortController().signal });
    await waitFor(() => err.includes(`Assigned ${topic} partitions [0, 1, 2, 3]`), { timeoutMs: 20_000, what: 'the first member to own every partition' });
    const second = firehose(['consume', topic, '-g', group, '--offset-reset', 'earliest', '-e']);
    // --verbose says when the first member's heartbeat learns of the rebalance: from then on it
    // hands out no more records until it has rejoined.
    await waitFor(() => err.includes(`group ${group}: rejoining`), { timeoutMs: 20_000, what: 'the first member to see the rebalance' });
    // Now let it go on: it finishes its batch, gives partitions up, and both read to the end.
    let out = '';
    stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    expect(await first, err).toBe(0);
    const other = expectOk(await second);
    expect(sorted([...lines(out), ...lines(other.stdout)])).toEqual(sorted([0, 1, 2, 3].flatMap(values)));
    expect(err.match(/^Assigned /gm)?.length, err).toBeGreaterThan(1);
    for (const status of [err, other.stderr]) expect(status).toMatch(/offsets committed for group .*; stopped by end\.$/m);
  });

  it('-b, --bootstrap-server, -g and -c are the kcat / console-tool spellings of --bootstrap, --group and --max-messages', async () => {
    const topic = await keyedTopic('kcat-aliases');
    const group = uniqueName('kcat-g');
    const viaB = await runCli(['consume', topic, '-b', kafkaFromTests().bootstrap, '-g', group, '--from-beginning', '-c', '2']);
    expect(viaB.code, viaB.stderr).toBe(0);
    expect(viaB.stderr).toContain(`offsets committed for group ${group}`);
    const viaServer = await runCli(['consume', topic, '--bootstrap-server', kafkaFromTests().bootstrap, '--offset', 'beginning', '-e']);
    expect(viaServer.code, viaServer.stderr).toBe(0);
    expect(lines(viaServer.stdout)).toHaveLength(7);
  });

  it('bad kcat-style values are usage errors (exit 2) naming the flag', async () => {
    const topic = await keyedTopic('kcat-bad');
    for (const [argv, message] of [
      [['--offset', 'soon'], /--offset must be beginning, end, an offset/],
      [['-p', '9', '-e'], /has partitions 0\.\.2; there is no partition 9/],
      [['-f', '%q'], /--format has an unknown token "%q"/],
      [['-g', 'g1', '-p', '1'], /--partition and --offset read without a group/],
      [['-t', 'other-topic'], /Two topics given/],
    ] as const) {
      const result = await firehose(['consume', topic, ...argv]);
      expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
