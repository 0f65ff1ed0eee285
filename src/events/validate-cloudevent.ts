/**
 * What every HTTP endpoint that receives CloudEvents checks before accepting one (the sink,
 * the local broker and channel ingress, the sink pool's workers): the rules of the CloudEvents
 * HTTP binding for binary and structured mode. One function, so all of them answer the same
 * 400 with the same reason.
 */
import { FirehoseError, UsageError } from '../errors.js';

/** The spec versions firehose reads and writes. */
export const SUPPORTED_SPECVERSIONS: readonly string[] = ['1.0', '0.3'];

/** The context attributes every event must carry, in the spec's order. */
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;

const STRUCTURED = 'application/cloudevents';
/** The media type of structured mode in JSON, the one structured format firehose reads and writes. */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch';

/** A request that passed the checks: its mode, and in structured mode the parsed JSON object. */
export type CheckedHttpEvent =
  | { mode: 'binary' }
  | { mode: 'structured'; json: Record<string, unknown> };

/** The error every endpoint answers 400 with; the message names what is missing or wrong. */
function invalid(reason: string): FirehoseError {
  return new UsageError(`Not a valid CloudEvent: ${reason}.`, undefined, { code: 'NOT_A_CLOUDEVENT' });
}

type HeaderRecord = Record<string, string | string[] | undefined>;

function headerOf(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Header names lower-cased (Node does this for requests; callers may pass any record). */
function lowerCased(headers: HeaderRecord): HeaderRecord {
  const out: HeaderRecord = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Missing, empty and unsupported required attributes, as one reason (or undefined when all are fine). */
function attributeProblems(read: (name: string) => unknown): string | undefined {
  const missing: string[] = [];
  const problems: string[] = [];
  for (const name of REQUIRED) {
    const value = read(name);
    if (value === undefined || value === null) missing.push(name);
    else if (typeof value !== 'string') problems.push(`attribute "${name}" must be a string, not ${describe(value)}`);
    else if (value === '') problems.push(`required attribute "${name}" is empty`);
  }
  if (missing.length > 0) {
    problems.unshift(`missing required attribute${missing.length === 1 ? '' : 's'} ${missing.map((n) => `"${n}"`).join(', ')}`);
  }
  const specversion = read('specversion');
  if (typeof specversion === 'string' && specversion !== '' && !SUPPORTED_SPECVERSIONS.includes(specversion)) {
    problems.push(`unsupported specversion "${specversion}" (supported: ${SUPPORTED_SPECVERSIONS.join(', ')})`);
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}

/**
 * Checks an HTTP message against the CloudEvents HTTP binding and throws
 * FirehoseError NOT_A_CLOUDEVENT naming what is wrong. Binary mode (any `ce-*` header) needs
 * ce-specversion, ce-id, ce-source and ce-type; structured mode
 * (`application/cloudevents+json`) needs one JSON object with those attributes; the spec
 * version must be 1.0 or 0.3. Batch mode is refused: each endpoint takes one event per request,
 * as Knative's broker ingress does.
 */
export function validateHttpCloudEvent(rawHeaders: HeaderRecord, body: Buffer): CheckedHttpEvent {
  const headers = lowerCased(rawHeaders);
  const contentType = (headerOf(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType.startsWith(BATCH)) {
    throw invalid(`batch mode (${contentType}) is not accepted here; POST each event on its own`);
  }
  if (contentType.startsWith(STRUCTURED)) {
    if (contentType !== CLOUDEVENTS_JSON && contentType !== STRUCTURED) {
      throw invalid(`structured mode in ${contentType} is not supported; use ${CLOUDEVENTS_JSON}`);
    }
    if (body.length === 0) throw invalid('structured mode needs a JSON object as the body, and the body is empty');
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw invalid(`the body is not JSON (${(error as Error).message})`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      const batchHint = Array.isArray(json) ? `; batches use ${BATCH}+json, which is not accepted here` : '';
      throw invalid(`structured mode needs one JSON object as the body, not ${describe(json)}${batchHint}`);
    }
    const object = json as Record<string, unknown>;
    const problem = attributeProblems((name) => object[name]);
    if (problem !== undefined) throw invalid(problem);
    return { mode: 'structured', json: object };
  }
  if (Object.keys(headers).some((name) => name.startsWith('ce-'))) {
    const problem = attributeProblems((name) => headerOf(headers, `ce-${name}`));
    if (problem !== undefined) throw invalid(problem);
    return { mode: 'binary' };
  }
  throw invalid(
    `no ce-* headers (binary mode) and the content-type is ${contentType === '' ? 'missing' : `"${contentType}"`}, not ${CLOUDEVENTS_JSON} (structured mode)`,
  );
}
