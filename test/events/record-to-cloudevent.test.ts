import { describe, expect, it } from 'vitest';
import { toBinaryHttp } from '../../src/events/cloudevent.js';
import { headerExtensionName, recordToCloudEvent } from '../../src/events/record-to-cloudevent.js';
import type { RawRecord } from '../../src/kafka/batches.js';

const source = { namespace: 'user7', name: 'mykafka-source' };
const record = (over: Partial<RawRecord> = {}): RawRecord => ({
  topic: 'my-topic-7',
  partition: 3,
  offset: '42',
  timestamp: Date.UTC(2026, 10, 24, 12, 0, 0),
  key: null,
  headers: {},
  value: Buffer.from('{ "message": "Sending Message: 0" }'),
  ...over,
});

describe('recordToCloudEvent: Knative KafkaSource rules', () => {
  it('gives a plain record the synthetic attributes', () => {
    const event = recordToCloudEvent(record(), source);
    expect(event.attributes).toEqual({
      specversion: '1.0',
      id: 'partition:3/offset:42',
      source: '/apis/v1/namespaces/user7/kafkasources/mykafka-source#my-topic-7',
      type: 'dev.knative.kafka.event',
      subject: 'partition:3#42',
      time: '2026-11-24T12:00:00.000Z',
    });
    expect(event.data?.toString()).toBe('{ "message": "Sending Message: 0" }');
  });

  it('maps the key to key and partitionkey, headers to kafkaheader<name>, content-type to datacontenttype', () => {
    const event = recordToCloudEvent(record({ key: Buffer.from('k1'), headers: { 'X-Trace_Id': Buffer.from('abc'), 'content-type': 'application/json' } }), source);
    expect(event.attributes.key).toBe('k1');
    expect(event.attributes.partitionkey).toBe('k1');
    expect(event.attributes.kafkaheaderxtraceid).toBe('abc');
    expect(event.attributes.datacontenttype).toBe('application/json');
    expect(Object.keys(event.attributes)).not.toContain('kafkaheadercontenttype');
  });

  it('passes a binary-mode CloudEvent (ce_ headers) through unchanged', () => {
    const event = recordToCloudEvent(record({
      headers: { ce_specversion: '1.0', ce_id: 'abc-1', ce_source: '/mine', ce_type: 'my.type', ce_myext: 'x', 'content-type': 'text/plain' },
      value: Buffer.from('hello'),
    }), source);
    expect(event.attributes).toEqual({ specversion: '1.0', id: 'abc-1', source: '/mine', type: 'my.type', myext: 'x', datacontenttype: 'text/plain' });
    expect(event.data?.toString()).toBe('hello');
  });

  it('passes a structured-mode CloudEvent through, data and data_base64 alike', () => {
    const structured = { specversion: '1.0', id: 's-1', source: '/s', type: 't', datacontenttype: 'application/json', data: { a: 1 } };
    const event = recordToCloudEvent(record({ headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' }, value: Buffer.from(JSON.stringify(structured)) }), source);
    expect(event.attributes).toEqual({ specversion: '1.0', id: 's-1', source: '/s', type: 't', datacontenttype: 'application/json' });
    expect(JSON.parse(event.data!.toString())).toEqual({ a: 1 });
    const b64 = recordToCloudEvent(record({ headers: { 'content-type': 'application/cloudevents+json' }, value: Buffer.from(JSON.stringify({ ...structured, data: undefined, data_base64: Buffer.from([1, 2, 3]).toString('base64') })) }), source);
    expect([...b64.data!]).toEqual([1, 2, 3]);
  });

  it('names header extensions the way Knative does', () => {
    expect(headerExtensionName('My-Header.1')).toBe('kafkaheadermyheader1');
  });

  it('encodes binary HTTP with ce- headers and content-type', () => {
    const http = toBinaryHttp(recordToCloudEvent(record({ headers: { 'content-type': 'application/json' } }), source));
    expect(http.headers['ce-id']).toBe('partition:3/offset:42');
    expect(http.headers['content-type']).toBe('application/json');
    expect(http.headers['ce-datacontenttype']).toBeUndefined();
    expect(http.body.toString()).toContain('Sending Message: 0');
  });
});
