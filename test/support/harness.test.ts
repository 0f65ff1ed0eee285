// Smoke test of the test harness itself: the broker from global-setup.ts
// answers kafkajs on PLAINTEXT and on mutual TLS, and the wrong-host TLS
// listener really fails hostname verification.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaFromTests, uniqueName } from './kafka-env.js';

const kafka = kafkaFromTests();
const tlsOptions = {
  ca: [readFileSync(kafka.tls.caFile)],
  pfx: readFileSync(kafka.tls.keystoreFile),
  passphrase: kafka.tls.keystorePassword,
};
// Fail fast: the negative cases would otherwise retry for ~30 s.
const base: Partial<KafkaConfig> = { logLevel: logLevel.NOTHING, connectionTimeout: 5_000, retry: { retries: 0 } };
const admins: Array<{ disconnect(): Promise<void> }> = [];

async function listTopicsVia(config: KafkaConfig): Promise<string[]> {
  const admin = new Kafka({ ...base, ...config }).admin();
  admins.push(admin);
  await admin.connect();
  return admin.listTopics();
}

afterAll(async () => {
  await Promise.allSettled(admins.map((a) => a.disconnect()));
});

describe('kafka test harness', () => {
  it('serves PLAINTEXT: create a topic, produce and consume a message', async () => {
    const client = new Kafka({ ...base, retry: { retries: 5 }, clientId: 'harness', brokers: [kafka.bootstrap] });
    const topic = uniqueName('harness');
    const admin = client.admin();
    admins.push(admin);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    expect(await admin.listTopics()).toContain(topic);

    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'hello' }] });
    await producer.disconnect();

    const consumer = client.consumer({ groupId: uniqueName('group') });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = await new Promise<string>((resolve, reject) => {
      consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }).catch(reject);
    });
    await consumer.disconnect();
    expect(received).toBe('hello');
  });

  it('serves TLS with the client PKCS#12 keystore', async () => {
    const topics = await listTopicsVia({ brokers: [kafka.tlsBootstrap], ssl: tlsOptions });
    expect(Array.isArray(topics)).toBe(true);
  });

  it('requires a client certificate on TLS', async () => {
    await expect(listTopicsVia({ brokers: [kafka.tlsBootstrap], ssl: { ca: tlsOptions.ca } })).rejects.toThrow(/certificate/);
  });

  it('fails hostname verification on the wrong-host listener', async () => {
    await expect(listTopicsVia({ brokers: [kafka.tlsWrongHostBootstrap], ssl: tlsOptions }))
      .rejects.toThrow(/does not match certificate's altnames/);
  });

  it('accepts the wrong-host listener when hostname checks are skipped', async () => {
    const topics = await listTopicsVia({
      brokers: [kafka.tlsWrongHostBootstrap],
      ssl: { ...tlsOptions, checkServerIdentity: () => undefined },
    });
    expect(Array.isArray(topics)).toBe(true);
  });
});
