// The local KafkaSource dispatcher (firehose up): events per second into a local sink, and
// record (stored) → sink latency (p50/p99), for ordered and unordered delivery. `npm run bench:dispatch`
// (builds first: the latency run's producer is `firehose spam --rate` in a process of its own, as
// in the lab, where the producer is another program and never shares the dispatcher's event loop).
//   BENCH_EVENTS=20000 (throughput run)  BENCH_LATENCY_RATE=1000 (records/s for the latency run, 5 s)
import { execFile } from 'node:child_process';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveConnection } from '../src/config/connection.js';
import { createKafkaClient } from '../src/kafka/connect.js';
import { spamTopic } from '../src/kafka/spam.js';
import { createTopic } from '../src/kafka/topics.js';
import { runDispatcher } from '../src/local/dispatcher.js';
import { silentLogger } from '../src/logger.js';
import { startKafka } from '../test/support/kafka.js';
import { BIN, benchEnv } from './support.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_LATENCY_RATE ?? 1000);

const kafka = process.env.KAFKA_BOOTSTRAP_SERVERS ? undefined : await startKafka();
const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS ?? kafka!.bootstrap;
const client = await createKafkaClient(resolveConnection({ bootstrap }, {}, {}), { env: {}, log: silentLogger });

/** A sink that answers 202 at once and records (receipt time − record time) per event. */
async function startSink(onEvent: (latencyMs: number) => void) {
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      onEvent(Date.now() - Date.parse(String(req.headers['ce-time'])));
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((r) => server.close(r)) };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function measure(ordering: 'ordered' | 'unordered') {
  const suffix = `${ordering}-${Date.now()}`;
  // Throughput: a backlog of EVENTS records, dispatched from the earliest offset.
  const backlog = `bench-dispatch-${suffix}`;
  await createTopic(client, { topic: backlog, partitions: 10, replicas: 1, configs: {} });
  await spamTopic(client, { topic: backlog, times: EVENTS, acks: 1 });
  let received = 0;
  let finished: () => void = () => {};
  const allIn = new Promise<void>((resolve) => { finished = resolve; });
  const sink = await startSink(() => { if (++received === EVENTS) finished(); });
  const controller = new AbortController();
  const started = performance.now();
  const run = runDispatcher(client, {
    topic: backlog, group: `bench-${suffix}`, sinkUrl: sink.url, source: { namespace: 'bench', name: 'bench' },
    initialOffset: 'earliest', ordering, retry: { retries: 0, backoffMs: 10, policy: 'exponential' }, requestTimeoutMs: 10_000, signal: controller.signal,
  }, () => {});
  await allIn;
  const seconds = (performance.now() - started) / 1000;
  controller.abort();
  await run;
  await sink.close();

  // Latency: records spammed at RATE/s for 5 s while the dispatcher follows from latest.
  const live = `bench-latency-${suffix}`;
  // Broker time stamps the records (LogAppendTime): the latency is from the record being
  // stored to the sink, without the producer's linger.
  await createTopic(client, { topic: live, partitions: 10, replicas: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } });
  const latencies: number[] = [];
  const liveSink = await startSink((ms) => latencies.push(ms));
  const liveController = new AbortController();
  let joined: () => void = () => {};
  const assigned = new Promise<void>((resolve) => { joined = resolve; });
  const liveRun = runDispatcher(client, {
    topic: live, group: `bench-live-${suffix}`, sinkUrl: liveSink.url, source: { namespace: 'bench', name: 'bench' },
    initialOffset: 'earliest', ordering, retry: { retries: 0, backoffMs: 10, policy: 'exponential' }, requestTimeoutMs: 10_000, signal: liveController.signal,
  }, (e) => { if (e.kind === 'assign') joined(); });
  await assigned;
  const total = RATE * 5;
  // BENCH_DEBUG: this process's pauses during the latency run (GC, a blocked event loop).
  const loopDelay = process.env.BENCH_DEBUG ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
  const gcPauses: number[] = [];
  const gcObserver = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcPauses.push(e.duration); });
  if (loopDelay) {
    loopDelay.enable();
    gcObserver.observe({ entryTypes: ['gc'] });
  }
  await promisify(execFile)(process.execPath, [BIN, 'spam', live, '--times', String(total), '--rate', String(RATE), '--acks', '1', '--bootstrap', bootstrap, '--output', 'json'], { env: benchEnv() });
  const deadline = Date.now() + 30_000;
  while (latencies.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  liveController.abort();
  await liveRun;
  await liveSink.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  loopDelay?.disable();
  gcObserver.disconnect();
  if (loopDelay) console.error(ordering, `event loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms; GC ${gcPauses.length} pauses, max ${Math.max(0, ...gcPauses).toFixed(1)} ms`);
  if (process.env.BENCH_DEBUG) console.error(ordering, 'p90', percentile(sorted, 90), 'p95', percentile(sorted, 95), 'max', sorted.at(-1), 'slow (index:ms)', latencies.map((ms, i) => [i, ms]).filter(([, ms]) => ms! > 10).map(([i, ms]) => `${i}:${ms}`).join(' '));
  return { ordering, eventsPerSecond: Math.round(EVENTS / seconds), p50: percentile(sorted, 50), p99: percentile(sorted, 99), latencySamples: sorted.length };
}

try {
  const rows = [await measure('ordered'), await measure('unordered')];
  console.log(`dispatcher → local sink (${EVENTS} events; latency at ${RATE}/s for 5 s), ${process.version}`);
  console.log('| ordering | events/s | p50 ms | p99 ms | samples |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.ordering} | ${r.eventsPerSecond.toLocaleString('en-US')} | ${r.p50} | ${r.p99} | ${r.latencySamples} |`);
} finally {
  await client.close();
  await kafka?.stop();
}
