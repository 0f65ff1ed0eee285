// The zero-install lab: `firehose up` with no Kafka configured starts its embedded
// broker, and records flow from the spammer through the KafkaSource dispatcher to
// sink workers that scale up and back to zero. Nothing here uses the suite's broker.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { execa } from 'execa';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, spawnCli, startCli } from '../support/cli.js';
import { randomUser } from '../support/cli-kafka.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('firehose up without --bootstrap (embedded broker)', () => {
  beforeAll(() => buildCli());

  it('spam → embedded broker → dispatcher → sink workers, then back to zero; Ctrl-C stops broker and lab', { timeout: 120_000 }, async () => {
    const user = String(randomUser());
    const up = startCli(['up', '--user', user, '--kafka-port', '0', '--idle', '1s', '--no-broker']);
    try {
      await waitFor(() => /embedded broker on (127\.0\.0\.1:\d+)/.exec(up.output.stderr) || up.child.exitCode !== null, { timeoutMs: 30_000, what: 'the embedded broker line' });
      const bootstrap = /embedded broker on (127\.0\.0\.1:\d+)/.exec(up.output.stderr)?.[1];
      expect(bootstrap, up.output.stderr).toBeDefined();
      await waitFor(() => up.output.stderr.includes('assigned partitions') || up.child.exitCode !== null, { timeoutMs: 30_000, what: 'the dispatcher to join its group' });

      // The command up tells a person to type in another terminal works as printed (with the
      // --user and the --bootstrap of an embedded broker on a port of its own).
      const told = /Spam it from another terminal: (.*)\. Ctrl-C stops the lab\./.exec(up.output.stderr)?.[1];
      expect(told).toBe(`firehose spam --times 10 --user ${user} --bootstrap ${bootstrap}`);
      const spam = await execa('bash', ['-c', told!], { env: cleanEnv({ PATH: `${join(ROOT, 'bin')}:${process.env.PATH}` }) as NodeJS.ProcessEnv, extendEnv: false, reject: false, all: true });
      expect(spam.exitCode, spam.all).toBe(0);
      const delivered = () => (up.output.stdout + up.output.stderr).match(/POST:\{ "message": "Sending Message: \d+" \}/g) ?? [];
      await waitFor(() => delivered().length >= 10 || up.child.exitCode !== null, { timeoutMs: 30_000, what: '10 events at the sink workers' });
      expect(new Set(delivered()).size).toBe(10);
      await waitFor(() => / → 0 workers/.test(up.output.stderr) || up.child.exitCode !== null, { timeoutMs: 30_000, what: 'the workers to scale back to zero' });
      expect(up.output.stderr).toMatch(/0 → \d+ workers/);
    } finally {
      up.child.kill('SIGINT');
    }
    const exit = await up.child;
    expect(exit.exitCode, up.output.stderr).toBe(130);
    expect(up.output.stderr).toContain('Lab stopped: 10 delivered');
  });

  it('says what to do when the embedded broker\'s port is taken', { timeout: 60_000 }, async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = String((blocker.address() as { port: number }).port);
    try {
      const result = await spawnCli(['up', '--user', String(randomUser()), '--kafka-port', port, '--no-broker']);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(new RegExp(`error: port ${port} on 127.0.0.1 is already in use`));
      expect(result.stderr).toMatch(new RegExp(`hint: .*--bootstrap localhost:${port} to use it; otherwise pick another --kafka-port`));
    } finally {
      blocker.close();
    }
  });
});
