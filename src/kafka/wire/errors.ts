// What the wire client throws: a broker that cannot be reached or does not speak
// Kafka (KafkaConnectionError, one line naming the broker), and an error code in an
// answer (KafkaResponseError, with the code's name and whether a retry may help).
import { ErrorCode } from '../../protocol/error-codes.js';

export class KafkaConnectionError extends Error {
  constructor(
    /** host:port */
    readonly broker: string,
    message: string,
    /** What the socket (or the stream it came from, a tunnel) failed with. */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KafkaConnectionError';
  }
}

const NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** Codes a client may retry after waiting (and, for leadership, refreshing metadata). */
const RETRIABLE = new Set<number>([
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.KAFKA_STORAGE_ERROR,
  19, // NOT_ENOUGH_REPLICAS
  20, // NOT_ENOUGH_REPLICAS_AFTER_APPEND
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  ErrorCode.UNKNOWN_TOPIC_ID,
]);

/** Codes after which the partition's leader should be looked up again. */
const STALE_METADATA = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  74,
  75,
  ErrorCode.UNKNOWN_TOPIC_ID,
]);

export function errorName(code: number): string {
  return NAMES.get(code) ?? (code === 19 ? 'NOT_ENOUGH_REPLICAS' : code === 20 ? 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' : `error code ${code}`);
}

export class KafkaResponseError extends Error {
  readonly retriable: boolean;
  readonly staleMetadata: boolean;
  constructor(
    readonly errorCode: number,
    readonly type: string,
    detail: string,
  ) {
    super(`${type}: ${detail}`);
    this.name = 'KafkaResponseError';
    this.retriable = RETRIABLE.has(errorCode);
    this.staleMetadata = STALE_METADATA.has(errorCode);
  }
}

export function responseError(code: number, detail: string): KafkaResponseError {
  return new KafkaResponseError(code, errorName(code), detail);
}
