// `spam --acks all` while the broker restarts: `firehose kafka start --data-dir` as a real
// process on a fixed port, stopped (SIGTERM, then SIGKILL) and started again on the same dir
// and port while spam runs. spam rides it out within --delivery-timeout: exit 0, and the topic
// holds exactly the N records, values 0..N-1 each once. When the broker does not come back,
// spam fails within --delivery-timeout and says how many records were acknowledged.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/config/connection.js';
import { createKafkaClient } from '../../src/kafka/connect.js';
import { silentLogger } from '../../src/logger.js';
import { buildCli } from '../support/build.js';
import { runCli, spawnCli, startCli, startInProcess } from '../support/cli.js';
import { expectOk, readBack, sorted, spamValues } from '../support/cli-kafka.js';
import { uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

type CliProcess = ReturnType<typeof spawnCli>;

const processes: CliProcess[] = [];
const spams: Array<{ stop(): Promise<number> }> = [];
let dataDir: string;
let port: number;

const exited = (child: CliProcess) => child.exitCode !== null || child.signalCode !== null;

/** A port nothing listens on now, for a broker that must come back on the same one. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

/** `firehose kafka start --port <port> --data-dir <dir>`, once it is listening. */
async function startBroker() {
  const broker = startCli(['kafka', 'start', '--port', String(port), '--data-dir', dataDir, '--output', 'json']);
  processes.push(broker.child);
  await waitFor(() => {
    if (exited(broker.child)) throw new Error(`the broker exited: ${broker.output.stderr}`);
    return broker.output.stdout.includes('"event":"listening"');
  }, { timeoutMs: 20_000, what: `the broker on port ${port} to listen` });
  return {
    async kill(signal: 'SIGTERM' | 'SIGKILL') {
      broker.child.kill(signal);
      await waitFor(() => exited(broker.child), { timeoutMs: 20_000, what: `the broker to exit after ${signal}` });
    },
  };
}

const bootstrap = () => `127.0.0.1:${port}`;

/** Records in `topic` now (sum of the partitions' end offsets), through a fresh client. */
async function recordCount(topic: string): Promise<number> {
  const client = await createKafkaClient(resolveConnection({ bootstrap: bootstrap(), connectTimeout: '5s' }, {}, {}), { env: {}, log: silentLogger });
  try {
    const offsets = await (await client.admin()).offsets(topic);
    return offsets.reduce((sum, o) => sum + o.latest, 0);
  } finally {
    await client.close();
  }
}

/** Waits until `topic` holds at least `count` records while spam runs. */
async function untilRecords(topic: string, count: number, spam: { output: { stderr: string } }, done: () => boolean) {
  await waitFor(async () => {
    if (done()) throw new Error(`spam ended early: ${spam.output.stderr.slice(-2000)}`);
    return (await recordCount(topic)) >= count;
  }, { timeoutMs: 30_000, what: `${count} records in ${topic}` });
}

/** Lines of spam's --verbose stderr saying a connection was refused: its retries while the broker is down. */
const refusals = (stderr: string) => stderr.split('\n').filter((line) => line.includes('ECONNREFUSED')).length;

beforeAll(async () => {
  await buildCli();
}, 120_000);

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'firehose-spam-restart-'));
  port = await freePort();
});

