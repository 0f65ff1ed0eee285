// `firehose kafka start` is the embedded Kafka broker; `firehose broker start`, its old name,
// still runs it for one release, hidden, with a one-line note on stderr.
import { describe, expect, it } from 'vitest';
import { BROKER_START_RENAMED } from '../../src/cli/commands/kafka.js';
import { runCli, startInProcess } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

/** Runs `argv` until it prints its listening line, stops it like Ctrl-C, returns its output. */
async function startAndStop(argv: string[]) {
  const broker = startInProcess(argv);
  await waitFor(() => broker.output.stdout.includes('"listening"') || broker.output.stderr.includes('error:'), { timeoutMs: 10_000, what: 'the broker to listen' });
  expect(await broker.stop()).toBe(130);
  return broker.output;
}

describe('firehose kafka start, and broker start as its old name', () => {
  it('kafka start prints only data on stdout with --output json, and no note', async () => {
    const output = await startAndStop(['kafka', 'start', '--port', '0', '--output', 'json']);
    expect(output.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      { event: 'listening', bootstrap: expect.stringMatching(/^127\.0\.0\.1:\d+$/), protocol: 'PLAINTEXT', dataDir: null, tls: null, sasl: null },
      { event: 'stopped' },
    ]);
    expect(output.stderr).toBe('');
  });

  it('broker start still works, with one deprecation line on stderr and the same JSON on stdout', async () => {
    const output = await startAndStop(['broker', 'start', '--port', '0', '--output', 'json']);
    expect(output.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      { event: 'listening', bootstrap: expect.stringMatching(/^127\.0\.0\.1:\d+$/), protocol: 'PLAINTEXT', dataDir: null, tls: null, sasl: null },
      { event: 'stopped' },
    ]);
    expect(output.stderr).toBe(`warning: ${BROKER_START_RENAMED}\n`);
    expect(BROKER_START_RENAMED).toContain('`firehose kafka start`');
  });

  it('broker start is hidden: `broker --help` shows only the Knative Broker', async () => {
    const help = await runCli(['broker', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}create \[options\] \[name\]/m);
    expect(help.stdout).not.toMatch(/^ {2}start\b/m);
    const kafkaHelp = await runCli(['kafka', '--help']);
    expect(kafkaHelp.stdout).toMatch(/^ {2}start \[options\]/m);
  });

  it('--group-initial-rebalance-delay 0: a new group is assigned at once and a group consume reads every record', async () => {
    const broker = startInProcess(['kafka', 'start', '--port', '0', '--group-initial-rebalance-delay', '0', '--output', 'json']);
    await waitFor(() => broker.output.stdout.includes('"listening"') || broker.output.stderr.includes('error:'), { timeoutMs: 10_000, what: 'the broker to listen' });
    try {
      const { bootstrap } = JSON.parse(broker.output.stdout.split('\n')[0]!) as { bootstrap: string };
      expect((await runCli(['create-topic', 'delay-zero', '--partitions', '3', '--bootstrap', bootstrap])).code).toBe(0);
      const spammed = await runCli(['spam', 'delay-zero', '--times', '5', '--bootstrap', bootstrap]);
      expect(spammed.code).toBe(0);
      const consumed = await runCli(['consume', 'delay-zero', '--group', 'g0', '--from-beginning', '--max-messages', '5', '--bootstrap', bootstrap]);
      expect(consumed.code).toBe(0);
      expect(consumed.stdout.trim().split('\n')).toHaveLength(5);
    } finally {
      expect(await broker.stop()).toBe(130);
    }
  });

  it('--group-initial-rebalance-delay that is not a duration is a usage error (exit 2) naming the flag', async () => {
    const result = await runCli(['kafka', 'start', '--port', '0', '--group-initial-rebalance-delay', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--group-initial-rebalance-delay must be a duration such as 500ms');
  });
});
