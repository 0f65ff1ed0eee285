// The embedded broker (`firehose kafka start`) against Apache Kafka, each measured with the
// same clients: kcat (librdkafka), firehose itself and Kafka's own ProducerPerformance and
// ConsumerPerformance (Java, with a group: its join is part of the time), producing and
// consuming BENCH_RECORDS small records on fresh BENCH_PARTITIONS-partition topics.
// `npm run bench:broker`. Both brokers start a new group's first assignment at once
// (group.initial.rebalance.delay.ms=0 in the harness, --group-initial-rebalance-delay 0).
//
//   npm run bench:broker                                   # starts both brokers
//   BENCH_RECORDS=200000 BENCH_REPEAT=1 npm run bench:broker   # quicker
//   BENCH_EMBEDDED_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx bench/broker.ts
//                                                          # profiles the embedded broker under this load
//
// Prints records/s per broker and client with the ratio embedded/apache, and replaces the
// "Embedded broker vs Apache Kafka" section of bench/RESULTS.md (the rest is kept).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spamValue } from '../src/kafka/spam.js';
import { ensureConsoleTools, type ConsoleTools } from '../test/support/java-console.js';
import { javaBin, KAFKA_VERSION, startKafka, type KafkaHandle } from '../test/support/kafka.js';
import {
  benchEnv, BIN, check, createTopic, firehose, fmt, hasKcat, kcatVersion, markdownTable, median, N, PARTITIONS, rate,
  REPEAT, replaceResultsSection, RESULTS, seconds, timed, topicRecords, writeValues,
} from './support.js';

