// Three Apache Kafka brokers (replication factor 3, min.insync.replicas 2): `spam --acks all`
// runs while one broker is killed (SIGKILL) and started again, then another is stopped
// (SIGTERM) and started again. Every acknowledged record is stored exactly once (the
// idempotent producer), and a `consume --group` running the whole time follows the leaders
// as they move and reads every record, without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/config/connection.js';
import { createKafkaClient } from '../../src/kafka/connect.js';
import { silentLogger } from '../../src/logger.js';
import { buildCli } from '../support/build.js';
import { runCli, startCli, startInProcess } from '../support/cli.js';
import { expectOk, lines, spamValues } from '../support/cli-kafka.js';
import { startKafkaCluster, type KafkaCluster } from '../support/kafka-cluster.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

const N = 30_000;
let cluster: KafkaCluster;

// The cluster is Apache Kafka's whatever broker the run uses; run it once, with the Apache Kafka suite.
const apacheRun = kafkaFromTests().flavour !== 'embedded';

beforeAll(async () => {
  if (!apacheRun) return;
  [cluster] = await Promise.all([startKafkaCluster(), buildCli()]);
}, 180_000);

afterAll(async () => {
  await cluster?.close();
});

/** Records stored in `topic` now (sum of the partitions' end offsets). */
async function stored(topic: string): Promise<number> {
  const client = await createKafkaClient(resolveConnection({ bootstrap: cluster.bootstrap, connectTimeout: '5s' }, {}, {}), { env: {}, log: silentLogger });
  try {
    return (await (await client.admin()).offsets(topic)).reduce((sum, o) => sum + o.latest, 0);
  } finally {
    await client.close();
  }
}

describe('a three-broker cluster', () => {
  it.skipIf(!apacheRun)('spam --acks all rides out a killed and a stopped broker: every record once; a consume --group follows the leaders', { timeout: 240_000 }, async () => {
    const B = ['--bootstrap', cluster.bootstrap];
    const topic = uniqueName('cluster');
    expectOk(await runCli(['create-topic', topic, '--partitions', '6', '--replicas', '3', ...B]));

    const group = uniqueName('cluster-g');
    const consumer = startInProcess(['consume', topic, '--group', group, '--from-beginning', ...B]);
    const spam = startCli(['spam', topic, '--times', String(N), '--acks', 'all', '--rate', '2500', '--delivery-timeout', '90s', '--output', 'json', ...B]);
    const spamDone = spam.child.then((r) => r, (r: unknown) => r as { exitCode?: number });
    const until = (count: number, what: string) => waitFor(async () => (await stored(topic)) >= count, { timeoutMs: 60_000, what: `${count} records stored (${what})` });

    try {
      const [, second, third] = cluster.nodes as [unknown, (typeof cluster.nodes)[number], (typeof cluster.nodes)[number]];
      await until(3_000, 'before the first broker goes');
      await second.stop('SIGKILL');
      await until(9_000, 'with broker 2 killed');
      await second.start();
      await until(15_000, 'after broker 2 came back');
      await third.stop('SIGTERM');
      await until(21_000, 'with broker 3 stopped');
      await third.start();

      const result = await spamDone;
      expect(result.exitCode, spam.output.stderr).toBe(0);
      expect(JSON.parse(spam.output.stdout.trim().split('\n').at(-1)!)).toMatchObject({ sent: N, interrupted: false });

      // Exactly the N values, each once.
      const read = await runCli(['consume', topic, '--from-beginning', '--max-messages', String(N), '--idle-timeout', '20s', ...B]);
      expect(read.code, read.stderr).toBe(0);
      const values = lines(read.stdout);
      expect(values).toHaveLength(N);
      expect(new Set(values).size).toBe(N);
      expect(new Set(values)).toEqual(new Set(spamValues(N)));

      // The group member read them all while the leaders moved (at least once).
      await waitFor(() => new Set(lines(consumer.output.stdout)).size >= N, { timeoutMs: 60_000, what: `the group consumer to have printed all ${N} values` });
      expect(new Set(lines(consumer.output.stdout))).toEqual(new Set(spamValues(N)));
    } finally {
      expect(await consumer.stop()).toBe(130);
      if (spam.child.exitCode === null) spam.child.kill('SIGKILL');
      await spamDone;
    }
  });
});
