import { describe, expect, it } from 'vitest';
import { validateHttpCloudEvent } from '../../src/events/validate-cloudevent.js';
import { INVALID_EVENTS, VALID_EVENTS } from '../support/cloudevent-cases.js';

const ce = (attributes: Record<string, string>) => Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`ce-${name}`, value]));
const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function reasonFor(headers: Record<string, string>, body: Buffer): string | undefined {
  try {
    validateHttpCloudEvent(headers, body);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('validateHttpCloudEvent', () => {
  it.each(INVALID_EVENTS)('refuses $name, naming the reason', (c) => {
    expect(() => validateHttpCloudEvent(c.headers, Buffer.from(c.body))).toThrow(expect.objectContaining({
      code: 'NOT_A_CLOUDEVENT',
      message: expect.stringContaining(c.reason),
    }));
  });

  it.each(VALID_EVENTS)('accepts $name', (c) => {
    expect(validateHttpCloudEvent(c.headers, Buffer.from(c.body)).mode).toBe(c.name.startsWith('binary') ? 'binary' : 'structured');
  });

  it.each<[string, Record<string, string>, Buffer, string]>([
    ['names every missing attribute at once', ce({ type: 't' }), Buffer.alloc(0), 'missing required attributes "specversion", "id", "source"'],
    ['an empty id', ce({ specversion: '1.0', id: '', source: '/s', type: 't' }), Buffer.alloc(0), 'required attribute "id" is empty'],
    ['a number for id', STRUCTURED, json({ specversion: '1.0', id: 7, source: '/s', type: 't' }), 'attribute "id" must be a string, not a number'],
    ['a number for specversion', STRUCTURED, json({ specversion: 1, id: '1', source: '/s', type: 't' }), 'attribute "specversion" must be a string, not a number'],
    ['null', STRUCTURED, Buffer.from('null'), 'not null'],
    ['an empty structured body', STRUCTURED, Buffer.alloc(0), 'the body is empty'],
    ['a body that is not JSON', STRUCTURED, Buffer.from('{"id":'), 'the body is not JSON'],
    ['another structured format', { 'content-type': 'application/cloudevents+xml' }, Buffer.from('<event/>'), 'structured mode in application/cloudevents+xml is not supported'],
    ['no content-type and no ce-* headers', {}, Buffer.from('junk'), 'the content-type is missing'],
    ['both problems of one event', ce({ specversion: '2.0', source: '/s', type: 't' }), Buffer.alloc(0), 'missing required attribute "id"; unsupported specversion "2.0" (supported: 1.0, 0.3)'],
  ])('refuses %s', (_name, headers, body, reason) => {
    expect(reasonFor(headers, body)).toContain(reason);
  });

  it('reads header names in any case and content-type parameters', () => {
    expect(validateHttpCloudEvent({ 'CE-SpecVersion': '1.0', 'Ce-Id': '1', 'ce-source': '/s', 'CE-TYPE': 't' }, Buffer.alloc(0))).toEqual({ mode: 'binary' });
    const event = { specversion: '0.3', id: '1', source: '/s', type: 't' };
    expect(validateHttpCloudEvent({ 'Content-Type': 'Application/CloudEvents+JSON; charset=utf-8' }, json(event))).toEqual({ mode: 'structured', json: event });
  });

  it('lets the content-type decide: structured mode wins over stray ce-* headers', () => {
    const headers = { ...STRUCTURED, 'ce-specversion': '9.9' };
    expect(validateHttpCloudEvent(headers, json({ specversion: '1.0', id: '1', source: '/s', type: 't' })).mode).toBe('structured');
  });
});