const BROKER_START_TIMEOUT_MS = 30_000;
const BROKER_STOP_TIMEOUT_MS = 30_000;
/** Node flags for the embedded broker's process only (e.g. --cpu-prof). */
const EMBEDDED_NODE_ARGS = (process.env.BENCH_EMBEDDED_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** librdkafka's producer settings, the same against both brokers. */
const KCAT_PRODUCE = ['-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'batch.size=1000000'];

type BrokerName = 'apache' | 'embedded';
const BROKERS: BrokerName[] = ['apache', 'embedded'];

/** What is measured: one client doing one thing. */
const CASES = ['kcat produce', 'kcat consume', 'firehose spam', 'firehose consume', 'java ProducerPerformance', 'java ConsumerPerformance'] as const;
type Case = (typeof CASES)[number];

interface EmbeddedBroker {
  bootstrap: string;
  stop(): Promise<void>;
}

/** `firehose kafka start --port 0 --output json` in its own process; the bootstrap is on its first stdout line. */
async function startEmbedded(): Promise<EmbeddedBroker> {
  const child = spawn(process.execPath, [...EMBEDDED_NODE_ARGS, BIN, 'kafka', 'start', '--port', '0', '--group-initial-rebalance-delay', '0', '--output', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: benchEnv(),
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), BROKER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    const bootstrap = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`embedded broker did not print its address within ${BROKER_START_TIMEOUT_MS} ms:\n${stderr}`)), BROKER_START_TIMEOUT_MS);
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        clearTimeout(timer);
        try {
          resolve((JSON.parse(line) as { bootstrap: string }).bootstrap);
        } catch {
          reject(new Error(`embedded broker printed ${JSON.stringify(line)}, not its listening event`));
        }
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`embedded broker exited with ${code} before listening:\n${stderr}`)));
    });
    return { bootstrap, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs the four cases once against `bootstrap`; returns wall-clock ms per case. */
async function measureOnce(broker: BrokerName, bootstrap: string, values: string, name: (what: string) => string, kcat: boolean, java: ConsoleTools | undefined): Promise<Partial<Record<Case, number>>> {
  const ms: Partial<Record<Case, number>> = {};
  const fresh = async (what: string) => {
    const topic = name(what);
    await createTopic(bootstrap, topic, ['--via', 'admin']);
    return topic;
  };
  const expectRecords = async (topic: string, who: string) => {
    const stored = await topicRecords(bootstrap, topic);
    if (stored !== N) throw new Error(`${who} wrote ${stored} records to ${topic} on ${broker}, expected ${N}`);
  };
  const drop = (topic: string) => timed(process.execPath, firehose(['delete-topic', topic], bootstrap));
  const log = (what: string) => console.error(`[${broker}] ${what} ...`);

  // firehose: spam into a fresh topic, then read it back.
  const spamTopic = await fresh('spam');
  log(`firehose spam ${spamTopic} --times ${N} --acks 1`);
  ms['firehose spam'] = check(await timed(process.execPath, firehose(['spam', spamTopic, '--times', String(N), '--acks', '1'], bootstrap)), 'firehose spam').ms;
  await expectRecords(spamTopic, 'firehose spam');
  log(`firehose consume ${spamTopic} --from-beginning --max-messages ${N} > /dev/null`);
  const consumed = check(await timed(process.execPath, firehose(['consume', spamTopic, '--from-beginning', '--max-messages', String(N)], bootstrap), { discardStdout: true }), 'firehose consume');
  if (!consumed.stderr.includes(`Consumed ${N} records`)) throw new Error(`firehose consume on ${broker} did not report ${N} records:\n${consumed.stderr}`);
  ms['firehose consume'] = consumed.ms;
  await drop(spamTopic);

  // kcat: produce the same values from a file into a fresh topic, then read it back.
  if (kcat) {
    const kcatTopic = await fresh('kcat');
    log(`kcat -P ${kcatTopic} -l values ${KCAT_PRODUCE.join(' ')}`);
    ms['kcat produce'] = check(await timed('kcat', ['-P', '-b', bootstrap, '-t', kcatTopic, '-l', values, ...KCAT_PRODUCE]), 'kcat -P').ms;
    await expectRecords(kcatTopic, 'kcat -P');
    log(`kcat -C ${kcatTopic} -o beginning -e -c ${N} -q > /dev/null`);
    ms['kcat consume'] = check(await timed('kcat', ['-C', '-b', bootstrap, '-t', kcatTopic, '-o', 'beginning', '-e', '-c', String(N), '-q'], { discardStdout: true }), 'kcat -C').ms;
    await drop(kcatTopic);
  }

  // Kafka's own perf tools: records of the spam values' size, then read back in a new group.
  if (java) {
    const javaTopic = await fresh('java');
    const tool = (main: string, args: string[]) => timed(javaBin(), ['-Xmx512m', `-Dlog4j2.configurationFile=${java.log4jConfig}`, '-cp', java.classpath, main, ...args]);
    log(`ProducerPerformance ${javaTopic} --num-records ${N} --record-size 36 acks=1`);
    ms['java ProducerPerformance'] = check(await tool('org.apache.kafka.tools.ProducerPerformance', ['--topic', javaTopic, '--num-records', String(N), '--record-size', '36', '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=1', 'linger.ms=5']), 'ProducerPerformance').ms;
    await expectRecords(javaTopic, 'ProducerPerformance');
    log(`ConsumerPerformance ${javaTopic} --messages ${N} --group (new)`);
    const read = check(await tool('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', bootstrap, '--topic', javaTopic, '--messages', String(N), '--group', name('java-group'), '--timeout', '60000']), 'ConsumerPerformance');
    // The last line's fifth field is the records read.
    const fields = read.stdout.trim().split('\n').at(-1)!.split(',').map((f) => f.trim());
    if (Number(fields[4]) !== N) throw new Error(`ConsumerPerformance read ${fields[4]} records from ${javaTopic} on ${broker}, expected ${N}:\n${read.stdout}`);
    ms['java ConsumerPerformance'] = read.ms;
    await drop(javaTopic);
  }
  return ms;
}

