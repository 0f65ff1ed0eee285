import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendCloudEvent, type SendOptions } from '../../../src/events/send.js';
import { startEventSink, type SinkEvent, type SinkReply } from '../../../src/events/sink-server.js';
import { startBroker, type BrokerOptions } from '../../../src/local/eventing/broker.js';
import { startChannel } from '../../../src/local/eventing/channel.js';
import type { BrokerEvent } from '../../../src/local/eventing/router.js';
import { parseTriggerYaml } from '../../../src/local/eventing/trigger-yaml.js';
import { waitFor } from '../../support/wait.js';
import { INVALID_EVENTS, postCases, refusals, VALID_EVENTS } from '../../support/cloudevent-cases.js';
import { FROMJS_SOURCE, FROMJS_TYPE, JS_SOURCE, JS_TYPE, WORKSHOP_TRIGGERS } from './workshop-triggers.js';

const ofKind = <K extends BrokerEvent['kind']>(events: BrokerEvent[], kind: K) =>
  events.filter((e): e is Extract<BrokerEvent, { kind: K }> => e.kind === kind);

describe('local broker, triggers and channel', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function sink(reply?: SinkReply) {
    const seen: SinkEvent[] = [];
    const handle = await startEventSink({ port: 0, host: '127.0.0.1', reply }, (e) => seen.push(e));
    closers.push(() => handle.close());
    const events = () => seen.flatMap((e) => (e.kind === 'event' ? [e.event] : []));
    return { url: handle.url, events };
  }

  /** A subscriber that answers `status(n)` to the n-th request (counting from 0) with `body`. */
  async function scripted(status: (n: number) => number, body = '') {
    let requests = 0;
    const server: Server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(status(requests++), { 'content-type': 'text/plain' }).end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests: () => requests };
  }

  async function broker(options: BrokerOptions) {
    const events: BrokerEvent[] = [];
    const handle = await startBroker(options, (e) => events.push(e));
    closers.push(() => handle.close());
    return { broker: handle, events };
  }

  function send(url: string, options: Partial<SendOptions> & { type: string; source: string }) {
    return sendCloudEvent({ url, extensions: {}, mode: 'binary', specversion: '1.0', timeoutMs: 5000, ...options });
  }

  it('runs seed 003\'s chain from Trigger YAML: js trigger → js function → reply → wasm trigger', async () => {
    const jsFunction = await sink({ type: FROMJS_TYPE, source: FROMJS_SOURCE });
    const wasm = await sink();
    const services: Record<string, string> = { 'js-example-service': jsFunction.url, 'wasm-service': wasm.url };
    const triggers = await parseTriggerYaml(WORKSHOP_TRIGGERS, { file: 'triggers.yaml', resolveRef: (kind, name) => (kind === 'Service' ? services[name] : undefined) });
    const { broker: b, events } = await broker({ triggers });

    const sent = await send(b.url, { type: JS_TYPE, source: JS_SOURCE, id: 'chain-1', data: '{"name":"firehose"}' });
    expect(sent.status).toBe(202);

    await waitFor(() => wasm.events().length === 1, { timeoutMs: 10_000, what: 'the reply to reach the wasm subscriber' });
    const final = wasm.events()[0]!;
    expect(final.attributes).toMatchObject({ specversion: '1.0', type: FROMJS_TYPE, source: FROMJS_SOURCE, datacontenttype: 'application/json' });
    expect(final.attributes.id).not.toBe('chain-1');
    expect(final.attributes.knativearrivaltime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(final.attributes).not.toHaveProperty('firehosehops');
    expect(JSON.parse(final.data!)).toEqual({ name: 'firehose' });
    expect(jsFunction.events()).toMatchObject([{ attributes: { id: 'chain-1', type: JS_TYPE, source: JS_SOURCE } }]);
    expect(ofKind(events, 'received')).toMatchObject([
      { id: 'chain-1', hops: 0, from: 'ingress', matched: ['js-trigger'] },
      { id: final.attributes.id, hops: 1, from: 'reply', matched: ['wasm-trigger'] },
    ]);
    expect(ofKind(events, 'reply')).toMatchObject([{ trigger: 'js-trigger', id: 'chain-1', reply: { attributes: { type: FROMJS_TYPE } } }]);
    await waitFor(() => ofKind(events, 'delivered').length === 2, { timeoutMs: 5000, what: 'both deliveries to be reported' });
    expect(ofKind(events, 'delivered')).toMatchObject([{ trigger: 'js-trigger', status: 200, attempts: 1 }, { trigger: 'wasm-trigger', status: 202, attempts: 1 }]);
  });

  it('filters exactly: an event that differs in one attribute reaches no one', async () => {
    const subscriber = await sink();
    const { broker: b, events } = await broker({ triggers: [{ name: 'js', filter: { type: JS_TYPE, source: JS_SOURCE }, subscriber: subscriber.url }] });

    expect((await send(b.url, { type: `${JS_TYPE}.v2`, source: JS_SOURCE, id: 'near-miss' })).status).toBe(202);
    expect((await send(b.url, { type: JS_TYPE, source: `${JS_SOURCE}/other`, id: 'other-source' })).status).toBe(202);
    expect((await send(b.url, { type: JS_TYPE, source: JS_SOURCE, id: 'match', extensions: { myext: 'x' } })).status).toBe(202);

    await waitFor(() => subscriber.events().length === 1, { timeoutMs: 5000, what: 'the matching event' });
    expect(ofKind(events, 'received').map((e) => [e.id, e.matched])).toEqual([['near-miss', []], ['other-source', []], ['match', ['js']]]);
    await waitFor(() => b.pending() === 0, { timeoutMs: 5000, what: 'deliveries to settle' });
    expect(subscriber.events().map((e) => e.attributes.id)).toEqual(['match']);
    expect(subscriber.events()[0]!.attributes.myext).toBe('x');

    // Extensions filter too, and a trigger added later takes part at once.
    b.add({ name: 'by-ext', filter: { myext: 'y' }, subscriber: subscriber.url });
    await send(b.url, { type: 'any.type', source: '/any', id: 'ext-y', extensions: { myext: 'y' } });
    await waitFor(() => subscriber.events().length === 2, { timeoutMs: 5000, what: 'the extension-matched event' });
    expect(subscriber.events()[1]!.attributes.id).toBe('ext-y');
  });

  it('accepts structured mode, and answers 400 with a reason for what is not a CloudEvent', async () => {
    const subscriber = await sink();
    const { broker: b, events } = await broker({ triggers: [{ name: 'all', filter: {}, subscriber: subscriber.url }] });

    const bad = await fetch(b.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":1}' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/Not a valid CloudEvent/);
    expect(ofKind(events, 'rejected')).toMatchObject([{ status: 400 }]);

    expect((await send(b.url, { type: 't', source: '/s', id: 'structured-1', mode: 'structured', data: 'plain text' })).status).toBe(202);
    await waitFor(() => subscriber.events().length === 1, { timeoutMs: 5000, what: 'the structured event' });
    expect(subscriber.events()[0]).toMatchObject({ attributes: { id: 'structured-1', type: 't' }, data: 'plain text' });
  });

  /** The valid cases as the subscriber must see them, by id (deliveries run concurrently). */
  const byId = (events: Array<{ attributes: Record<string, string>; data: string | null }>) =>
    Object.fromEntries(events.map((e) => [e.attributes.id, { specversion: e.attributes.specversion, data: e.data }]));
  const expectedValid = Object.fromEntries(VALID_EVENTS.map((c) => [c.id, { specversion: c.specversion, data: c.data }]));

  it('answers 400 naming what is wrong for invalid CloudEvents and routes none of them; valid ones still get 202', async () => {
    const subscriber = await sink();
    const { broker: b, events } = await broker({ triggers: [{ name: 'all', filter: {}, subscriber: subscriber.url }] });

    expect(await postCases(b.url, INVALID_EVENTS)).toEqual(refusals());
    expect(ofKind(events, 'rejected')).toEqual(INVALID_EVENTS.map((c) => expect.objectContaining({ status: 400, reason: expect.stringContaining(c.reason) })));

    expect(await postCases(b.url, VALID_EVENTS)).toEqual(VALID_EVENTS.map((c) => ({ name: c.name, status: 202, text: '' })));
    await waitFor(() => subscriber.events().length === VALID_EVENTS.length, { timeoutMs: 5000, what: 'the valid events at the subscriber' });
    await waitFor(() => b.pending() === 0, { timeoutMs: 5000, what: 'deliveries to settle' });
    expect(byId(subscriber.events())).toEqual(expectedValid);
    expect(ofKind(events, 'received').map((e) => e.id).sort()).toEqual(VALID_EVENTS.map((c) => c.id).sort());
  });

  it('a channel answers 400 naming what is wrong for invalid CloudEvents; valid ones still get 202', async () => {
    const subscriber = await sink();
    const events: BrokerEvent[] = [];
    const channel = await startChannel({ subscriptions: [{ name: 'all', subscriber: subscriber.url }] }, (e) => events.push(e));
    closers.push(() => channel.close());

    expect(await postCases(channel.url, INVALID_EVENTS)).toEqual(refusals());
    expect(ofKind(events, 'rejected')).toEqual(INVALID_EVENTS.map((c) => expect.objectContaining({ status: 400, reason: expect.stringContaining(c.reason) })));

    expect(await postCases(channel.url, VALID_EVENTS)).toEqual(VALID_EVENTS.map((c) => ({ name: c.name, status: 202, text: '' })));
    await waitFor(() => subscriber.events().length === VALID_EVENTS.length, { timeoutMs: 5000, what: 'the valid events at the subscriber' });
    await waitFor(() => channel.pending() === 0, { timeoutMs: 5000, what: 'deliveries to settle' });
    expect(byId(subscriber.events())).toEqual(expectedValid);
  });

  it('reports an invalid reply event as bad-reply and does not route it', async () => {
    const server: Server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'ce-specversion': '9.9', 'ce-id': 'r-1', 'ce-type': 'reply', 'ce-source': '/fn' }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
    const fn = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { broker: b, events } = await broker({ triggers: [{ name: 'fn', filter: {}, subscriber: fn }] });

    expect((await send(b.url, { type: 't', source: '/s', id: 'asks-1' })).status).toBe(202);
    await waitFor(() => ofKind(events, 'bad-reply').length === 1, { timeoutMs: 5000, what: 'the bad reply to be reported' });
    expect(ofKind(events, 'bad-reply')).toMatchObject([{ trigger: 'fn', id: 'asks-1', reason: expect.stringContaining('unsupported specversion "9.9"') }]);
    await waitFor(() => b.pending() === 0, { timeoutMs: 5000, what: 'deliveries to settle' });
    expect(ofKind(events, 'received').map((e) => e.id)).toEqual(['asks-1']);
  });

  it('retries a subscriber that fails twice with 503, then delivers', async () => {
    const flaky = await scripted((n) => (n < 2 ? 503 : 202));
    const { broker: b, events } = await broker({ retries: 3, backoffMs: 10, triggers: [{ name: 'flaky', filter: {}, subscriber: flaky.url }] });

    await send(b.url, { type: 't', source: '/s', id: 'retry-1' });

    await waitFor(() => ofKind(events, 'delivered').length === 1, { timeoutMs: 5000, what: 'the delivery' });
    expect(flaky.requests()).toBe(3);
    expect(ofKind(events, 'retry')).toMatchObject([{ trigger: 'flaky', status: 503, attempt: 1, delayMs: 10 }, { status: 503, attempt: 2, delayMs: 20 }]);
    expect(ofKind(events, 'delivered')).toMatchObject([{ trigger: 'flaky', id: 'retry-1', status: 202, attempts: 3 }]);
    expect(ofKind(events, 'dead-letter')).toHaveLength(0);
  });

  it('sends what always fails to the dead-letter sink after the retries, with Knative\'s error extensions', async () => {
    const broken = await scripted(() => 500, 'boom');
    const deadLetters = await sink();
    const { broker: b, events } = await broker({ retries: 2, backoffMs: 5, deadLetterUrl: deadLetters.url, triggers: [{ name: 'broken', filter: {}, subscriber: broken.url }] });

    await send(b.url, { type: 't', source: '/s', id: 'doomed-1', data: '{"n":1}' });

    await waitFor(() => deadLetters.events().length === 1, { timeoutMs: 5000, what: 'the dead letter' });
    expect(broken.requests()).toBe(3);
    expect(deadLetters.events()[0]!.attributes).toMatchObject({
      id: 'doomed-1',
      knativeerrorcode: '500',
      knativeerrordest: broken.url,
      knativeerrordata: Buffer.from('boom').toString('base64'),
    });
    await waitFor(() => ofKind(events, 'dead-letter').length === 1, { timeoutMs: 5000, what: 'the dead-letter report' });
    expect(ofKind(events, 'dead-letter')).toMatchObject([{ trigger: 'broken', id: 'doomed-1', status: 500, attempts: 3, deadLetterStatus: 202, ok: true }]);
  });

  it('does not retry a final 4xx, and drops it when there is no dead-letter sink', async () => {
    const refusing = await scripted(() => 400);
    const { broker: b, events } = await broker({ retries: 3, backoffMs: 5, triggers: [{ name: 'refusing', filter: {}, subscriber: refusing.url }] });
    await send(b.url, { type: 't', source: '/s', id: 'refused-1' });
    await waitFor(() => ofKind(events, 'dropped').length === 1, { timeoutMs: 5000, what: 'the drop' });
    expect(ofKind(events, 'dropped')).toMatchObject([{ trigger: 'refusing', status: 400, attempts: 1 }]);
    expect(refusing.requests()).toBe(1);
  });

  it('stops a reply loop at maxHops with a loop event', async () => {
    const echo = await sink({ type: 'ping', source: '/echo' });
    const { broker: b, events } = await broker({ maxHops: 3, triggers: [{ name: 'echo', filter: { type: 'ping' }, subscriber: echo.url }] });

    await send(b.url, { type: 'ping', source: '/start', id: 'loop-1' });

    await waitFor(() => ofKind(events, 'loop').length === 1, { timeoutMs: 10_000, what: 'the loop to be detected' });
    const [loop] = ofKind(events, 'loop');
    expect(loop).toMatchObject({ type: 'ping', source: '/echo', hops: 4, maxHops: 3, triggers: ['echo', 'echo', 'echo', 'echo'] });
    expect(loop!.message).toMatch(/reply number 4 in a row via trigger echo → echo → echo → echo, more than maxHops 3/);
    expect(loop!.message).toMatch(/change the reply's type or the trigger's filter/);
    expect(echo.events()).toHaveLength(4);
    expect(ofKind(events, 'received').map((e) => e.hops)).toEqual([0, 1, 2, 3]);
    await waitFor(() => b.pending() === 0, { timeoutMs: 5000, what: 'deliveries to settle' });
    expect(echo.events()).toHaveLength(4);
  });

  it('a channel fans each event out to every subscription and sends replies to the reply destination', async () => {
    const plain = await sink();
    const replying = await sink({ type: FROMJS_TYPE, source: FROMJS_SOURCE, data: 'hi back' });
    const replies = await sink();
    const events: BrokerEvent[] = [];
    const channel = await startChannel({
      subscriptions: [
        { name: 'plain', subscriber: plain.url },
        { name: 'fn', subscriber: replying.url, reply: replies.url },
      ],
    }, (e) => events.push(e));
    closers.push(() => channel.close());

    expect((await send(channel.url, { type: 'anything', source: '/x', id: 'chan-1', data: 'hi' })).status).toBe(202);

    await waitFor(() => replies.events().length === 1, { timeoutMs: 5000, what: 'the reply at the reply destination' });
    expect(plain.events()).toMatchObject([{ attributes: { id: 'chan-1', type: 'anything' }, data: 'hi' }]);
    expect(replying.events()).toMatchObject([{ attributes: { id: 'chan-1' } }]);
    expect(replies.events()[0]).toMatchObject({ attributes: { type: FROMJS_TYPE, source: FROMJS_SOURCE, firehosehops: '1' }, data: 'hi back' });
    expect(ofKind(events, 'received')).toMatchObject([{ id: 'chan-1', matched: ['plain', 'fn'] }]);
    expect(ofKind(events, 'reply')).toMatchObject([{ trigger: 'fn', forwardedTo: replies.url }]);
  });
});
