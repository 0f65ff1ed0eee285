// `firehose produce` at a terminal: each line is sent when Enter is pressed and acknowledged
// with its partition and offset, before stdin closes. `script` gives the CLI a real pty.
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { BIN, cleanEnv } from '../support/cli.js';
import { expectOk, firehose, newTopic, readBack } from '../support/cli-kafka.js';
import { kafkaFromTests } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

beforeAll(async () => {
  await buildCli();
});

describe('produce on a TTY', () => {
  it('sends and acknowledges each line on Enter, while stdin is still open', { timeout: 60_000 }, async () => {
    const topic = await newTopic('tty-produce', 1);
    const command = `${process.execPath} ${BIN} produce ${topic} --bootstrap ${kafkaFromTests().bootstrap} --no-color`;
    const child = execa('script', ['-qfec', command, '/dev/null'], { env: cleanEnv() as NodeJS.ProcessEnv, extendEnv: false, reject: false, stdin: 'pipe' });
    let screen = '';
    child.stdout!.on('data', (chunk: Buffer) => { screen += chunk.toString(); });
    await waitFor(() => screen.includes('> '), { timeoutMs: 20_000, what: 'the > prompt' });
    child.stdin!.write('first line\r');
    await waitFor(() => screen.includes('sent to partition 0, offset 0'), { timeoutMs: 20_000, what: 'the first ack' });
    // Acknowledged and readable while the producer still waits for more input.
    expect((await readBack(topic, 1)).map((r) => r.value)).toEqual(['first line']);
    child.stdin!.write('second line\r');
    await waitFor(() => screen.includes('sent to partition 0, offset 1'), { timeoutMs: 20_000, what: 'the second ack' });
    child.stdin!.write('\x04'); // Ctrl-D: end of input
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(screen).toContain('Sent 2 records to');
    expectOk(await firehose(['topics', 'describe', topic]));
  });

  it('spam shows a progress bar with count and rate on a TTY, and none when piped', { timeout: 60_000 }, async () => {
    const topic = await newTopic('tty-spam', 1);
    const command = `${process.execPath} ${BIN} spam ${topic} --times 200000 --acks 1 --bootstrap ${kafkaFromTests().bootstrap} --no-color`;
    const tty = await execa('script', ['-qfec', command, '/dev/null'], { env: cleanEnv() as NodeJS.ProcessEnv, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(tty.exitCode).toBe(0);
    expect(tty.stdout).toMatch(/\rspam [█░]+ [\d,]+\/200,000 [\d,]+ msg\/s/);
    expect(tty.stdout).toMatch(/Sent 200000 messages to /);
    // Piped: no progress bar, only the summary line.
    const piped = await firehose(['spam', topic, '--times', '10']);
    expect(piped.stderr).toMatch(/^Sent 10 messages to \S+ in [\d.]+ s \([\d,]+ msg\/s\)\n$/);
  });
});
