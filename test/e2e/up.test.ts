// `firehose up` as a real process: records flow to an external sink; SIGKILL mid-stream and
// a restart lose nothing (at-least-once, counted as distinct CloudEvent ids).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventSink, type SinkHandle } from '../../src/events/sink-server.js';
import { buildCli } from '../support/build.js';
import { spawnCli, startCli } from '../support/cli.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOk, firehose, randomUser } from '../support/cli-kafka.js';
import { kafkaFromTests } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

describe('firehose up (built CLI)', () => {
  const ids = new Set<string>();
  let deliveries = 0;
  let sink: SinkHandle;

  beforeAll(async () => {
    await buildCli();
    sink = await startEventSink({ port: 0, host: '127.0.0.1' }, (e) => {
      if (e.kind !== 'event') return;
      deliveries += 1;
      ids.add(e.event.attributes.id!);
    });
  });
  afterAll(async () => { await sink?.close(); });

  it('SIGKILL mid-stream, restart: every record reaches the sink at least once', { timeout: 180_000 }, async () => {
    const user = String(randomUser());
    const argv = ['up', '--user', user, '--sink', sink.url, '--initial-offset', 'earliest', '--no-broker', '--bootstrap', kafkaFromTests().bootstrap];
    expectOk(await firehose(['create-topic', '--user', user]));
    expectOk(await firehose(['spam', '--user', user, '--times', '1000']));

    const first = startCli(argv);
    await waitFor(() => ids.size >= 100 || first.child.exitCode !== null, { timeoutMs: 60_000, what: '100 events before the kill' });
    expect(first.child.exitCode, first.output.stderr).toBeNull();
    first.child.kill('SIGKILL');
    expect((await first.child).signal).toBe('SIGKILL');
    const beforeRestart = ids.size;
    expect(beforeRestart).toBeLessThan(1000);

    const second = startCli(argv);
    try {
      await waitFor(() => ids.size >= 1000 || second.child.exitCode !== null, { timeoutMs: 120_000, what: 'all 1000 distinct events after the restart' });
      expect(ids.size, second.output.stderr).toBe(1000);
      expect([...ids].every((id) => /^partition:\d+\/offset:\d+$/.test(id))).toBe(true);
      expect(deliveries).toBeGreaterThanOrEqual(1000);
    } finally {
      second.child.kill('SIGTERM');
      const exit = await second.child;
      expect(exit.exitCode, exit.stderr).toBe(130);
      expect(second.output.stderr).toContain('Lab stopped:');
    }
  });

  it('--sink-command runs per event in the caller\'s environment, with the pod\'s K_SERVICE on top', { timeout: 90_000 }, async () => {
    const user = String(randomUser());
    const out = join(await mkdtemp(join(tmpdir(), 'firehose-sink-command-')), 'events');
    expectOk(await firehose(['create-topic', '--user', user]));
    expectOk(await firehose(['spam', '--user', user, '--times', '5']));
    // Each event as one line: the caller's SINK_OUT, the pod's K_SERVICE, then the event JSON.
    // Workers run side by side: each writes its line with one append.
    const command = 'line="$SINK_OUT $K_SERVICE $(tr -d "\\n")"; printf "%s\\n" "$line" >> "$SINK_OUT"';
    const lab = startCli(['up', '--user', user, '--sink-command', command, '--initial-offset', 'earliest', '--no-broker', '--bootstrap', kafkaFromTests().bootstrap], { env: { SINK_OUT: out } });
    const lines = () => readFile(out, 'utf8').then((t) => t.split('\n').filter(Boolean), () => [] as string[]);
    try {
      await waitFor(async () => (await lines()).length >= 5 || lab.child.exitCode !== null, { timeoutMs: 60_000, what: '5 events through the sink command' });
      const seen = await lines();
      expect(seen, lab.output.stderr).toHaveLength(5);
      for (const line of seen) expect(line).toMatch(new RegExp(`^${out} eventinghello \\{.*Sending Message: \\d`));
    } finally {
      lab.child.kill('SIGTERM');
      expect((await lab.child).exitCode, lab.output.stderr).toBe(130);
    }
  });

  it('--detach runs the lab in the background until `firehose down`', { timeout: 90_000 }, async () => {
    const user = String(randomUser());
    const env = { XDG_STATE_HOME: await mkdtemp(join(tmpdir(), 'firehose-state-')) };
    const B = ['--bootstrap', kafkaFromTests().bootstrap];
    const up = await spawnCli(['up', '--user', user, '--sink', sink.url, '--no-broker', '--detach', ...B], { env });
    expect(up.exitCode, up.stderr).toBe(0);
    const pid = Number(/pid (\d+)/.exec(up.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).not.toThrow();
    const again = await spawnCli(['up', '--user', user, '--sink', sink.url, '--no-broker', '--detach', ...B], { env });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('already running');
    const down = await spawnCli(['down', '--user', user], { env });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toContain(`(pid ${pid})`);
    expect(() => process.kill(pid, 0)).toThrow();
    const downAgain = await spawnCli(['down', '--user', user], { env });
    expect(downAgain.exitCode).toBe(1);
    expect(downAgain.stderr).toContain('No background lab is running');
  });
});
