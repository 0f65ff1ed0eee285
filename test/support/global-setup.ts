// vitest globalSetup: one broker for the whole test run. By default a real
// Apache Kafka; with FIREHOSE_TEST_BROKER=embedded (vitest.embedded.config.ts)
// firehose's own embedded broker, so the same suite runs against both.
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const { prepareTlsFiles } = await import('../../src/embedded-kafka/tls-files.js');
  const { issueCertificate } = await import('../../src/util/x509.js');
  const logFile = `${stateDir}kafka-last.log`;
  mkdirSync(stateDir, { recursive: true });
  appendFileSync(logFile, '', { flag: 'w' });
  const write = (level: string) => (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${level} ${line}\n`);
  // The listeners the Apache Kafka harness has (test/support/kafka.ts): plaintext, SSL with
  // client certificates required, SSL with a certificate for another host, SASL_PLAINTEXT.
  // The CA, certificates and keystore are made by firehose itself, as `kafka start --tls` does.
  const tlsDir = mkdtempSync(join(tmpdir(), 'firehose-embedded-tls-'));
  const tls = await prepareTlsFiles({ dir: tlsDir });
  const ca = { certificatePem: tls.caPem, keyPem: readFileSync(tls.files.caKey, 'utf8') };
  const wrongHost = await issueCertificate({ subject: 'CN=wrong.example', days: 7, issuer: ca, dnsNames: ['wrong.example'] });
  const sasl = { username: 'alice', password: randomBytes(9).toString('base64url') };
  const broker = await startEmbeddedBroker({
    port: 0,
    // Retention checked every second, as the Apache Kafka broker of the suite checks it (kafka.ts).
    retentionCheckIntervalMs: 1000,
    // KIP-848 members heartbeat every 500 ms, as the Apache Kafka broker of the suite tells them (kafka.ts).
    consumerGroupHeartbeatIntervalMs: 500,
    log: { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN') },
    listeners: [
      { name: 'PLAINTEXT' },
      { name: 'SSL', tls: { ...tls.server, caPem: tls.caPem, clientAuth: 'required' } },
      { name: 'SSL2', tls: { ...wrongHost, caPem: tls.caPem, clientAuth: 'required' } },
      { name: 'SASL', sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'], users: new Map([[sasl.username, sasl.password]]) } },
    ],
  });
  const at = (name: string) => broker.listeners.find((l) => l.name === name)!.bootstrap;
  if (process.env.FIREHOSE_TEST_VERBOSE) console.log(`Embedded broker ready in ${Date.now() - started} ms at ${broker.bootstrap} (log: ${logFile})`);
  project.provide('kafka', {
    flavour: 'embedded',
    bootstrap: broker.bootstrap,
    tlsBootstrap: at('SSL'),
    tlsWrongHostBootstrap: at('SSL2'),
    saslBootstrap: at('SASL'),
    sasl,
    tls: { caFile: tls.files.ca, keystoreFile: tls.files.keystore, keystorePassword: tls.keystorePassword, certFile: tls.files.client, keyFile: tls.files.clientKey },
    logFile,
  });
  return async () => {
    await broker.stop();
    rmSync(tlsDir, { recursive: true, force: true });
  };
}
