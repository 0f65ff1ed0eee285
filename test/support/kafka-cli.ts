// A broker for manual work that outlives this script:
//   tsx test/support/kafka-cli.ts start|stop|status   (npm run kafka:start / kafka:stop)
// State lives in .firehose-test/kafka.json at the repo root.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, startKafka, stopProcess, type KafkaInfo } from './kafka.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const stateDir = join(root, '.firehose-test');
const stateFile = join(stateDir, 'kafka.json');

function readState(): KafkaInfo | undefined {
  return existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as KafkaInfo) : undefined;
}

/** Alive and still our broker: a recycled pid must not be killed by `stop`. */
function running(state: KafkaInfo): boolean {
  if (!alive(state.pid)) return false;
  try {
    return readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').includes(state.dataDir);
  } catch {
    return existsSync(state.dataDir); // no /proc: trust the pid
  }
}

function print(state: KafkaInfo): void {
  console.log(
    [
      `KAFKA_BOOTSTRAP_SERVERS=${state.bootstrap}`,
      `KAFKA_TLS_BOOTSTRAP_SERVERS=${state.tlsBootstrap}`,
      `KAFKA_TLS_WRONG_HOST_BOOTSTRAP_SERVERS=${state.tlsWrongHostBootstrap}`,
      `KAFKA_SASL_BOOTSTRAP_SERVERS=${state.saslBootstrap}`,
      `FIREHOSE_SASL_USERNAME=${state.sasl.username}`,
      `FIREHOSE_SASL_PASSWORD=${state.sasl.password}`,
      `KAFKA_CA_FILE=${state.tls.caFile}`,
      `KAFKA_KEYSTORE_FILE=${state.tls.keystoreFile}`,
      `KAFKA_KEYSTORE_PASSWORD=${state.tls.keystorePassword}`,
      `KAFKA_CERT_FILE=${state.tls.certFile}`,
      `KAFKA_KEY_FILE=${state.tls.keyFile}`,
      `# pid ${state.pid}, log ${state.logFile}`,
    ].join('\n'),
  );
}

async function start(): Promise<void> {
  const old = readState();
  if (old && running(old)) {
    console.error('Kafka is already running.');
    print(old);
    return;
  }
  if (old) await rm(old.dataDir, { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });
  const began = Date.now();
  const { stop: _stop, ...state } = await startKafka({ dir: join(stateDir, `kafka-${Date.now()}`), detached: true });
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  console.error(`Kafka started in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
  print(state);
}

async function stop(): Promise<void> {
  const state = readState();
  if (!state) {
    console.error('No Kafka state file; nothing to stop.');
    return;
  }
  if (running(state)) await stopProcess(state.pid);
  await rm(state.dataDir, { recursive: true, force: true });
  await rm(stateFile, { force: true });
  console.error('Kafka stopped.');
}

function status(): void {
  const state = readState();
  if (state && running(state)) {
    print(state);
  } else {
    console.error(state ? `Kafka (pid ${state.pid}) is not running; run stop to clean up.` : 'Kafka is not running.');
    process.exitCode = 1;
  }
}

const command = process.argv[2];
if (command === 'start') await start();
else if (command === 'stop') await stop();
else if (command === 'status') status();
else {
  console.error('usage: tsx test/support/kafka-cli.ts start|stop|status');
  process.exitCode = 2;
}
