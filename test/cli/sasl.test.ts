import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';

describe('SASL against the SASL_PLAINTEXT listener', () => {
  const kafka = kafkaFromTests();

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
    it(`${mechanism}: creates, spams and reads back with the password from the environment`, async () => {
      const topic = uniqueName(`sasl-${mechanism}`);
      const env = { FIREHOSE_SASL_PASSWORD: kafka.sasl.password, FIREHOSE_SASL_USERNAME: kafka.sasl.username };
      const flags = ['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', mechanism];
      const created = await runCli([...flags, 'create-topic', topic, '--partitions', '1'], { env });
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      expect((await runCli([...flags, 'spam', topic, '--times', '3'], { env })).code).toBe(0);
      const read = await runCli([...flags, 'consume', topic, '--from-beginning', '--max-messages', '3'], { env });
      expect(read.code).toBe(0);
      expect(read.stdout.trim().split('\n')).toEqual([0, 1, 2].map((i) => `{ "message": "Sending Message: ${i}" }`));
      for (const output of [created, read]) expect(output.stdout + output.stderr).not.toContain(kafka.sasl.password);
    });
  }

  it('a wrong password is a clear one-line error that never shows the password', async () => {
    const wrong = 'not-the-password-123';
    const result = await runCli(
      ['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', kafka.sasl.username, '--connect-timeout', '5s', 'topics'],
      { env: { FIREHOSE_SASL_PASSWORD: wrong } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Kafka at 127\.0\.0\.1:\d+ rejected the SASL login/m);
    expect(result.stderr + result.stdout).not.toContain(wrong);
  });

  it('without a password in a non-interactive shell it fails instead of prompting', async () => {
    const result = await runCli(['--bootstrap', kafka.saslBootstrap, '--sasl-mechanism', 'plain', '--sasl-username', 'alice', 'topics']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FIREHOSE_SASL_PASSWORD');
  });
});
