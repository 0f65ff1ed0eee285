// `firehose produce` at a terminal: each line is sent when Enter is pressed and acknowledged
// with its partition and offset, before stdin closes. `script` gives the CLI a real pty.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { startOnTerminal } from '../support/cli.js';
import { expectOk, firehose, newTopic, readBack } from '../support/cli-kafka.js';
import { kafkaFromTests } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

beforeAll(async () => {
  await buildCli();
});

describe('produce on a TTY', () => {
  it('sends and acknowledges each line on Enter, while stdin is still open', { timeout: 60_000 }, async () => {
    const topic = await newTopic('tty-produce', 1);
    const terminal = startOnTerminal(['produce', topic, '--bootstrap', kafkaFromTests().bootstrap, '--no-color']);
    await waitFor(() => terminal.screen.includes('> '), { timeoutMs: 20_000, what: 'the > prompt' });
    terminal.type('first line\r');
    await waitFor(() => terminal.screen.includes('sent to partition 0, offset 0'), { timeoutMs: 20_000, what: 'the first ack' });
    // Acknowledged and readable while the producer still waits for more input.
    expect((await readBack(topic, 1)).map((r) => r.value)).toEqual(['first line']);
    terminal.type('second line\r');
    await waitFor(() => terminal.screen.includes('sent to partition 0, offset 1'), { timeoutMs: 20_000, what: 'the second ack' });
    terminal.type('\x04'); // Ctrl-D: end of input
    const result = await terminal.exit;
    expect(result.exitCode).toBe(0);
    expect(terminal.screen).toContain('Sent 2 records to');
    expectOk(await firehose(['topics', 'describe', topic]));
  });

  it('the first Ctrl-C ends the input: what was typed before is sent, the summary printed, exit 130', { timeout: 60_000 }, async () => {
    const topic = await newTopic('tty-produce-interrupt', 1);
    const terminal = startOnTerminal(['produce', topic, '--bootstrap', kafkaFromTests().bootstrap, '--no-color']);
    await waitFor(() => terminal.screen.includes('> '), { timeoutMs: 20_000, what: 'the > prompt' });
    terminal.type('before\r');
    await waitFor(() => terminal.screen.includes('sent to partition 0, offset 0'), { timeoutMs: 20_000, what: 'the first ack' });
    terminal.type('\x03');
    await waitFor(() => terminal.screen.includes('Sent 1 record to'), { timeoutMs: 20_000, what: 'the summary after Ctrl-C' });
    // What a user types next belongs to the shell, not to the topic.
    terminal.type('ls\r');
    const result = await terminal.exit;
    expect(result.exitCode).toBe(130);
    expect(terminal.screen).not.toContain('internal error');
    expectOk(await firehose(['produce', topic], { stdin: 'after\n' }));
    expect((await readBack(topic, 2)).map((r) => r.value)).toEqual(['before', 'after']);
  });

  it('spam shows a progress bar with count and rate on a TTY, and none when piped', { timeout: 60_000 }, async () => {
    const topic = await newTopic('tty-spam', 1);
    const terminal = startOnTerminal(['spam', topic, '--times', '200000', '--acks', '1', '--bootstrap', kafkaFromTests().bootstrap, '--no-color']);
    const tty = await terminal.exit;
    expect(tty.exitCode).toBe(0);
    expect(tty.stdout).toMatch(/\rspam [█░]+ [\d,]+\/200,000 [\d,]+ msg\/s/);
    expect(tty.stdout).toMatch(/Sent 200000 messages to /);
    // Piped: no progress bar, only the summary line.
    const piped = await firehose(['spam', topic, '--times', '10']);
    expect(piped.stderr).toMatch(/^Sent 10 messages to \S+ in [\d.]+ s \([\d,]+ msg\/s\)\n$/);
  });
});