async function main(): Promise<void> {
  const kcat = hasKcat();
  if (!kcat) console.error('kcat is not installed: measuring firehose alone (apt-get install kcat for the kcat rows).');
  let kafka: KafkaHandle | undefined;
  let embedded: EmbeddedBroker | undefined;
  const work = await mkdtemp(join(tmpdir(), 'firehose-bench-broker-'));
  try {
    console.error(`Starting Kafka ${KAFKA_VERSION} (test/support/kafka.ts) and the embedded broker ...`);
    const [apache, mine] = await Promise.allSettled([startKafka(), startEmbedded()]);
    if (apache.status === 'fulfilled') kafka = apache.value;
    if (mine.status === 'fulfilled') embedded = mine.value;
    if (apache.status === 'rejected') throw apache.reason;
    if (mine.status === 'rejected') throw mine.reason;
    const bootstrap: Record<BrokerName, string> = { apache: apache.value.bootstrap, embedded: mine.value.bootstrap };
    const values = join(work, 'values.txt');
    await writeValues(values);
    const java = await ensureConsoleTools().catch((error: Error) => {
      console.error(`Kafka's Java tools are not available (${error.message.split('\n')[0]}): measuring without the java rows.`);
      return undefined;
    });

    const tag = randomBytes(3).toString('hex');
    const wall: Record<BrokerName, Record<Case, number[]>> = {
      apache: { 'kcat produce': [], 'kcat consume': [], 'firehose spam': [], 'firehose consume': [], 'java ProducerPerformance': [], 'java ConsumerPerformance': [] },
      embedded: { 'kcat produce': [], 'kcat consume': [], 'firehose spam': [], 'firehose consume': [], 'java ProducerPerformance': [], 'java ConsumerPerformance': [] },
    };
    for (let r = 1; r <= REPEAT; r++) {
      // Alternate which broker goes first, so drift in the machine's load hits both alike.
      const order = r % 2 ? BROKERS : [...BROKERS].reverse();
      for (const broker of order) {
        console.error(`[${r}/${REPEAT}] ${broker} at ${bootstrap[broker]}`);
        const ms = await measureOnce(broker, bootstrap[broker], values, (what) => `bench-broker-${tag}-${what}-${r}`, kcat, java);
        for (const c of CASES) if (ms[c] !== undefined) wall[broker][c].push(ms[c]);
      }
    }

    const rows = CASES.filter((c) => wall.apache[c].length > 0).map((c) => {
      const apache = rate(median(wall.apache[c]));
      const mine = rate(median(wall.embedded[c]));
      return [c, `${fmt(apache)} (${seconds(wall.apache[c])} s)`, `${fmt(mine)} (${seconds(wall.embedded[c])} s)`, (mine / apache).toFixed(2)];
    });
    const table = markdownTable(['client', 'Apache Kafka records/s (wall)', 'embedded records/s (wall)', 'embedded/apache'], rows);
    const machine = [
      `- date: ${new Date().toISOString()}`,
      `- records: ${fmt(N)} per run (\`${spamValue(0)}\` …), ${PARTITIONS} partitions, ${REPEAT} repetition${REPEAT === 1 ? '' : 's'} (rates are of the median; every wall time is listed)`,
      `- Apache Kafka ${KAFKA_VERSION} (single KRaft node on loopback, test/support/kafka.ts); embedded: \`firehose kafka start --port 0 --group-initial-rebalance-delay 0\` (in memory) in its own process`,
      `- nproc: ${cpus().length}; CPU: ${cpus()[0]?.model ?? 'unknown'}; Node ${process.version}; kcat: ${kcat ? kcatVersion() : 'not installed'}`,
      `- load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ].join('\n');
    console.log(`\n${table}\n\n${machine}`);

    await replaceResultsSection('embedded-broker', `## Embedded broker vs Apache Kafka (\`npm run bench:broker\`, part of \`npm run bench\`)

The same clients against both brokers, wall clock from process start to exit, on fresh
${PARTITIONS}-partition topics (created with \`firehose create-topic --via admin\`):

- kcat produce: \`kcat -P -b B -t T -l values.txt ${KCAT_PRODUCE.join(' ')}\` (N spam values, one per line);
- kcat consume: \`kcat -C -b B -t T -o beginning -e -c N -q > /dev/null\` (the topic kcat wrote);
- firehose spam: \`firehose spam T --times N --acks 1\`;
- firehose consume: \`firehose consume T --from-beginning --max-messages N > /dev/null\` (the topic spam wrote);
- java ProducerPerformance: Kafka ${KAFKA_VERSION}'s \`ProducerPerformance --num-records N --record-size 36 --throughput -1\` with acks=1, linger.ms=5;
- java ConsumerPerformance: its \`ConsumerPerformance --messages N --group G\` (a new group: joining is part of the time) on that topic.

Both brokers give a new group its first assignment at once (the harness's
group.initial.rebalance.delay.ms=0; \`kafka start --group-initial-rebalance-delay 0\`; the embedded
broker's default is 300ms, Kafka's 3s). The Java rows include a JVM start-up on both sides.

Record counts are checked after each produce. The brokers and the client share the machine.
The aim is embedded/apache ≥ 0.5.

${table}

${machine}`);
    console.error(`\nWrote the "Embedded broker vs Apache Kafka" section of ${RESULTS}`);
  } finally {
    await rm(work, { recursive: true, force: true });
    await embedded?.stop();
    await kafka?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
