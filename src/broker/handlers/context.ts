import type { Broker } from '../broker.js';
import { KafkaProtocolError, ErrorCode } from '../protocol/error-codes.js';
import type { Message } from '../protocol/schema.js';

export interface RequestContext {
  broker: Broker;
  version: number;
  clientId: string;
  clientHost: string;
  /** Aborted when the client's connection closes. */
  signal: AbortSignal;
}

/** Returns the response body, or undefined when the request gets no response (acks=0). */
export type Handler = (body: Message, ctx: RequestContext) => Message | undefined | Promise<Message | undefined>;

/** The protocol error code of a thrown error (anything unexpected is UNKNOWN_SERVER_ERROR). */
export function errorCodeOf(error: unknown): number {
  return error instanceof KafkaProtocolError ? error.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
