// Seed 002 on this machine with nothing but Node.js: `firehose edge up --detach` runs the
// sensors, an MQTT broker, the bridge, a factory and a central Kafka (firehose's embedded
// brokers), the mirror and the data lake in the background; once the lake holds objects, the
// mirrored topic is read on the central Kafka and the lake's objects listed; `edge down` ends
// it. `npm run lab:edge` (after `npm ci`). Every command it runs is echoed exactly as it runs,
// in a form to paste into another terminal from the clone (bin/firehose is the CLI there).
import { execa } from 'execa';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Port 0: each broker takes any free port, so an MQTT broker or Kafka already running does not get in the way.
const port = process.env.FIREHOSE_LAB_EDGE_PORT ?? '0';
const env = { ...process.env, KAFKA_BOOTSTRAP_SERVERS: undefined, FIREHOSE_BOOTSTRAP: undefined };
const dir = await mkdtemp(join(tmpdir(), 'firehose-lab-edge-'));

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
const echo = (args: string[]) => process.stderr.write(`\n$ bin/firehose ${args.map(quote).join(' ')}\n`);
const firehose = (args: string[]) => {
  echo(args);
  return execa('node', ['bin/firehose.js', ...args], { env, stdio: 'inherit' });
};

/** The lake's objects so far (the folder's .jsonl files), without a command: the script's own wait. */
async function objectsIn(folder: string): Promise<number> {
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((name) => name.endsWith('.jsonl')).length;
}

async function until(what: string, test: () => Promise<boolean>, ms: number, log: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`lab:edge: gave up waiting for ${what}; the edge lab's log is ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const upArgs = ['edge', 'up', '--mqtt-port', port, '--factory-kafka-port', port, '--central-kafka-port', port, '--dir', dir, '--detach'];
echo(upArgs);
const up = await execa('node', ['bin/firehose.js', ...upArgs], { env, stdout: 'pipe', stderr: 'inherit' });
process.stdout.write(`${up.stdout}\n`);
try {
  const central = /central Kafka (\S+:\d+),/.exec(up.stdout)?.[1];
  const log = /; log (\S+)\./.exec(up.stdout)?.[1] ?? '(no log file)';
  if (!central) throw new Error(`lab:edge: edge up did not say where the central Kafka is: ${up.stdout}`);
  await until('objects in the data lake', async () => (await objectsIn(dir)) >= 2, 90_000, log);
  await firehose(['consume', 'manuela-factory.iot-sensor-sw-temperature', '--from-beginning', '--max-messages', '5', '--bootstrap', central]);
  await firehose(['lake', 'ls', '--dir', dir]);
} finally {
  await firehose(['edge', 'down']);
}
