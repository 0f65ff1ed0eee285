// TLS and SASL on the wire client against the broker's TLS and SASL_PLAINTEXT listeners
// (Apache Kafka's, or the embedded broker's: test/support/global-setup.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../../../src/kafka/wire/connection.js';
import { parseHostPort } from '../../../src/kafka/wire/cluster.js';
import { kafkaFromTests } from '../../support/kafka-env.js';

const kafka = kafkaFromTests();

/** Opens, checks one Metadata round trip, closes. */
async function roundTrip(options: ConnectionOptions): Promise<void> {
  const connection = await Connection.open({ connectTimeoutMs: 10_000, ...options });
  try {
    expect((await connection.request('Metadata', { topics: [] })).brokers.length).toBeGreaterThan(0);
  } finally {
    connection.close();
  }
}

describe('TLS', () => {
  const ca = () => readFileSync(kafka.tls.caFile);

  it('verifies the broker with a CA file and sends a PEM client certificate', async () => {
    await roundTrip({ ...parseHostPort(kafka.tlsBootstrap), tls: { ca: ca(), cert: readFileSync(kafka.tls.certFile), key: readFileSync(kafka.tls.keyFile) } });
  });

  it('takes a PKCS#12 keystore with its password', async () => {
    await roundTrip({ ...parseHostPort(kafka.tlsBootstrap), tls: { ca: ca(), pfx: readFileSync(kafka.tls.keystoreFile), passphrase: kafka.tls.keystorePassword } });
  });

  it('refuses a certificate for another host name unless told to skip the check', async () => {
    const keystore = { pfx: readFileSync(kafka.tls.keystoreFile), passphrase: kafka.tls.keystorePassword };
    const address = parseHostPort(kafka.tlsWrongHostBootstrap);
    const error = await Connection.open({ ...address, tls: { ca: ca(), ...keystore } }).then((c) => c.close(), (e: Error) => e);
    expect(String(error)).toMatch(new RegExp(`TLS handshake with ${kafka.tlsWrongHostBootstrap} failed: .*does not match certificate's altnames`));
    await roundTrip({ ...address, tls: { ca: ca(), ...keystore, skipHostnameVerification: true } });
  });
});

describe('SASL', () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`${mechanism}: authenticates, and a wrong password fails in one line`, async () => {
      const address = parseHostPort(kafka.saslBootstrap);
      await roundTrip({ ...address, sasl: { mechanism, username: kafka.sasl.username, password: kafka.sasl.password } });
      const error = await Connection.open({ ...address, sasl: { mechanism, username: kafka.sasl.username, password: 'wrong' } }).then((c) => c.close(), (e: Error) => e);
      expect(String(error)).toMatch(new RegExp(`authentication as "${kafka.sasl.username}" failed at ${kafka.saslBootstrap}`));
      expect(String(error)).not.toContain('\n');
    });
  }
});
