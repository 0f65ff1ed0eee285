import { afterEach, describe, expect, it } from 'vitest';
import { startEventSink, type SinkEvent, type SinkHandle } from '../../src/events/sink-server.js';
import { runCli } from '../support/cli.js';
import { INVALID_EVENTS, postCases, refusals, VALID_EVENTS } from '../support/cloudevent-cases.js';

describe('firehose send ↔ sink serve', () => {
  let sink: SinkHandle | undefined;
  afterEach(async () => { await sink?.close(); sink = undefined; });

  async function startSink(reply?: { type: string; source: string; data?: string }): Promise<SinkEvent[]> {
    const seen: SinkEvent[] = [];
    sink = await startEventSink({ port: 0, host: '127.0.0.1', reply }, (e) => seen.push(e));
    return seen;
  }

  for (const mode of ['binary', 'structured'] as const) {
    for (const specversion of ['1.0', '0.3'] as const) {
      it(`delivers a ${mode} ${specversion} event with its attributes and data`, async () => {
        const seen = await startSink();
        const result = await runCli(['send', sink!.url, '--type', 'my.type', '--source', '/me', '--id', 'e-1', '--data', '{"n":1}', '--extension', 'myext=x', '--mode', mode, '--specversion', specversion, '--output', 'json']);
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({ status: 202, reply: null });
        expect(seen).toHaveLength(1);
        const event = seen[0]!;
        expect(event.kind).toBe('event');
        if (event.kind !== 'event') return;
        expect(event.event.attributes).toMatchObject({ id: 'e-1', type: 'my.type', source: '/me', myext: 'x', specversion, datacontenttype: 'application/json' });
        expect(JSON.parse(event.event.data!)).toEqual({ n: 1 });
      });
    }
  }

  it('shows the reply event a subscriber answers with (seed 003 function style)', async () => {
    await startSink({ type: 'dev.nodeshift.samples.fromjs', source: 'nodeshift/samples/js-example-service', data: 'hi back' });
    const result = await runCli(['send', sink!.url, '--type', 'dev.nodeshift.samples.js-example', '--source', 'dev.nodeshift.samples/js-example-source', '--data', 'hi']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ 200 from http:\/\/127\.0\.0\.1:\d+\/ for event /);
    expect(result.stdout).toContain('type: dev.nodeshift.samples.fromjs');
    expect(result.stdout).toContain('source: nodeshift/samples/js-example-service');
    expect(result.stdout).toContain('data: hi back');
  });

  it('answers a request that is not a CloudEvent with 400 and a reason', async () => {
    const seen = await startSink();
    const response = await fetch(sink!.url, { method: 'POST', body: 'junk' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Not a valid CloudEvent/);
    expect(seen[0]).toMatchObject({ kind: 'rejected' });
  });

  it('answers 400 naming what is wrong for invalid CloudEvents, and keeps taking valid ones (binary, structured, 1.0, 0.3)', async () => {
    const seen = await startSink();
    expect(await postCases(sink!.url, INVALID_EVENTS)).toEqual(refusals());
    expect(seen.map((e) => e.kind)).toEqual(INVALID_EVENTS.map(() => 'rejected'));
    expect(seen.map((e) => (e.kind === 'rejected' ? e.reason : ''))).toEqual(INVALID_EVENTS.map((c) => expect.stringContaining(c.reason)));

    seen.length = 0;
    expect(await postCases(sink!.url, VALID_EVENTS)).toEqual(VALID_EVENTS.map((c) => ({ name: c.name, status: 202, text: '' })));
    expect(seen.map((e) => (e.kind === 'event' ? { ...e.event.attributes, data: e.event.data } : e))).toEqual(
      VALID_EVENTS.map((c) => expect.objectContaining({ id: c.id, specversion: c.specversion, data: c.data })),
    );
  });

  it('fails clearly when nothing listens, and on a bad URL', async () => {
    const refused = await runCli(['send', 'http://127.0.0.1:9/', '--type', 'a', '--source', 'b', '--timeout', '3s']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Cannot POST to http:\/\/127\.0\.0\.1:9\/: /);
    const bad = await runCli(['send', 'not a url', '--type', 'a', '--source', 'b']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a URL');
  });

  it('reads --data @file and reports a missing one', async () => {
    const seen = await startSink();
    const missing = await runCli(['send', sink!.url, '--type', 'a', '--source', 'b', '--data', '@/nonexistent/event.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/event.json');
    expect(seen).toHaveLength(0);
  });
});
