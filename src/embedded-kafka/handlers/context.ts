import type { Broker } from '../broker.js';
import type { SaslSession } from '../sasl.js';
import { KafkaProtocolError, ErrorCode } from '../../protocol/error-codes.js';
import type { ApiName, ApiNamed } from '../../protocol/api-keys.js';
import type { Decoded, Encodable } from '../../protocol/schema.js';

/** What one request may ask of the broker; EmbeddedBrokerOptions sets them. */
export interface RequestLimits {
  /** Most bytes of records one Fetch answer carries, whatever the client asks (Kafka's fetch.max.bytes). */
  fetchMaxBytes: number;
  /** Most topics one Metadata request may auto-create; the rest are answered LEADER_NOT_AVAILABLE, to be created on the client's retry. */
  maxAutoCreatesPerRequest: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  fetchMaxBytes: 55 * 1024 * 1024,
  maxAutoCreatesPerRequest: 100,
};

export interface RequestContext {
  broker: Broker;
  version: number;
  clientId: string;
  clientHost: string;
  /** Aborted when the client's connection closes. */
  signal: AbortSignal;
  limits: RequestLimits;
  /** The address of the listener the request came in on, which Metadata and FindCoordinator advertise; default the broker's. */
  listener?: { host: string; port: number };
  /** The connection's SASL state, on a SASL listener. */
  sasl?: SaslSession;
  /** Closes the connection once this request's answer is written (after a failed SASL step, as Kafka does). */
  closeAfterAnswer?: () => void;
}

/** The request body of the API called `Name`, decoded: every field of its schema, typed. */
export type RequestBody<Name extends ApiName> = Decoded<ApiNamed<Name>['request']>;

/** The response body of the API called `Name`: a field left out is written with its default. */
export type ResponseBody<Name extends ApiName> = Encodable<ApiNamed<Name>['response']>;

/** The type of one item of an array field (which may be left out or null). */
export type ItemOf<Field> = NonNullable<Field> extends readonly (infer Item)[] ? Item : never;

/** Answers one request: the response body, or undefined when it gets no response (acks=0). */
export type Handler<Name extends ApiName> = (body: RequestBody<Name>, ctx: RequestContext) => ResponseBody<Name> | undefined | Promise<ResponseBody<Name> | undefined>;

/** How many items a handler works through before letting other connections' requests run. */
export const ITEMS_PER_TURN = 2_000;

/** Lets the event loop answer other connections before a long handler goes on. */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The protocol error code of a thrown error (anything unexpected is UNKNOWN_SERVER_ERROR). */
export function errorCodeOf(error: unknown): number {
  return error instanceof KafkaProtocolError ? error.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