afterEach(async () => {
  await Promise.all(spams.splice(0).map((s) => s.stop()));
  for (const child of processes.splice(0)) {
    if (!exited(child)) child.kill('SIGKILL');
    await waitFor(() => exited(child), { timeoutMs: 20_000, what: 'a broker left running to die after SIGKILL' });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('spam --acks all while the broker restarts', () => {
  it('rides out a SIGTERM and a SIGKILL restart: exit 0, every record exactly once', { timeout: 120_000 }, async () => {
    const times = 25_000;
    const topic = uniqueName('spam-restart');
    let broker = await startBroker();
    expectOk(await runCli(['create-topic', topic, '--partitions', '3', '--via', 'admin', '--bootstrap', bootstrap()]));

    // 5,000 records a second in batches of 250 (a retry split 83/83/84 another way would be refused).
    const spam = startInProcess(['spam', topic, '--times', String(times), '--rate', '5000', '--acks', 'all', '--output', 'json', '--verbose', '--bootstrap', bootstrap()]);
    spams.push(spam);
    let code: number | undefined;
    void spam.exit.then((c) => { code = c; });
    const done = () => code !== undefined;

    for (const [signal, at] of [['SIGTERM', 5_000], ['SIGKILL', 12_000]] as const) {
      await untilRecords(topic, at, spam, done);
      await broker.kill(signal);
      // Down long enough that spam retries many times (many seconds).
      const before = refusals(spam.output.stderr);
      await waitFor(() => {
        if (done()) throw new Error(`spam gave up while the broker was down: ${spam.output.stdout}`);
        return refusals(spam.output.stderr) >= before + 10;
      }, { timeoutMs: 30_000, what: `spam to retry against the stopped broker (${signal})` });
      broker = await startBroker();
    }

    await waitFor(done, { timeoutMs: 60_000, what: 'spam to finish' });
    expect(code, spam.output.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(spam.output.stdout)).toMatchObject({ topic, sent: times, interrupted: false, idempotent: true });

    // Exactly `times` records: no more in the partitions, and each value once.
    expect(await recordCount(topic)).toBe(times);
    const records = await readBack(topic, times, { argv: ['--bootstrap', bootstrap()] });
    expect(sorted(records.map((r) => r.value!))).toEqual(sorted(spamValues(times)));
  });

  it('fails within --delivery-timeout when the broker does not come back, naming how many records were acknowledged (--output json)', { timeout: 120_000 }, async () => {
    const times = 25_000;
    const topic = uniqueName('spam-gone');
    const broker = await startBroker();
    expectOk(await runCli(['create-topic', topic, '--partitions', '3', '--via', 'admin', '--bootstrap', bootstrap()]));

    // The built CLI in its own process: when it exits, the producer's retries of the unacknowledged
    // batch end with it (in this process they would go on, and could deliver it after the restart).
    const spam = startCli(['spam', topic, '--times', String(times), '--rate', '5000', '--delivery-timeout', '3s', '--output', 'json', '--bootstrap', bootstrap()]);
    processes.push(spam.child);
    await untilRecords(topic, 2_000, spam, () => exited(spam.child));
    await broker.kill('SIGKILL');
    const killedAt = performance.now();

    await waitFor(() => exited(spam.child), { timeoutMs: 20_000, what: 'spam to give up' });
    const elapsedMs = performance.now() - killedAt;
    expect(spam.child.exitCode).toBe(1);
    // The batch under way when the broker went gets --delivery-timeout (3 s); the process then
    // exits within 2 s (src/cli/main.ts); 3 s of slack for a busy machine.
    expect(elapsedMs).toBeLessThan(3_000 + 2_000 + 3_000);
    expect(spam.output.stdout).toBe('');
    const { error } = JSON.parse(spam.output.stderr) as { error: { code: string; message: string; hint: string } };
    const match = /^spam stopped after ([\d,]+) of 25,000 records were acknowledged: Cannot reach Kafka at 127\.0\.0\.1:\d+: /.exec(error.message);
    expect(match, error.message).not.toBeNull();
    expect(error.code).toBe('KAFKA_UNREACHABLE');
    const acknowledged = Number(match![1]!.replaceAll(',', ''));
    expect(acknowledged).toBeGreaterThanOrEqual(2_000);

    // After a restart every acknowledged record is there once, plus at most (parts of) the
    // batch of 250 that was in flight, unacknowledged. Record i went to partition i % 3, and
    // each partition is acknowledged in order, independently of the others: so each
    // partition holds a gapless run of its records from the first (the count says how many
    // in all, not which partition's tail was still in flight).
    await startBroker();
    const stored = await recordCount(topic);
    expect(stored).toBeGreaterThanOrEqual(acknowledged);
    expect(stored).toBeLessThanOrEqual(acknowledged + 250);
    const values = (await readBack(topic, stored, { argv: ['--bootstrap', bootstrap()] })).map((r) => r.value!);
    expect(new Set(values).size).toBe(stored);
    const indexes = values.map((v) => Number(/Sending Message: (\d+)/.exec(v)![1]));
    for (const partition of [0, 1, 2]) {
      const held = indexes.filter((i) => i % 3 === partition).sort((x, y) => x - y);
      expect(held, `partition ${partition}`).toEqual(held.map((_, k) => partition + 3 * k));
    }
  });
});
