// vitest globalSetup: one real Kafka broker for the whole test run.
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startKafka } from './kafka.js';
import type { KafkaTestInfo } from './kafka-env.js';

const stateDir = fileURLToPath(new URL('../../.firehose-test/', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const kafka = await startKafka();
  if (process.env.FIREHOSE_TEST_VERBOSE) {
    console.log(`Kafka ready in ${Date.now() - started} ms at ${kafka.bootstrap} (log: ${kafka.logFile})`);
  }
  const info: KafkaTestInfo = {
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
    await mkdir(stateDir, { recursive: true });
    await copyFile(kafka.logFile, `${stateDir}kafka-last.log`).catch(() => {});
    await kafka.stop();
  };
}
