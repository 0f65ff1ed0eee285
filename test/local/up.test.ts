// `firehose up` in-process with its own sink workers: the lab's flow from spam to scaling
// workers and back to zero, as its output shows it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UP_DATA_DIR_RENAMED } from '../../src/cli/commands/up.js';
import { expectOk, firehose, randomUser } from '../support/cli-kafka.js';
import { waitFor } from '../support/wait.js';
import { kafkaFromTests } from '../support/kafka-env.js';
import { startInProcess } from '../support/cli.js';

describe('firehose up (local workers)', () => {
  it('spam 30 → 30 POST lines from workers that scale within --max-scale and back to zero', { timeout: 90_000 }, async () => {
    const user = String(randomUser());
    const up = startInProcess(['up', '--user', user, '--bootstrap', kafkaFromTests().bootstrap, '--max-scale', '3', '--idle', '1s', '--cold-start', '50ms', '--no-broker']);
    try {
      await waitFor(() => up.output.stderr.includes('assigned partitions'), { timeoutMs: 30_000, what: 'the dispatcher to join its group' });
      expectOk(await firehose(['spam', '--user', user, '--times', '30']));
      await waitFor(() => (up.output.stdout.match(/POST:\{ "message"/g) ?? []).length >= 30, { timeoutMs: 30_000, what: '30 events at the workers' });
      await waitFor(() => / → 0 workers/.test(up.output.stderr), { timeoutMs: 30_000, what: 'scale to zero after --idle' });
    } finally {
      expect(await up.stop()).toBe(130);
    }
    const posts = up.output.stdout.match(/POST:\{ "message": "Sending Message: (\d+)" \}/g) ?? [];
    expect(new Set(posts).size).toBe(30);
    const sizes = [...up.output.stderr.matchAll(/\[autoscaler\] \d+ → (\d+) workers/g)].map((m) => Number(m[1]));
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(up.output.stderr).toContain(`topic my-topic-${user} → KafkaSource (group knative-group-${user})`);
    expect(up.output.stderr).toContain('Lab stopped: 30 delivered');
  });

  it('--trigger routes broker events by exact filter to the sink workers', { timeout: 90_000 }, async () => {
    const user = String(randomUser());
    const up = startInProcess(['up', '--user', user, '--bootstrap', kafkaFromTests().bootstrap, '--cold-start', '10ms', '--trigger', 'subscriber=eventinghello,type=lab.hello']);
    try {
      const brokerUrl = (await waitFor(() => /Broker ingress (http:\/\/\S+)/.exec(up.output.stderr)?.[1], { timeoutMs: 30_000, what: 'the broker URL' }));
      expect(up.output.stderr).toContain('(triggers: trigger-1)');
      const send = (type: string, data: string) => fetch(brokerUrl, { method: 'POST', headers: { 'ce-specversion': '1.0', 'ce-id': data, 'ce-type': type, 'ce-source': '/t', 'content-type': 'text/plain' }, body: data });
      expect((await send('lab.other', 'not-for-the-sink')).status).toBe(202);
      expect((await send('lab.hello', 'for-the-sink')).status).toBe(202);
      await waitFor(() => up.output.stdout.includes('POST:for-the-sink'), { timeoutMs: 30_000, what: 'the matching event at a worker' });
      expect(up.output.stderr).toMatch(/lab\.other from \/t → no trigger matched/);
      expect(up.output.stdout).not.toContain('not-for-the-sink');
    } finally {
      expect(await up.stop()).toBe(130);
    }
  });

  it('tail logs --local and watch pods --local show the workers like pods, with no cluster', { timeout: 90_000 }, async () => {
    const user = String(randomUser());
    const up = startInProcess(['up', '--user', user, '--bootstrap', kafkaFromTests().bootstrap, '--max-scale', '3', '--idle', '1s', '--cold-start', '50ms', '--no-broker']);
    try {
      await waitFor(() => up.output.stderr.includes('assigned partitions'), { timeoutMs: 30_000, what: 'the lab to start' });
      // No --user: the one lab running here is found (watch names it, as before).
      const tail = startInProcess(['tail', 'logs', '--local', '--no-color']);
      const watch = startInProcess(['watch', 'pods', '--local', '--user', user]);
      // stern's filters: only the lines of records 10..19.
      const filtered = startInProcess(['tail', 'logs', '--local', '--user', user, '--no-color', '--include', 'Sending Message: 1\\d', '--exclude', 'Message: 1[5-9]']);
      try {
        await waitFor(() => tail.output.stderr.includes("Following the local lab's sink workers"), { timeoutMs: 10_000, what: 'tail to connect' });
        await waitFor(() => watch.output.stderr.includes("Watching the local lab's sink workers"), { timeoutMs: 10_000, what: 'watch to connect' });
        await waitFor(() => filtered.output.stderr.includes("Following the local lab's sink workers"), { timeoutMs: 10_000, what: 'the filtered tail to connect' });
        expectOk(await firehose(['spam', '--user', user, '--times', '20']));
        await waitFor(() => (tail.output.stdout.match(/POST:/g) ?? []).length >= 20, { timeoutMs: 30_000, what: '20 POST lines in tail' });
        await waitFor(() => /ready 0 \(max [1-3]\)/.test(watch.output.stdout) && /^DELETED /m.test(watch.output.stdout), { timeoutMs: 30_000, what: 'scale to zero in watch' });
      } finally {
        expect(await tail.stop()).toBe(130);
        expect(await watch.stop()).toBe(130);
        expect(await filtered.stop()).toBe(130);
      }
      expect([...filtered.output.stdout.matchAll(/Sending Message: (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14]);
      // Each line is prefixed with its worker, named like a Knative pod.
      expect(tail.output.stdout).toMatch(/^eventinghello-00001-deployment-[a-z0-9]{5} INFO \[eventing-hello\] .*POST:\{ "message": "Sending Message: \d+" \}$/m);
      expect(tail.output.stderr).toMatch(/^\+ eventinghello-00001-deployment-/m);
      expect(tail.output.stderr).toMatch(/^- eventinghello-00001-deployment-/m);
      expect(watch.output.stdout).toMatch(/^ADDED eventinghello-00001-deployment-\S+ Pending 0\/1/m);
      expect(watch.output.stdout).toMatch(/^MODIFIED eventinghello-00001-deployment-\S+ Running 1\/1/m);
    } finally {
      expect(await up.stop()).toBe(130);
    }
  });

  it('--kafka-data-dir keeps the embedded Kafka broker\'s data there; --data-dir, its old name, still does, with a note', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firehose-up-kafka-'));
    try {
      for (const flag of ['--kafka-data-dir', '--data-dir']) {
        const up = startInProcess(['up', '--user', String(randomUser()), '--kafka-port', '0', flag, dir, '--no-broker', '--cold-start', '10ms']);
        try {
          await waitFor(() => up.output.stderr.includes('Lab up for user') || up.output.stderr.includes('error:'), { timeoutMs: 30_000, what: 'the lab to start' });
          expect(up.output.stderr).toMatch(/\[kafka\] embedded broker on 127\.0\.0\.1:\d+ \(data in /);
          expect(up.output.stderr).toContain(`(data in ${dir};`);
          if (flag === '--data-dir') expect(up.output.stderr).toContain(`warning: ${UP_DATA_DIR_RENAMED}\n`);
          else expect(up.output.stderr).not.toContain('warning:');
        } finally {
          expect(await up.stop()).toBe(130);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--local without a running lab is a clear error', async () => {
    const tail = startInProcess(['tail', 'logs', '--local', '--user', String(randomUser())]);
    expect(await tail.exit).toBe(1);
    expect(tail.output.stderr).toMatch(/^error: No local lab with sink workers is running for user \d+\.$/m);
    expect(tail.output.stderr).toMatch(/^hint: Start one with `firehose up`/m);
  });

  it('--local without --user and several labs running here says which users to pick from', async () => {
    const state = await mkdtemp(join(tmpdir(), 'firehose-labs-'));
    try {
      await mkdir(join(state, 'firehose'));
      for (const user of [3, 8]) {
        // This test process stands in for both labs (the state file only needs a live pid).
        await writeFile(join(state, 'firehose', `up-user${user}.json`), JSON.stringify({ pid: process.pid, user, observeUrl: 'http://127.0.0.1:1/', sinkUrl: 'x', bootstrap: 'x', embeddedKafka: false, logFile: '', startedAt: '' }));
      }
      const tail = startInProcess(['tail', 'logs', '--local'], { env: { XDG_STATE_HOME: state } });
      expect(await tail.exit).toBe(2);
      expect(tail.output.stderr).toMatch(/^error: Local labs of users 3, 8 are running here: say which one\.$/m);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });

  it('--subscribe: a channel sends every event to each subscriber', { timeout: 90_000 }, async () => {
    const user = String(randomUser());
    const received: string[] = [];
    const { startEventSink } = await import('../../src/events/sink-server.js');
    const other = await startEventSink({ port: 0, host: '127.0.0.1' }, (e) => { if (e.kind === 'event') received.push(e.event.attributes.id!); });
    const up = startInProcess(['up', '--user', user, '--bootstrap', kafkaFromTests().bootstrap, '--cold-start', '10ms', '--no-broker', '--subscribe', 'eventinghello', '--subscribe', other.url]);
    try {
      const channelUrl = await waitFor(() => /Channel ingress (http:\/\/\S+) \(2 subscriptions/.exec(up.output.stderr)?.[1], { timeoutMs: 30_000, what: 'the channel URL' });
      const response = await fetch(channelUrl, { method: 'POST', headers: { 'ce-specversion': '1.0', 'ce-id': 'fan-1', 'ce-type': 'lab.fan', 'ce-source': '/t', 'content-type': 'text/plain' }, body: 'to-everyone' });
      expect(response.status).toBe(202);
      await waitFor(() => up.output.stdout.includes('POST:to-everyone') && received.includes('fan-1'), { timeoutMs: 30_000, what: 'both subscribers to get the event' });
    } finally {
      expect(await up.stop()).toBe(130);
      await other.close();
    }
  });
});
