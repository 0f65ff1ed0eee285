// The main job: the whole lab on this machine against a real Apache Kafka started here
// (until `firehose up` brings its own broker): create-topic, `firehose up` (KafkaSource
// dispatcher → sink workers that scale 0..10), spam 10, consume from the beginning.
// `npm run lab`.
import { execa } from 'execa';
import { startKafka } from '../test/support/kafka.js';

const user = process.env.FIREHOSE_USER ?? '1';
const deadline = (ms: number) => Date.now() + ms;
process.stderr.write('Starting Apache Kafka (KRaft, single node, loopback)...\n');
const kafka = await startKafka();
const env = { ...process.env, KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrap, FIREHOSE_USER: user };
const firehose = (...args: string[]) => {
  process.stderr.write(`\n$ firehose ${args.join(' ')}\n`);
  return execa('node', ['bin/firehose.js', ...args], { env, stdio: 'inherit' });
};
try {
  process.stderr.write(`Kafka is at ${kafka.bootstrap}; user number ${user}.\n`);
  await firehose('create-topic');
  process.stderr.write('\n$ firehose up --idle 5s &\n');
  const up = execa('node', ['bin/firehose.js', 'up', '--idle', '5s', '--no-broker'], { env, all: true, reject: false });
  let output = '';
  up.all!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  const until = async (what: string, test: () => boolean, ms: number) => {
    const end = deadline(ms);
    while (!test()) {
      if (Date.now() > end || up.exitCode !== null) throw new Error(`lab: gave up waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await until('the KafkaSource dispatcher to join', () => output.includes('assigned partitions'), 60_000);
  await firehose('spam', '--times', '10');
  await firehose('consume', '--from-beginning', '--max-messages', '10');
  await until('10 events at the sink workers', () => (output.match(/POST:/g) ?? []).length >= 10, 60_000);
  await until('the workers to scale back to zero', () => / → 0 workers/.test(output), 60_000);
  up.kill('SIGINT');
  await up;
  await firehose('groups');
} finally {
  await kafka.stop();
}
