import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEventSink, type SinkEvent, type SinkHandle } from '../../../src/events/sink-server.js';
import { startSinkPool, type SinkPoolEvent, type SinkPoolHandle, type SinkPoolOptions } from '../../../src/local/sink-pool/pool.js';
import { waitFor } from '../../support/wait.js';
import { INVALID_EVENTS, postCases, refusals, VALID_EVENTS } from '../../support/cloudevent-cases.js';

const WORKER_NAME = /^eventinghello-00001-deployment-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

function postEvent(url: string, id: string, data: string = JSON.stringify({ id })): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-type': 'dev.knative.kafka.event', 'ce-source': '/test/sink-pool', 'content-type': 'application/json' },
    body: data,
  });
}

/** A target that holds every request until release() answers the ones waiting. */
async function holdingTarget() {
  const held: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => held.push(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    held: () => held.length,
    release: () => { for (const response of held.splice(0)) response.writeHead(202).end(); },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

describe('local sink pool (Knative Service with containerConcurrency 1)', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start(options: SinkPoolOptions) {
    const events: SinkPoolEvent[] = [];
    let maxWorkers = 0;
    let pool: SinkPoolHandle | undefined;
    pool = await startSinkPool({ coldStartMs: 10, ...options }, (event) => {
      events.push(event);
      maxWorkers = Math.max(maxWorkers, pool?.workers().length ?? 0);
    });
    closers.push(() => pool!.close());
    return { pool, events, maxWorkers: () => maxWorkers };
  }

  const ofKind = <K extends SinkPoolEvent['kind']>(events: SinkPoolEvent[], kind: K) =>
    events.filter((e): e is Extract<SinkPoolEvent, { kind: K }> => e.kind === kind);

  it('scales out under a burst (never above maxScale), handles each event once, then scales to zero', async () => {
    const { pool, events, maxWorkers } = await start({ maxScale: 5, coldStartMs: 20, idleMs: 300, workMs: 50 });
    const ids = Array.from({ length: 30 }, (_, i) => `burst-${i}`);

    const responses = await Promise.all(ids.map((id) => postEvent(pool.url, id)));

    expect(responses.map((r) => r.status)).toEqual(ids.map(() => 202));
    const peak = Math.max(...ofKind(events, 'scaled').map((e) => e.to));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(5);
    expect(maxWorkers()).toBeGreaterThan(1);
    expect(maxWorkers()).toBeLessThanOrEqual(5);
    const handled = ofKind(events, 'event').map((e) => e.event.attributes.id);
    expect(handled).toHaveLength(30);
    expect(new Set(handled)).toEqual(new Set(ids));
    // Each event's data shows up in its worker's log, as the lab's container prints it.
    const posts = ofKind(events, 'log').filter((e) => e.line.startsWith(`INFO [eventing-hello] (${e.worker}) POST:`));
    expect(posts.map((e) => JSON.parse(e.line.slice(e.line.indexOf('POST:') + 5)).id).sort()).toEqual([...ids].sort());

    await waitFor(() => pool.workers().length === 0, { timeoutMs: 10_000, what: 'the pool to scale to zero' });
    const scaled = ofKind(events, 'scaled');
    expect(scaled.at(-1)).toMatchObject({ to: 0, reason: expect.stringMatching(/idle for 0\.3s \(scale to zero\)/) });
    const terminated = ofKind(events, 'worker').filter((e) => e.status === 'terminated');
    expect(terminated).toHaveLength(peak);
    expect(terminated.reduce((sum, e) => sum + e.info.eventsHandled, 0)).toBe(30);
    for (const e of terminated) expect(e.worker).toMatch(WORKER_NAME);
  });

  it('cold-starts a worker from zero and holds the request until it is running', async () => {
    const { pool, events } = await start({ coldStartMs: 150 });
    expect(pool.workers()).toEqual([]);

    const started = Date.now();
    const response = await postEvent(pool.url, 'cold-1', '{"hello":"cold"}');

    expect(response.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(events.filter((e) => e.kind === 'scaled' || e.kind === 'worker')).toMatchObject([
      { kind: 'scaled', from: 0, to: 1, reason: expect.stringMatching(/^cold start/) },
      { kind: 'worker', status: 'starting', info: { status: 'Pending', ready: false } },
      { kind: 'worker', status: 'running', info: { status: 'Running', ready: true } },
    ]);
    expect(ofKind(events, 'log')[0]!.line).toMatch(/^INFO \[io\.quarkus\] \(main\) eventing-hello started in 0\.15s/);
    const [worker] = pool.workers();
    expect(worker).toMatchObject({ status: 'Running', ready: true, busy: false, eventsHandled: 1 });
    expect(worker!.name).toMatch(WORKER_NAME);
    expect(ofKind(events, 'event')[0]).toMatchObject({ worker: worker!.name, event: { attributes: { id: 'cold-1' }, data: '{"hello":"cold"}' } });
    expect(ofKind(events, 'log').map((e) => e.line)).toContain(`INFO [eventing-hello] (${worker!.name}) POST:{"hello":"cold"}`);
  });

  it('answers a request that is not a CloudEvent with 400 and a reason', async () => {
    const { pool, events } = await start({});
    const response = await fetch(pool.url, { method: 'POST', body: 'junk' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Not a valid CloudEvent/);
    expect(ofKind(events, 'rejected')).toMatchObject([{ status: 400, worker: expect.stringMatching(WORKER_NAME) }]);
    expect(ofKind(events, 'event')).toHaveLength(0);
  });

  it('answers 400 naming what is wrong for invalid CloudEvents; valid ones (binary, structured, 1.0, 0.3) still get 202', async () => {
    const { pool, events } = await start({ coldStartMs: 0 });
    expect(await postCases(pool.url, INVALID_EVENTS)).toEqual(refusals());
    expect(ofKind(events, 'rejected')).toEqual(INVALID_EVENTS.map((c) => expect.objectContaining({ status: 400, reason: expect.stringContaining(c.reason) })));
    expect(ofKind(events, 'event')).toHaveLength(0);

    expect(await postCases(pool.url, VALID_EVENTS)).toEqual(VALID_EVENTS.map((c) => ({ name: c.name, status: 202, text: '' })));
    expect(ofKind(events, 'event').map((e) => ({ ...e.event.attributes, data: e.event.data }))).toEqual(
      VALID_EVENTS.map((c) => expect.objectContaining({ id: c.id, specversion: c.specversion, data: c.data })),
    );
  });

  it('forwards to a target URL and answers with its response (reply event included)', async () => {
    const seen: SinkEvent[] = [];
    const target: SinkHandle = await startEventSink({ port: 0, host: '127.0.0.1', reply: { type: 'dev.nodeshift.samples.fromjs', source: 'nodeshift/samples/js-example-service' } }, (e) => seen.push(e));
    closers.push(() => target.close());
    const { pool, events } = await start({ targetUrl: target.url });

    const response = await postEvent(pool.url, 'fwd-1', '{"n":1}');

    expect(response.status).toBe(200);
    expect(response.headers.get('ce-type')).toBe('dev.nodeshift.samples.fromjs');
    expect(response.headers.get('ce-source')).toBe('nodeshift/samples/js-example-service');
    expect(JSON.parse(await response.text())).toEqual({ n: 1 });
    expect(seen).toMatchObject([{ kind: 'event', event: { attributes: { id: 'fwd-1', type: 'dev.knative.kafka.event' } } }]);
    expect(ofKind(events, 'event')).toMatchObject([{ event: { attributes: { id: 'fwd-1' } } }]);
  });

  it('runs a command per event with the event JSON on stdin: exit 0 → 202, otherwise 500', async () => {
    const script = `let s = ''; process.stdin.on('data', (c) => { s += c; }).on('end', () => {
      const e = JSON.parse(s);
      console.log('got ' + e.id + ' ' + JSON.stringify(e.data) + ' on ' + process.env.HOSTNAME);
      process.exit(e.data && e.data.fail ? 3 : 0);
    });`;
    const { pool, events } = await start({ command: [process.execPath, '-e', script] });

    const ok = await postEvent(pool.url, 'cmd-1', '{"n":1}');
    expect(ok.status).toBe(202);
    const worker = pool.workers()[0]!.name;
    expect(ofKind(events, 'log')).toContainEqual({ kind: 'log', worker, line: `got cmd-1 {"n":1} on ${worker}` });

    const failed = await postEvent(pool.url, 'cmd-2', '{"fail":true}');
    expect(failed.status).toBe(500);
    expect(await failed.text()).toMatch(/exited with code 3/);
    expect(ofKind(events, 'rejected')).toMatchObject([{ status: 500, reason: expect.stringMatching(/exited with code 3/) }]);
  });

  it("runs the command in the environment it is given, with the pod's K_SERVICE, K_REVISION and HOSTNAME set on top", async () => {
    const script = `console.log([process.env.FROM_CALLER, process.env.FROM_PROCESS, process.env.K_SERVICE, process.env.K_REVISION, process.env.HOSTNAME].join(' '))`;
    process.env.FROM_PROCESS = 'leaked';
    try {
      const { pool, events } = await start({ command: [process.execPath, '-e', script], env: { FROM_CALLER: 'given', HOSTNAME: 'overridden' } });
      expect((await postEvent(pool.url, 'env-1')).status).toBe(202);
      const worker = pool.workers()[0]!.name;
      expect(ofKind(events, 'log')).toContainEqual({ kind: 'log', worker, line: `given  eventinghello eventinghello-00001 ${worker}` });
    } finally {
      delete process.env.FROM_PROCESS;
    }
  });

  it('queues at the ingress while the only worker is busy, and answers 503 past maxQueue', async () => {
    const target = await holdingTarget();
    closers.push(() => target.close());
    const { pool, events } = await start({ targetUrl: target.url, maxScale: 1, maxQueue: 1 });

    const first = postEvent(pool.url, 'q-1');
    await waitFor(() => target.held() === 1, { timeoutMs: 5000, what: 'the first request at the target' });
    const second = postEvent(pool.url, 'q-2');
    await waitFor(() => pool.stats().queued === 1, { timeoutMs: 5000, what: 'the second request to queue' });
    expect(pool.stats()).toEqual({ queued: 1, inFlight: 1, workers: 1, ready: 1 });

    const third = await postEvent(pool.url, 'q-3');
    expect(third.status).toBe(503);
    expect(await third.text()).toMatch(/Too many requests waiting/);

    target.release();
    expect((await first).status).toBe(202);
    await waitFor(() => target.held() === 1, { timeoutMs: 5000, what: 'the queued request at the target' });
    target.release();
    expect((await second).status).toBe(202);
    expect(Math.max(...ofKind(events, 'scaled').map((e) => e.to))).toBe(1);
  });

  it('answers 504 when a request takes longer than the request timeout, and frees the worker', async () => {
    const target = await holdingTarget();
    closers.push(() => target.close());
    const { pool, events } = await start({ targetUrl: target.url, requestTimeoutMs: 300 });

    const response = await postEvent(pool.url, 'slow-1');

    expect(response.status).toBe(504);
    expect(await response.text()).toMatch(/No answer within 0\.3s/);
    expect(ofKind(events, 'rejected')).toMatchObject([{ status: 504 }]);
    await waitFor(() => pool.stats().inFlight === 0 && pool.workers()[0]?.busy === false, { timeoutMs: 5000, what: 'the worker to be free again' });
  });

  it('close() answers waiting and in-flight requests with 503 and terminates the workers', async () => {
    const target = await holdingTarget();
    closers.push(() => target.close());
    const { pool, events } = await start({ targetUrl: target.url, maxScale: 1 });
    const first = postEvent(pool.url, 'c-1');
    await waitFor(() => target.held() === 1, { timeoutMs: 5000, what: 'the first request at the target' });
    const second = postEvent(pool.url, 'c-2');
    await waitFor(() => pool.stats().queued === 1, { timeoutMs: 5000, what: 'the second request to queue' });

    await pool.close();

    expect((await first).status).toBe(503);
    expect((await second).status).toBe(503);
    expect(pool.workers()).toEqual([]);
    expect(ofKind(events, 'worker').filter((e) => e.status === 'terminated')).toHaveLength(1);
    expect(ofKind(events, 'scaled').at(-1)).toMatchObject({ from: 1, to: 0, reason: 'shutting down' });
  });

  it('rejects contradictory options', async () => {
    await expect(startSinkPool({ targetUrl: 'http://127.0.0.1:1/', command: 'true' }, () => {})).rejects.toThrow(/one of a target URL, a command or a function/);
    await expect(startSinkPool({ maxScale: 0 }, () => {})).rejects.toThrow(/maxScale/);
  });
});
