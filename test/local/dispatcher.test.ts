import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KafkaClient } from '../../src/kafka/connect.js';
import { spamTopic } from '../../src/kafka/spam.js';
import { Producer } from '../../src/kafka/wire/producer.js';
import { runDispatcher, type DispatchEvent, type DispatcherOptions } from '../../src/local/dispatcher.js';
import { createTestTopic, testKafkaClient } from '../support/kafka-client.js';
import { uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

interface Received { headers: Record<string, string>; body: string }

/** A sink that records what it got and answers with `status(n)` for the n-th request. */
async function recordingSink(status: (n: number, received: Received) => number = () => 202) {
  const received: Received[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString() };
      const code = status(n++, r);
      if (code < 300) received.push(r);
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received,
    requests: () => n,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

describe('local KafkaSource dispatcher', () => {
  let client: KafkaClient;
  let topic: string;
  const closers: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    client = await testKafkaClient();
    topic = uniqueName('dispatch');
    await createTestTopic(client, topic, 4);
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await client.close();
  });

  function start(options: Partial<DispatcherOptions> & { sinkUrl: string }, events: DispatchEvent[] = []) {
    const controller = new AbortController();
    const run = runDispatcher(client, {
      topic,
      group: uniqueName('knative-group'),
      source: { namespace: 'user7', name: 'mykafka-source' },
      initialOffset: 'earliest',
      ordering: 'ordered',
      retry: { retries: 3, backoffMs: 20, policy: 'exponential' },
      requestTimeoutMs: 5000,
      signal: controller.signal,
      ...options,
    }, (e) => events.push(e));
    closers.push(async () => { controller.abort(); await run.catch(() => {}); });
    return { run, stop: async () => { controller.abort(); return run; } };
  }

  for (const ordering of ['ordered', 'unordered'] as const) {
    it(`${ordering}: 1,000 spammed records arrive as 1,000 distinct CloudEvents with Knative's attributes`, async () => {
      const sink = await recordingSink();
      closers.push(sink.close);
      await spamTopic(client, { topic, times: 1000, acks: -1 });
      start({ sinkUrl: sink.url, ordering });
      await waitFor(() => sink.received.length >= 1000, { timeoutMs: 60_000, what: '1000 events at the sink' });
      const ids = new Set(sink.received.map((r) => r.headers['ce-id']));
      expect(ids.size).toBe(1000);
      const sample = sink.received[0]!;
      expect(sample.headers['ce-id']).toMatch(/^partition:\d\/offset:\d+$/);
      expect(sample.headers['ce-type']).toBe('dev.knative.kafka.event');
      expect(sample.headers['ce-source']).toBe(`/apis/v1/namespaces/user7/kafkasources/mykafka-source#${topic}`);
      expect(sample.headers['ce-specversion']).toBe('1.0');
      expect(sample.body).toMatch(/^\{ "message": "Sending Message: \d+" \}$/);
      const values = new Set(sink.received.map((r) => r.body));
      expect(values.size).toBe(1000);
    });
  }

  it('ordered delivery keeps offset order within each partition', async () => {
    const sink = await recordingSink();
    closers.push(sink.close);
    await spamTopic(client, { topic, times: 200, acks: -1 });
    start({ sinkUrl: sink.url, ordering: 'ordered' });
    await waitFor(() => sink.received.length >= 200, { timeoutMs: 30_000, what: '200 events' });
    const lastOffset = new Map<string, number>();
    for (const r of sink.received) {
      const [, partition, offset] = /^partition:(\d+)\/offset:(\d+)$/.exec(r.headers['ce-id']!)!;
      expect(Number(offset)).toBeGreaterThan(lastOffset.get(partition!) ?? -1);
      lastOffset.set(partition!, Number(offset));
    }
  });

  it('retries a sink that fails for a while, then delivers', async () => {
    const sink = await recordingSink((n) => (n < 2 ? 503 : 202));
    closers.push(sink.close);
    await spamTopic(client, { topic, times: 1, acks: -1 });
    const events: DispatchEvent[] = [];
    start({ sinkUrl: sink.url }, events);
    await waitFor(() => sink.received.length === 1, { timeoutMs: 30_000, what: 'the event after retries' });
    expect(sink.requests()).toBe(3);
    expect(events.filter((e) => e.kind === 'retry')).toHaveLength(2);
    expect(events.find((e) => e.kind === 'delivered')).toMatchObject({ attempts: 3, status: 202 });
  });

  it('does not retry a 400, and sends an always-failing event to the dead-letter sink', async () => {
    const failing = await recordingSink(() => 500);
    const dead = await recordingSink();
    const badRequest = await recordingSink(() => 400);
    closers.push(failing.close, dead.close, badRequest.close);
    await spamTopic(client, { topic, times: 1, acks: -1 });
    const events: DispatchEvent[] = [];
    start({ sinkUrl: failing.url, deadLetterUrl: dead.url, retry: { retries: 2, backoffMs: 10, policy: 'linear' } }, events);
    // The dead-letter sink has the event before the dispatcher has its answer and reports it.
    await waitFor(() => dead.received.length === 1 && events.some((e) => e.kind === 'dead-letter'), { timeoutMs: 30_000, what: 'the dead-lettered event, reported' });
    expect(failing.requests()).toBe(3);
    expect(dead.received[0]!.headers['ce-type']).toBe('dev.knative.kafka.event');
    expect(events.some((e) => e.kind === 'dead-letter')).toBe(true);

    const dropped: DispatchEvent[] = [];
    start({ sinkUrl: badRequest.url, group: uniqueName('knative-group') }, dropped);
    await waitFor(() => dropped.some((e) => e.kind === 'dropped'), { timeoutMs: 30_000, what: 'the 400 to be final' });
    expect(badRequest.requests()).toBe(1);
  });

  it('commits only what the sink accepted: a restarted dispatcher re-delivers the rest', async () => {
    let accept = true;
    const sink = await recordingSink(() => (accept ? 202 : 503));
    closers.push(sink.close);
    const group = uniqueName('knative-group');
    await spamTopic(client, { topic, times: 20, acks: -1 });
    const first = start({ sinkUrl: sink.url, group, retry: { retries: 1000, backoffMs: 10, policy: 'linear' } });
    await waitFor(() => sink.received.length >= 20, { timeoutMs: 30_000, what: '20 events' });
    await first.stop();
    accept = false;
    await spamTopic(client, { topic, times: 10, acks: -1 });
    const second = start({ sinkUrl: sink.url, group, retry: { retries: 1000, backoffMs: 10, policy: 'linear' } });
    await waitFor(() => sink.requests() > 25, { timeoutMs: 30_000, what: 'failing deliveries' });
    await second.stop();
    accept = true;
    start({ sinkUrl: sink.url, group });
    await waitFor(() => new Set(sink.received.map((r) => r.headers['ce-id'])).size >= 30, { timeoutMs: 30_000, what: 'all 30 distinct events' });
    expect(new Set(sink.received.map((r) => r.headers['ce-id'])).size).toBe(30);
  });

  it('passes a CloudEvent written with the cloudevents SDK Kafka binding through unchanged (binary and structured)', async () => {
    const sink = await recordingSink();
    closers.push(sink.close);
    const { CloudEvent, Kafka } = await import('cloudevents');
    const binary = new CloudEvent({ id: 'sdk-binary-1', source: '/sdk/test', type: 'com.example.sdk', subject: 'thing', datacontenttype: 'application/json', data: { hello: 'kafka' }, myext: 'yes' });
    const structured = new CloudEvent({ id: 'sdk-structured-1', source: '/sdk/test', type: 'com.example.sdk', datacontenttype: 'text/plain', data: 'plain words' });
    const toRecord = (m: { key?: unknown; value: unknown; headers: Record<string, unknown> }) => ({
      key: (m.key as string | undefined) ?? null,
      value: typeof m.value === 'string' || Buffer.isBuffer(m.value) ? m.value : JSON.stringify(m.value),
      headers: Object.entries(m.headers).filter(([, v]) => v !== undefined).map(([key, v]) => ({ key, value: Buffer.from(String(v)) })),
    });
    const producer = new Producer(await client.cluster(), { acks: -1 });
    await producer.connect();
    for (const message of [Kafka.binary(binary), Kafka.structured(structured)]) await producer.send(topic, toRecord(message as never));
    await producer.flush();
    start({ sinkUrl: sink.url });
    await waitFor(() => sink.received.length >= 2, { timeoutMs: 30_000, what: 'both SDK events' });
    const byId = new Map(sink.received.map((r) => [r.headers['ce-id'], r]));
    const b = byId.get('sdk-binary-1')!;
    expect(b.headers).toMatchObject({ 'ce-source': '/sdk/test', 'ce-type': 'com.example.sdk', 'ce-subject': 'thing', 'ce-myext': 'yes', 'content-type': 'application/json' });
    expect(JSON.parse(b.body)).toEqual({ hello: 'kafka' });
    const st = byId.get('sdk-structured-1')!;
    expect(st.headers).toMatchObject({ 'ce-source': '/sdk/test', 'ce-type': 'com.example.sdk', 'content-type': 'text/plain' });
    expect(st.body).toBe('plain words');
    expect(b.headers['ce-id']).not.toMatch(/^partition:/);
  });
});
