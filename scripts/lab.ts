// The lab's data flow on a real Apache Kafka started here (until `firehose up` brings
// its own broker): create-topic, spam 10, consume from the beginning. `npm run lab`.
import { execa } from 'execa';
import { startKafka } from '../test/support/kafka.js';

const user = process.env.FIREHOSE_USER ?? '1';
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
  await firehose('spam', '--times', '10');
  await firehose('consume', '--from-beginning', '--max-messages', '10');
  await firehose('groups');
} finally {
  await kafka.stop();
}
