// CloudEvents over HTTP that every receiving endpoint (sink, broker, channel, sink pool) must
// refuse with 400 and a reason, and valid ones it must keep taking. Shared by their tests.
import { expect } from 'vitest';

export interface HttpCase {
  name: string;
  headers: Record<string, string>;
  body: string;
}

export interface InvalidCase extends HttpCase {
  /** Part of the 400 answer's text that names what is wrong. */
  reason: string;
}

export interface ValidCase extends HttpCase {
  id: string;
  specversion: '1.0' | '0.3';
  /** The event's data as the receiver reports it. */
  data: string;
}

const binary = (attributes: Record<string, string>) =>
  Object.fromEntries([...Object.entries(attributes).map(([name, value]) => [`ce-${name}`, value]), ['content-type', 'application/json']]);
const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const ATTRIBUTES = { type: 'firehose.test.invalid', source: '/test/cloudevent-cases' };

export const INVALID_EVENTS: InvalidCase[] = [
  { name: 'binary, no ce-id', headers: binary({ specversion: '1.0', ...ATTRIBUTES }), body: '{"n":1}', reason: 'missing required attribute "id"' },
  { name: 'binary, specversion 9.9', headers: binary({ specversion: '9.9', id: 'bad-1', ...ATTRIBUTES }), body: '{"n":1}', reason: 'unsupported specversion "9.9"' },
  { name: 'structured, no id', headers: STRUCTURED, body: JSON.stringify({ specversion: '1.0', ...ATTRIBUTES, data: { n: 1 } }), reason: 'missing required attribute "id"' },
  {
    name: 'structured, a JSON array',
    headers: STRUCTURED,
    body: JSON.stringify([{ specversion: '1.0', id: 'bad-2', ...ATTRIBUTES }]),
    reason: 'structured mode needs one JSON object as the body, not an array',
  },
  { name: 'structured, a JSON string', headers: STRUCTURED, body: '"hello"', reason: 'structured mode needs one JSON object as the body, not a string' },
  { name: 'structured, specversion 9.9', headers: STRUCTURED, body: JSON.stringify({ specversion: '9.9', id: 'bad-3', ...ATTRIBUTES }), reason: 'unsupported specversion "9.9"' },
  {
    name: 'batch mode',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify([{ specversion: '1.0', id: 'bad-4', ...ATTRIBUTES }]),
    reason: 'batch mode (application/cloudevents-batch+json) is not accepted',
  },
  { name: 'a JSON array, no ce-* headers', headers: { 'content-type': 'application/json' }, body: '[{"id":"bad-5"}]', reason: 'no ce-* headers' },
];

const VALID = { type: 'firehose.test.valid', source: '/test/cloudevent-cases' };

export const VALID_EVENTS: ValidCase[] = [
  { name: 'binary 1.0', id: 'valid-binary-1.0', specversion: '1.0', headers: binary({ specversion: '1.0', id: 'valid-binary-1.0', ...VALID }), body: '{"n":1}', data: '{"n":1}' },
  { name: 'binary 0.3', id: 'valid-binary-0.3', specversion: '0.3', headers: binary({ specversion: '0.3', id: 'valid-binary-0.3', ...VALID }), body: '{"n":2}', data: '{"n":2}' },
  // A JSON array is fine as the data of a binary-mode event: only the body of structured mode must be an object.
  { name: 'binary, array data', id: 'valid-array-data', specversion: '1.0', headers: binary({ specversion: '1.0', id: 'valid-array-data', ...VALID }), body: '[1,2]', data: '[1,2]' },
  {
    name: 'structured 1.0',
    id: 'valid-structured-1.0',
    specversion: '1.0',
    headers: STRUCTURED,
    body: JSON.stringify({ specversion: '1.0', id: 'valid-structured-1.0', ...VALID, datacontenttype: 'application/json', data: { n: 3 } }),
    data: '{"n":3}',
  },
  {
    name: 'structured 0.3',
    id: 'valid-structured-0.3',
    specversion: '0.3',
    headers: STRUCTURED,
    body: JSON.stringify({ specversion: '0.3', id: 'valid-structured-0.3', ...VALID, datacontenttype: 'application/json', data: { n: 4 } }),
    data: '{"n":4}',
  },
];

export interface Answer {
  name: string;
  status: number;
  text: string;
}

/** POSTs each case to `url`, one after another, and returns what came back. */
export async function postCases(url: string, cases: HttpCase[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const c of cases) {
    const response = await fetch(url, { method: 'POST', headers: c.headers, body: c.body });
    answers.push({ name: c.name, status: response.status, text: await response.text() });
  }
  return answers;
}

/** What `postCases(url, INVALID_EVENTS)` must equal: 400 naming the reason, for each case. */
export function refusals(): Array<{ name: string; status: number; text: unknown }> {
  return INVALID_EVENTS.map((c) => ({ name: c.name, status: 400, text: expect.stringContaining(c.reason) }));
}
