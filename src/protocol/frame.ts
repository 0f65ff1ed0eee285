// Request and response frames: the header around each message body.
// Request header v1 (api key, version, correlation id, client id) and, for
// flexible versions, v2 (plus tagged fields). Response header v0
// (correlation id) and v1 (plus tagged fields) — except ApiVersions, whose
// response header is always v0 so a client can read it at any version.
import { API_KEY, type KafkaApi } from './api-keys.js';
import { Reader } from './reader.js';
import { decodeMessage, encodeMessage, type Message } from './schema.js';
import { Writer } from './writer.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** An API with the versions a server answers (the embedded broker's are in its registry). */
export interface ServedVersions extends KafkaApi {
  minVersion: number;
  maxVersion: number;
}

export type DecodedRequest<Api extends ServedVersions> =
  | { kind: 'ok'; header: RequestHeader; api: Api; body: Message }
  /** A served API at a version it is not served in, or an API not served at all. */
  | { kind: 'unsupported'; header: RequestHeader; api?: Api };

/** Decodes a request to one of the served APIs, looked up by its key. */
export function decodeRequest<Api extends ServedVersions>(frame: Buffer, served: (apiKey: number) => Api | undefined): DecodedRequest<Api> {
  const reader = new Reader(frame);
  const header: RequestHeader = {
    apiKey: reader.int16(),
    apiVersion: reader.int16(),
    correlationId: reader.int32(),
    clientId: reader.string(),
  };
  const api = served(header.apiKey);
  if (!api || header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
    return { kind: 'unsupported', header, api };
  }
  if (header.apiVersion >= api.request.flexibleFrom) {
    // Header tagged fields: none are defined for requests we serve; skip them.
    const count = reader.uvarint();
    for (let i = 0; i < count; i++) {
      reader.uvarint();
      reader.raw(reader.uvarint());
    }
  }
  return { kind: 'ok', header, api, body: decodeMessage(reader, api.request, header.apiVersion) };
}

/** A whole response frame (size prefix included) as chunks for one socket write. */
export function encodeResponse(api: KafkaApi, version: number, correlationId: number, body: Message): Buffer[] {
  const writer = new Writer();
  writer.int32(0); // size, patched below
  writer.int32(correlationId);
  if (version >= api.response.flexibleFrom && api.key !== API_KEY.ApiVersions) writer.uvarint(0);
  encodeMessage(writer, api.response, version, body);
  const chunks = writer.toChunks();
  chunks[0]!.writeInt32BE(writer.length - 4, 0);
  return chunks;
}
