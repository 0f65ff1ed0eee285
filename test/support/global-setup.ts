// vitest globalSetup: one broker for the whole test run. By default a real
// Apache Kafka; with FIREHOSE_TEST_BROKER=embedded (vitest.embedded.config.ts)
// firehose's own embedded broker, so the same suite runs against both.
import { appendFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startKafka } from './kafka.js';
import type { KafkaTestInfo } from './kafka-env.js';

const stateDir = fileURLToPath(new URL('../../.firehose-test/', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  mkdirSync(stateDir, { recursive: true });
  if (process.env.FIREHOSE_TEST_BROKER === 'embedded') return startEmbedded(project, started);
  const kafka = await startKafka();
  if (process.env.FIREHOSE_TEST_VERBOSE) {
    console.log(`Kafka ready in ${Date.now() - started} ms at ${kafka.bootstrap} (log: ${kafka.logFile})`);
  }
  const info: KafkaTestInfo = {
    flavour: 'apache',
    bootstrap: kafka.bootstrap,
    tlsBootstrap: kafka.tlsBootstrap,
    tlsWrongHostBootstrap: kafka.tlsWrongHostBootstrap,
    saslBootstrap: kafka.saslBootstrap,
    sasl: kafka.sasl,
    tls: kafka.tls,
    logFile: kafka.logFile,
  };
  project.provide('kafka', info);
  return async () => {
    // stop() deletes the broker's dir; keep its log for post-mortems (.ci/run prints it on failure).
    try {
      copyFileSync(kafka.logFile, `${stateDir}kafka-last.log`);
    } catch {}
    await kafka.stop();
  };
}

async function startEmbedded(project: TestProject, started: number): Promise<() => Promise<void>> {
  const { startEmbeddedBroker } = await import('../../src/embedded-kafka/server.js');
  const logFile = `${stateDir}kafka-last.log`;
  mkdirSync(stateDir, { recursive: true });
  appendFileSync(logFile, '', { flag: 'w' });
  const write = (level: string) => (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${level} ${line}\n`);
  // Retention checked every second, as the Apache Kafka broker of the suite checks it (kafka.ts).
  // KIP-848 members heartbeat every 500 ms, as the Apache Kafka broker of the suite tells them (kafka.ts).
  const broker = await startEmbeddedBroker({ port: 0, retentionCheckIntervalMs: 1000, consumerGroupHeartbeatIntervalMs: 500, log: { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN') } });
  if (process.env.FIREHOSE_TEST_VERBOSE) console.log(`Embedded broker ready in ${Date.now() - started} ms at ${broker.bootstrap} (log: ${logFile})`);
  // The embedded broker is plaintext only: the TLS and SASL suites are excluded in
  // vitest.embedded.config.ts, so these listener fields stay empty.
  const none = '';
  project.provide('kafka', {
    flavour: 'embedded',
    bootstrap: broker.bootstrap,
    tlsBootstrap: none,
    tlsWrongHostBootstrap: none,
    saslBootstrap: none,
    sasl: { username: none, password: none },
    tls: { caFile: none, keystoreFile: none, keystorePassword: none, certFile: none, keyFile: none },
    logFile,
  });
  return () => broker.stop();
}
