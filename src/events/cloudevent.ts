/**
 * The one CloudEvent type and its codec. Every part that receives, maps, sends or shows
 * events (the sink, `send`, the KafkaSource dispatcher, the local broker and channel, the sink
 * pool's workers) holds an event as a `CloudEvent` and converts it only here: HTTP in (parsed
 * once, after validateHttpCloudEvent), HTTP out (binary or structured mode), the structured
 * JSON object, and the printable summary.
 */
import { CLOUDEVENTS_JSON, validateHttpCloudEvent } from './validate-cloudevent.js';

/** A CloudEvent: context attributes and extensions as strings, the data as raw bytes. */
export interface CloudEvent {
  attributes: Record<string, string>;
  data: Buffer | null;
}

/** A CloudEvent in printable form (reports, `--output json`): the data as UTF-8 text. */
export interface EventSummary {
  attributes: Record<string, string>;
  data: string | null;
}

/** An HTTP message: what toBinaryHttp and toStructuredHttp produce. */
export interface HttpMessage {
  headers: Record<string, string>;
  body: Buffer;
}

type HeaderRecord = Record<string, string | string[] | undefined>;

/** The cloudevents SDK, loaded on first use (only `send` needs it, to build and check events). */
export async function loadCloudEvents(): Promise<typeof import('cloudevents')> {
  const module = (await import('cloudevents')) as typeof import('cloudevents') & { default?: typeof import('cloudevents') };
  return module.default ?? module;
}

export function summarize(event: CloudEvent): EventSummary {
  return { attributes: { ...event.attributes }, data: event.data === null ? null : event.data.toString('utf8') };
}

/**
 * A structured-mode JSON object as a CloudEvent: every member but the data is an attribute
 * (as a string); the data comes from data_base64, from a 0.3 event's base64 `data`
 * (datacontentencoding base64), from a string, or from any other JSON value as its text.
 */
export function cloudEventFromJson(json: Record<string, unknown>): CloudEvent {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name !== 'data' && name !== 'data_base64' && value !== undefined && value !== null) attributes[name] = String(value);
  }
  let data: Buffer | null = null;
  if (typeof json.data_base64 === 'string') data = Buffer.from(json.data_base64, 'base64');
  else if (typeof json.data === 'string' && attributes.datacontentencoding?.toLowerCase() === 'base64') {
    // The bytes are the data now: the encoding attribute no longer applies to them.
    data = Buffer.from(json.data, 'base64');
    delete attributes.datacontentencoding;
  } else if (typeof json.data === 'string') data = Buffer.from(json.data);
  else if (json.data !== undefined && json.data !== null) data = Buffer.from(JSON.stringify(json.data));
  return { attributes, data };
}

/**
 * Parses an HTTP request or response as one CloudEvent (binary or structured mode), reading
 * the body once. Throws FirehoseError NOT_A_CLOUDEVENT naming what is missing or wrong
 * (validateHttpCloudEvent). Binary mode: `ce-*` headers are the attributes, content-type the
 * datacontenttype, the body the data.
 */
export function parseHttpCloudEvent(headers: HeaderRecord, body: Buffer): CloudEvent {
  const checked = validateHttpCloudEvent(headers, body);
  if (checked.mode === 'structured') return cloudEventFromJson(checked.json);
  const attributes: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    const value = Array.isArray(rawValue) ? rawValue[0] : rawValue;
    if (value === undefined) continue;
    if (name.startsWith('ce-')) attributes[name.slice(3)] = value;
    else if (name === 'content-type') attributes.datacontenttype = value;
  }
  return { attributes, data: body.length === 0 ? null : body };
}

function headerOf(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** True when (lower-case) headers say binary (`ce-specversion`) or structured (`application/cloudevents+json`) mode. */
export function looksLikeCloudEvent(headers: HeaderRecord): boolean {
  return headerOf(headers, 'ce-specversion') !== undefined
    || (headerOf(headers, 'content-type') ?? '').toLowerCase().startsWith(CLOUDEVENTS_JSON);
}

/** HTTP binary mode: `ce-<attribute>` headers (datacontenttype as content-type), the data as the body. */
export function toBinaryHttp(event: CloudEvent): HttpMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.attributes)) {
    if (name === 'datacontenttype') headers['content-type'] = value;
    else headers[`ce-${name}`] = value;
  }
  return { headers, body: event.data ?? Buffer.alloc(0) };
}

/**
 * The event as one structured-mode JSON object: data inline when it is JSON (no
 * datacontenttype, or a JSON one, and the bytes parse), as a string when it is UTF-8 text,
 * else base64 (`data_base64` in 1.0; `data` with datacontentencoding base64 in 0.3).
 */
export function eventToJson(event: CloudEvent): Record<string, unknown> {
  const json: Record<string, unknown> = { ...event.attributes };
  if (event.data === null) return json;
  const text = event.data.toString('utf8');
  const contentType = (event.attributes.datacontenttype ?? '').toLowerCase();
  if (contentType === '' || contentType.includes('json')) {
    try {
      json.data = JSON.parse(text);
      return json;
    } catch {
      // not JSON after all: kept as text below
    }
  }
  if (Buffer.from(text, 'utf8').equals(event.data)) json.data = text;
  else if (event.attributes.specversion === '0.3') {
    json.datacontentencoding = 'base64';
    json.data = event.data.toString('base64');
  } else json.data_base64 = event.data.toString('base64');
  return json;
}

/** HTTP structured mode: the eventToJson object as an `application/cloudevents+json` body. */
export function toStructuredHttp(event: CloudEvent): HttpMessage {
  return {
    headers: { 'content-type': `${CLOUDEVENTS_JSON}; charset=utf-8` },
    body: Buffer.from(JSON.stringify(eventToJson(event))),
  };
}
