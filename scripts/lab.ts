// The main job: the whole lab on this machine with nothing but Node.js. `firehose up`
// with no --bootstrap brings its own Kafka-compatible broker; then spam 10, consume
// --from-beginning, watch the sink workers scale 0 → N → 0, and show the groups.
// `npm run lab` (after `npm ci`). Every command it runs is echoed exactly as it runs, in a
// form to paste into another terminal from the clone (bin/firehose is the CLI there).
import { execa } from 'execa';

const user = process.env.FIREHOSE_USER ?? '1';
// Port 0: the broker takes any free port, so a Kafka already on 9092 does not get in the way.
const kafkaPort = process.env.FIREHOSE_LAB_KAFKA_PORT ?? '0';
const env = { ...process.env, FIREHOSE_USER: undefined, KAFKA_BOOTSTRAP_SERVERS: undefined, FIREHOSE_BOOTSTRAP: undefined };

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
const echo = (args: string[], suffix = '') => process.stderr.write(`\n$ bin/firehose ${args.map(quote).join(' ')}${suffix}\n`);

const upArgs = ['up', '--user', user, '--idle', '5s', '--no-broker', '--kafka-port', kafkaPort];
echo(upArgs, ' &');
const up = execa('node', ['bin/firehose.js', ...upArgs], { env, all: true, reject: false });
let output = '';
up.all!.on('data', (chunk: Buffer) => {
  output += chunk.toString();
  // up tells a person to spam from another terminal; here this script does it, echoed below.
  process.stderr.write(chunk.toString().replace(/^Spam it from another terminal: .*\n/m, ''));
});

async function until(what: string, test: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end || up.exitCode !== null) throw new Error(`lab: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

try {
  await until('the embedded broker', () => /embedded broker on \S+:\d+/.test(output), 30_000);
  const bootstrap = /embedded broker on (\S+:\d+)/.exec(output)![1]!;
  const firehose = (...args: string[]) => {
    const full = [...args, '--user', user, '--bootstrap', bootstrap];
    echo(full);
    return execa('node', ['bin/firehose.js', ...full], { env, stdio: 'inherit' });
  };
  await until('the KafkaSource dispatcher to join', () => output.includes('assigned partitions'), 60_000);
  await firehose('spam', '--times', '10');
  await firehose('consume', '--from-beginning', '--max-messages', '10');
  await until('10 events at the sink workers', () => (output.match(/POST:/g) ?? []).length >= 10, 60_000);
  await until('the workers to scale back to zero', () => / → 0 workers/.test(output), 60_000);
  await firehose('groups');
} finally {
  up.kill('SIGINT');
  await up;
}
