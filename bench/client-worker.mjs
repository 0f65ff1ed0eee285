// One measured run of firehose's own Kafka client (src/kafka/wire/), in its own process
// so its wall time compares with kcat's: `produce` sends the spam values, `consume` reads
// N records from the earliest offsets. Prints {"records", "ownMs"} on stdout.
// Plain JavaScript on the build (dist/, which `npm run bench` makes first), so the
// process starts as the shipped CLI does, without tsx compiling TypeScript at start-up.
//
//   node bench/client-worker.mjs produce <bootstrap> <topic> <N> <acks: 1|all>
//   node bench/client-worker.mjs consume <bootstrap> <topic> <N> <partitions>
import { spamValue } from '../dist/kafka/spam.js';
import { Cluster } from '../dist/kafka/wire/cluster.js';
import { Fetcher } from '../dist/kafka/wire/fetcher.js';
import { Producer } from '../dist/kafka/wire/producer.js';

async function main() {
  const [mode, bootstrap, topic, count, extra] = process.argv.slice(2);
  const n = Number(count);
  const cluster = new Cluster({ bootstrap: [bootstrap], clientId: 'firehose-bench' });
  const started = performance.now();
  let records = 0;
  if (mode === 'produce') {
    const producer = new Producer(cluster, { acks: extra === 'all' ? -1 : 1 });
    await producer.connect();
    for (let i = 0; i < n; i++) {
      const wait = producer.send(topic, { key: null, value: spamValue(i) });
      if (wait) await wait;
    }
    await producer.flush();
    records = producer.delivered;
  } else {
    const fetcher = new Fetcher(cluster, { maxWaitMs: 100 });
    const partitions = Array.from({ length: Number(extra) }, (_, p) => p);
    const positions = await fetcher.listOffsets(topic, partitions, 'earliest');
    for await (const batch of fetcher.fetch(topic, positions)) {
      records += batch.records.length;
      if (records >= n) break;
    }
  }
  const ownMs = performance.now() - started;
  await cluster.close();
  process.stdout.write(`${JSON.stringify({ records, ownMs })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
