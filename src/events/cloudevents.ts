import { FirehoseError } from '../errors.js';
import { validateHttpCloudEvent, type CheckedHttpEvent } from './validate-cloudevent.js';

/** The cloudevents SDK, loaded on first use (it is not needed by most commands). */
export async function loadCloudEvents(): Promise<typeof import('cloudevents')> {
  const module = (await import('cloudevents')) as typeof import('cloudevents') & { default?: typeof import('cloudevents') };
  return module.default ?? module;
}

/** A received or sent CloudEvent in plain form: attributes as strings, data as text. */
export interface EventSummary {
  attributes: Record<string, string>;
  data: string | null;
}

export function summarize(event: { toJSON?: () => Record<string, unknown> } & Record<string, unknown>): EventSummary {
  const json = (event.toJSON?.() ?? event) as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === 'data' || name === 'data_base64' || value === undefined || value === null) continue;
    attributes[name] = String(value);
  }
  const data = json.data_base64 !== undefined
    ? Buffer.from(String(json.data_base64), 'base64').toString('utf8')
    : json.data === undefined || json.data === null
      ? null
      : typeof json.data === 'string'
        ? json.data
        : Buffer.isBuffer(json.data) || json.data instanceof Uint8Array
          ? Buffer.from(json.data as Uint8Array).toString('utf8')
          : JSON.stringify(json.data);
  return { attributes, data };
}

/** A valid CloudEvent read from HTTP: the checks' result (mode, structured JSON) and its summary. */
export type HttpCloudEvent = CheckedHttpEvent & { summary: EventSummary };

/**
 * Parses an HTTP request or response as one CloudEvent (binary or structured mode). Throws
 * FirehoseError NOT_A_CLOUDEVENT naming what is missing or wrong (validateHttpCloudEvent).
 */
export async function parseHttpCloudEvent(headers: Record<string, string | string[] | undefined>, body: Buffer): Promise<HttpCloudEvent> {
  const checked = validateHttpCloudEvent(headers, body);
  const { HTTP } = await loadCloudEvents();
  let event: unknown;
  try {
    // As text: the SDK treats a Buffer body as opaque bytes and would not parse structured JSON.
    event = HTTP.toEvent({ headers, body: body.length === 0 ? undefined : body.toString('utf8') });
  } catch (error) {
    throw new FirehoseError('NOT_A_CLOUDEVENT', `Not a valid CloudEvent: ${(error as Error).message}`, { exitCode: 2 });
  }
  return { ...checked, summary: summarize(event as Record<string, unknown>) };
}

/** Parses an HTTP request or response as a CloudEvent (binary or structured mode). */
export async function httpToEvent(headers: Record<string, string | string[] | undefined>, body: Buffer): Promise<EventSummary> {
  return (await parseHttpCloudEvent(headers, body)).summary;
}
