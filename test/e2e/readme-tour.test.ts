// The README's quick tour, line by line as written, in order, in one fresh home directory:
// what a newcomer types after `npm ci`. Lines that end by themselves must exit 0; a line
// ending in `&` runs in the background; a line whose comment says "runs until Ctrl-C" gets
// Ctrl-C once it is up and must exit 130. The tour starts its own Kafka (firehose's broker
// on localhost:9092), so it needs ports 9092, 8080 and 8090 free.
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface TourLine { command: string; comment: string }

/** The indented block under "## Quick tour", each line split into command and comment. */
function tourLines(): TourLine[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick tour\n'));
  const block = /\n\n((?: {4}.*\n)+)/.exec(section)?.[1] ?? '';
  return block.trimEnd().split('\n').map((line) => {
    const [command, comment = ''] = line.trim().split(/\s{2,}# /);
    return { command: command!.trim(), comment };
  });
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** What some lines must show, beyond exiting 0 (stdout and stderr together). */
const expectations: Array<[RegExp, RegExp]> = [
  [/^firehose init /, /Wrote .*config\.yaml/],
  [/^firehose create-topic$/, /my-topic-7 \(10 partitions/],
  [/^firehose spam --times 10$/, /Sent 10 messages to my-topic-7/],
  [/^firehose consume --from-beginning --max-messages 10$/, /(Sending Message: \d\D+){10}/],
  [/^firehose consume --group lab/, /Consumed 5 records from my-topic-7; offsets committed for group lab/],
  [/^seq 3 \| firehose produce$/, /Sent 3 records to my-topic-7/],
  [/^firehose topics$/, /my-topic-7\s+10\s+1\s+13/],
  [/^firehose groups describe lab$/, /Group lab: Empty/],
  [/^firehose groups reset-offsets lab/, /Plan only: nothing changed/],
  [/^firehose demo offsets$/, /earliest read \d+/],
  [/^firehose up .*--detach$/, /Lab running in the background/],
  [/^firehose send /, /✓ 202 from http:\/\/127\.0\.0\.1:\d+\/ for event/],
  [/^firehose down$/, /Stopped the lab for user 7/],
];

/** What a line that runs until Ctrl-C prints once it is up. */
const upAndRunning: Array<[RegExp, string]> = [
  [/^firehose demo commit/, 'Start Storing'],
  [/^firehose sink serve/, 'Listening on http://127.0.0.1:8080/'],
  [/^firehose kafka start/, 'listening on 127.0.0.1:9092'],
];

const home = mkdtempSync(join(tmpdir(), 'firehose-tour-'));
const env: Record<string, string> = {
  HOME: home,
  PATH: process.env.PATH!,
  XDG_STATE_HOME: join(home, 'state'),
  XDG_CONFIG_HOME: join(home, '.config'),
};
const background: Array<{ child: ResultPromise; output: () => string }> = [];

function start(command: string) {
  const child = execa('bash', ['-c', `exec ${command}`], { cwd: ROOT, env, extendEnv: false, reject: false, all: true });
  let output = '';
  child.all!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return { child, output: () => output };
}

beforeAll(async () => {
  await buildCli();
});

afterAll(() => {
  for (const { child } of background) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

describe('the README quick tour', () => {
  it('runs top to bottom as written, every line ending (or stopped by Ctrl-C) as its comment says', { timeout: 240_000 }, async () => {
    const lines = tourLines();
    expect(lines.length).toBeGreaterThan(10);
    for (const port of [9092, 8080, 8090]) expect(await portFree(port), `port ${port} must be free for the tour (it starts Kafka on 9092, a sink on 8080 and a broker on 8090)`).toBe(true);
    for (const { command, comment } of lines) {
      const what = `tour line \`${command}\``;
      if (command.startsWith('export PATH=')) {
        const shown = await execa('bash', ['-c', `${command}; printf %s "$PATH"`], { cwd: ROOT, env, extendEnv: false });
        env.PATH = shown.stdout;
        const which = await execa('bash', ['-c', 'command -v firehose'], { cwd: ROOT, env, extendEnv: false, reject: false });
        expect(which.stdout, `${what}: firehose on PATH`).toBe(join(ROOT, 'bin', 'firehose'));
        continue;
      }
      if (command === 'kill %1') {
        const job = background.shift() ?? expect.fail(`${what}: nothing runs in the background`);
        job.child.kill('SIGTERM');
        const result = await job.child;
        expect(result.exitCode, `${what}: ${job.output()}`).toBe(130);
        continue;
      }
      const ready = upAndRunning.find(([pattern]) => pattern.test(command.replace(/ &$/, '')))?.[1];
      if (command.endsWith(' &')) {
        const job = start(command.slice(0, -2));
        background.push(job);
        await waitFor(() => job.output().includes(ready ?? '') || job.child.exitCode !== null, { timeoutMs: 30_000, what: `${what} to be up` });
        expect(job.child.exitCode, `${what}: ${job.output()}`).toBe(null);
        continue;
      }
      if (/runs until Ctrl-C/.test(comment)) {
        const job = start(command);
        await waitFor(() => (ready !== undefined && job.output().includes(ready)) || job.child.exitCode !== null, { timeoutMs: 30_000, what: `${what} to be up` });
        job.child.kill('SIGINT');
        const result = await job.child;
        expect(result.exitCode, `${what}: ${job.output()}`).toBe(130);
        continue;
      }
      const result = await execa('bash', ['-c', command], { cwd: ROOT, env, extendEnv: false, reject: false, all: true, timeout: 60_000 });
      expect(result.exitCode, `${what}: ${result.all}`).toBe(0);
      const shows = expectations.find(([pattern]) => pattern.test(command))?.[1];
      if (shows) expect(result.all, what).toMatch(shows);
      if (command.startsWith('curl ')) {
        // Seed 003: the js function replied, the broker routed the reply to the wasm function.
        const log = join(env.XDG_STATE_HOME!, 'firehose', 'up-user7.log');
        await waitFor(() => readFileSync(log, 'utf8').includes('returned 18: i32'), { timeoutMs: 30_000, what: `the wasm function's result in the lab's output (${log})` });
      }
      if (command.startsWith('firehose send ')) {
        // Through the broker and the Trigger to eventinghello, whose worker logs the event (the background lab's log).
        const log = join(env.XDG_STATE_HOME!, 'firehose', 'up-user7.log');
        await waitFor(() => readFileSync(log, 'utf8').includes('Message to js-example-service'), { timeoutMs: 30_000, what: `the event in eventinghello's output (${log})` });
      }
    }
    expect(background, 'the tour stops what it started in the background').toEqual([]);
  });
});
