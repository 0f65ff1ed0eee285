// `firehose up` in-process with its own sink workers: the lab's flow from spam to scaling
// workers and back to zero, as its output shows it.
import { describe, expect, it } from 'vitest';
import { expectOk, firehose, randomUser } from '../support/cli-kafka.js';
import { waitFor } from '../support/wait.js';
import { kafkaFromTests } from '../support/kafka-env.js';
import { PassThrough } from 'node:stream';

describe('firehose up (local workers)', () => {
  it('spam 30 → 30 POST lines from workers that scale within --max-scale and back to zero', { timeout: 90_000 }, async () => {
    const user = String(randomUser());
    const controller = new AbortController();
    let stdout = '';
    let stderr = '';
    const out = new PassThrough().on('data', (c: Buffer) => { stdout += c.toString(); });
    const err = new PassThrough().on('data', (c: Buffer) => { stderr += c.toString(); });
    const { run } = await import('../../src/cli/main.js');
    const up = run(
      ['up', '--user', user, '--bootstrap', kafkaFromTests().bootstrap, '--max-scale', '3', '--idle', '1s', '--cold-start', '50ms', '--no-broker'],
      { env: { HOME: '/nonexistent', FIREHOSE_CONFIG: '/nonexistent.yaml' }, stdin: new PassThrough(), stdout: out, stderr: err, signal: controller.signal },
    );
    try {
      await waitFor(() => stderr.includes('assigned partitions'), { timeoutMs: 30_000, what: 'the dispatcher to join its group' });
      expectOk(await firehose(['spam', '--user', user, '--times', '30']));
      await waitFor(() => (stdout.match(/POST:\{ "message"/g) ?? []).length >= 30, { timeoutMs: 30_000, what: '30 events at the workers' });
      await waitFor(() => / → 0 workers/.test(stderr), { timeoutMs: 30_000, what: 'scale to zero after --idle' });
    } finally {
      controller.abort();
      expect(await up).toBe(130);
    }
    const posts = stdout.match(/POST:\{ "message": "Sending Message: (\d+)" \}/g) ?? [];
    expect(new Set(posts).size).toBe(30);
    const sizes = [...stderr.matchAll(/\[autoscaler\] \d+ → (\d+) workers/g)].map((m) => Number(m[1]));
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(stderr).toContain(`topic my-topic-${user} → KafkaSource (group knative-group-${user})`);
    expect(stderr).toContain('Lab stopped: 30 delivered');
  });
});
