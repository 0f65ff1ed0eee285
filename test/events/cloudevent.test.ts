import { describe, expect, it } from 'vitest';
import {
  eventToJson,
  looksLikeCloudEvent,
  parseHttpCloudEvent,
  summarize,
  toBinaryHttp,
  toStructuredHttp,
  type CloudEvent,
} from '../../src/events/cloudevent.js';
import { INVALID_EVENTS, VALID_EVENTS } from '../support/cloudevent-cases.js';

const context = (specversion: '1.0' | '0.3', datacontenttype?: string) => ({
  specversion, id: 'codec-1', source: '/test/codec', type: 'firehose.test.codec', myext: 'x', ...(datacontenttype ? { datacontenttype } : {}),
});
const BYTES = Buffer.from([0xff, 0x00, 0x80, 0x01]);

describe('the CloudEvent codec', () => {
  it('parses binary mode: ce-* headers in any case are the attributes, content-type the datacontenttype, the body the data', () => {
    const event = parseHttpCloudEvent(
      { 'CE-SpecVersion': '1.0', 'Ce-Id': '1', 'ce-source': '/s', 'ce-type': 't', 'ce-myext': 'x', 'content-type': 'text/plain', host: 'h' },
      Buffer.from('hello'),
    );
    expect(event).toEqual({ attributes: { specversion: '1.0', id: '1', source: '/s', type: 't', myext: 'x', datacontenttype: 'text/plain' }, data: Buffer.from('hello') });
    expect(parseHttpCloudEvent({ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't' }, Buffer.alloc(0)).data).toBeNull();
  });

  it.each<[string, Record<string, unknown>, CloudEvent['data'], Record<string, string>]>([
    ['JSON data', { ...context('1.0', 'application/json'), data: { n: 1 } }, Buffer.from('{"n":1}'), context('1.0', 'application/json')],
    ['text data', { ...context('1.0', 'text/plain'), data: 'hi' }, Buffer.from('hi'), context('1.0', 'text/plain')],
    ['data_base64', { ...context('1.0'), data_base64: BYTES.toString('base64') }, BYTES, context('1.0')],
    ['0.3 base64 data', { ...context('0.3'), datacontentencoding: 'base64', data: BYTES.toString('base64') }, BYTES, context('0.3')],
    ['no data', { ...context('1.0'), data: null }, null, context('1.0')],
  ])('parses structured mode with %s', (_name, json, data, attributes) => {
    expect(parseHttpCloudEvent({ 'content-type': 'application/cloudevents+json' }, Buffer.from(JSON.stringify(json)))).toEqual({ attributes, data });
  });

  it('refuses what the validator refuses, with its reason', () => {
    for (const c of INVALID_EVENTS) expect(() => parseHttpCloudEvent(c.headers, Buffer.from(c.body))).toThrow(c.reason);
  });

  it('reads every valid case with its data', () => {
    expect(VALID_EVENTS.map((c) => summarize(parseHttpCloudEvent(c.headers, Buffer.from(c.body))).data)).toEqual(VALID_EVENTS.map((c) => c.data));
  });

  it('writes the structured JSON object: JSON inline, text as a string, other bytes as base64 (1.0 and 0.3)', () => {
    expect(eventToJson({ attributes: context('1.0', 'application/json'), data: Buffer.from('{ "n": 1 }') })).toEqual({ ...context('1.0', 'application/json'), data: { n: 1 } });
    expect(eventToJson({ attributes: context('1.0', 'application/json'), data: Buffer.from('not json') })).toEqual({ ...context('1.0', 'application/json'), data: 'not json' });
    expect(eventToJson({ attributes: context('1.0', 'text/plain'), data: Buffer.from('{"n":1}') })).toEqual({ ...context('1.0', 'text/plain'), data: '{"n":1}' });
    expect(eventToJson({ attributes: context('1.0'), data: BYTES })).toEqual({ ...context('1.0'), data_base64: BYTES.toString('base64') });
    expect(eventToJson({ attributes: context('0.3'), data: BYTES })).toEqual({ ...context('0.3'), datacontentencoding: 'base64', data: BYTES.toString('base64') });
    expect(eventToJson({ attributes: context('1.0'), data: null })).toEqual(context('1.0'));
  });

  const events: Array<[string, CloudEvent]> = [
    ['1.0 JSON', { attributes: context('1.0', 'application/json'), data: Buffer.from('{"n":1}') }],
    ['1.0 text', { attributes: context('1.0', 'text/plain'), data: Buffer.from('hello') }],
    ['1.0 bytes', { attributes: context('1.0', 'application/octet-stream'), data: BYTES }],
    ['0.3 bytes', { attributes: context('0.3', 'application/octet-stream'), data: BYTES }],
    ['no data', { attributes: context('1.0'), data: null }],
  ];

  it.each(events)('%s: binary and structured mode read back as the same event', (_name, event) => {
    for (const message of [toBinaryHttp(event), toStructuredHttp(event)]) {
      expect(looksLikeCloudEvent(message.headers)).toBe(true);
      expect(parseHttpCloudEvent(message.headers, message.body)).toEqual(event);
    }
    expect(toBinaryHttp(event).headers).not.toHaveProperty('ce-datacontenttype');
  });

  it.each(events)('%s: the cloudevents SDK reads what the codec writes', async (_name, event) => {
    const { HTTP } = await import('cloudevents');
    for (const message of [toBinaryHttp(event), toStructuredHttp(event)]) {
      const read = HTTP.toEvent({ headers: message.headers, body: message.body.toString('utf8') }) as unknown as Record<string, unknown>;
      expect(read).toMatchObject({ id: 'codec-1', specversion: event.attributes.specversion, myext: 'x' });
    }
    const structured = HTTP.toEvent({ headers: toStructuredHttp(event).headers, body: toStructuredHttp(event).body.toString('utf8') }) as unknown as { data?: unknown };
    if (event.data === BYTES) expect(Buffer.from(structured.data as Uint32Array)).toEqual(BYTES);
  });
});
