/** Exit codes: 1 for a runtime failure, 2 for bad usage (commander's convention too). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Every code a FirehoseError carries: stable and machine-readable (`--output json` errors
 * print it; scripts and tests match on it). Adding a code means adding it here, so the
 * compiler catches a misspelt one where it is thrown or matched.
 */
export type ErrorCode =
  // Flags, arguments and input files (exit 2 through UsageError).
  | 'USAGE' | 'DATA_FILE_UNREADABLE' | 'USER_UNKNOWN' | 'OBJECT_INVALID' | 'API_VERSION_NOT_SERVED'
  | 'TLS_FILE_UNREADABLE' | 'TLS_FILE_INVALID' | 'SECRET_MISSING' | 'KEYSTORE_PASSWORD' | 'KEYSTORE_INVALID'
  | 'BAD_TRIGGER_YAML' | 'TEMPLATE_MISSING' | 'TEMPLATE_INVALID' | 'NOT_A_CLOUDEVENT'
  | 'CONFIG_MALFORMED' | 'CONFIG_UNREADABLE' | 'CONFIG_INVALID' | 'WRITE_FAILED' | 'OUT_UNWRITABLE' | 'INTERRUPTED'
  // Kafka: reaching it, TLS and SASL, what it answers.
  | 'KAFKA_UNREACHABLE' | 'KAFKA_ERROR' | 'KAFKA_REJECTED' | 'KAFKA_FORBIDDEN' | 'KAFKA_STORAGE' | 'KAFKA_MALFORMED' | 'GROUP_PROTOCOL_UNSUPPORTED'
  | 'TLS_HOSTNAME' | 'TLS_UNTRUSTED' | 'TLS_CLIENT_CERT' | 'TLS_NOT_TLS' | 'SASL_NOT_OFFERED' | 'SASL_FAILED'
  | 'TOPIC_NOT_FOUND' | 'TOPIC_INVALID' | 'TOPIC_MISMATCH' | 'REPLICAS_INVALID' | 'PARTITIONS_INVALID' | 'CONFIG_REJECTED'
  | 'GROUP_NOT_FOUND' | 'GROUP_ACTIVE' | 'GROUP_NO_OFFSETS' | 'OFFSET_RESET_INCOMPLETE' | 'COMMIT_FAILED' | 'DEMO_TIMEOUT'
  // Kafka inside a Kubernetes cluster (port-forward tunnel, Strimzi CA, services).
  | 'KAFKA_TUNNEL_FAILED' | 'KAFKA_ADDRESS_UNMAPPED' | 'KAFKA_SERVICE_PORT' | 'KAFKA_SERVICE_NOT_FOUND' | 'KAFKA_SERVICE_NO_SELECTOR'
  | 'KAFKA_POD_NOT_FOUND' | 'KAFKA_POD_NOT_READY' | 'KAFKA_PODS_NOT_READY' | 'KAFKA_CA_NOT_FOUND'
  // The Kubernetes API.
  | 'KUBECONFIG_MISSING' | 'KUBECONFIG_INVALID' | 'KUBECONFIG_NO_CONTEXT' | 'CLUSTER_UNREACHABLE' | 'CLUSTER_UNAUTHORIZED'
  | 'CLUSTER_FORBIDDEN' | 'CLUSTER_TLS' | 'CLUSTER_AUTH' | 'CLUSTER_CONFLICT' | 'CLUSTER_ERROR' | 'KIND_NOT_INSTALLED'
  | 'SCHEMA_REJECTED' | 'NOT_FOUND' | 'NOT_READY' | 'NOT_READY_FAILED' | 'DOCTOR_FAILED'
  // CloudEvents over HTTP.
  | 'SEND_REJECTED' | 'SEND_FAILED' | 'SERVICE_UNREACHABLE' | 'SERVICE_NOT_READY'
  // The local lab and the embedded Kafka broker.
  | 'LAB_RUNNING' | 'LAB_NOT_RUNNING' | 'LAB_UNREACHABLE' | 'LAB_START_FAILED' | 'UP_STATE_UNREADABLE' | 'UP_STATE_UNWRITABLE'
  | 'PORT_IN_USE' | 'BROKER_PORT_IN_USE' | 'BROKER_LISTEN' | 'BROKER_DATA_DIR' | 'BROKER_TLS_FILES' | 'BROKER_USERS'
  // Functions (seed 003): one that does not load, a runtime that stopped.
  | 'FUNCTION_INVALID' | 'FUNCTION_STOPPED'
  // The edge (seed 002): MQTT brokers.
  | 'MQTT_UNREACHABLE' | 'MQTT_AUTH_FAILED' | 'MQTT_VERSION_UNSUPPORTED'
  // The data lake in S3.
  | 'S3_UNREACHABLE' | 'S3_AUTH_FAILED' | 'S3_NO_BUCKET' | 'S3_ERROR';

export interface FirehoseErrorOptions {
  /** The next step for the user, printed on its own line after the message. */
  hint?: string;
  /** Underlying error, shown with --verbose. */
  cause?: unknown;
  /** Set by UsageError (2); everything else exits 1. */
  exitCode?: number;
}

/**
 * The one error type core modules throw for anything the user can act on.
 * `code` is stable and machine-readable (it appears in `--output json` errors).
 */
export class FirehoseError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: FirehoseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FirehoseError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/**
 * Bad flags, arguments or input the user gave (exit code 2). `code` says which, when a
 * script needs to tell them apart ("USAGE" otherwise).
 */
export class UsageError extends FirehoseError {
  constructor(message: string, hint?: string, options: { code?: ErrorCode; cause?: unknown } = {}) {
    super(options.code ?? 'USAGE', message, { hint, cause: options.cause, exitCode: EXIT_USAGE });
    this.name = 'UsageError';
  }
}

/** The same error with another cause (kept a UsageError when it was one). */
export function withCause(error: FirehoseError, cause: unknown, code: ErrorCode = error.code): FirehoseError {
  return error.exitCode === EXIT_USAGE
    ? new UsageError(error.message, error.hint, { code, cause })
    : new FirehoseError(code, error.message, { hint: error.hint, cause });
}

export function isFirehoseError(error: unknown): error is FirehoseError {
  return error instanceof FirehoseError;
}
