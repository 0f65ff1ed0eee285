import { FirehoseError } from '../errors.js';

interface KafkaJsLikeError extends Error {
  type?: string;
  code?: string;
  broker?: string;
  originalError?: unknown;
  cause?: unknown;
  errors?: unknown[];
  topic?: string;
}

/** Follows kafkajs's retry wrappers down to the error that actually happened. */
export function rootKafkaError(error: unknown): KafkaJsLikeError {
  let current = error as KafkaJsLikeError;
  for (let depth = 0; depth < 5; depth++) {
    const inner = current?.originalError ?? (current?.name === 'KafkaJSNumberOfRetriesExceeded' ? current.cause : undefined);
    if (!inner) break;
    current = inner as KafkaJsLikeError;
  }
  return current;
}

const TLS_HINTS: Array<[RegExp, string, string]> = [
  [/altnames|Hostname\/IP does not match/i, 'TLS_HOSTNAME', 'The broker certificate does not name the address you connected to. Use the name in the certificate, or --skip-hostname-verification (insecure).'],
  [/self[- ]signed|unable to (get|verify)|UNABLE_TO_VERIFY|certificate chain/i, 'TLS_UNTRUSTED', 'Pass the cluster CA with --ca-file (the PEM that signed the broker certificate).'],
  [/alert bad certificate|alert number 42|certificate required|alert number 116/i, 'TLS_CLIENT_CERT', 'The broker wants a client certificate it trusts: pass --keystore (PKCS#12) or --cert-file/--key-file.'],
  [/wrong version number|packet length too long|socket disconnected before secure TLS connection/i, 'TLS_NOT_TLS', 'This port does not speak TLS: drop the TLS flags, or use the broker’s TLS listener.'],
];

/**
 * Turns whatever kafkajs threw into a FirehoseError with a next step. `what` names the
 * operation ("create topic my-topic-1") and `brokers` the addresses tried.
 */
export function translateKafkaError(error: unknown, what: string, brokers: string[]): FirehoseError {
  if (error instanceof FirehoseError) return error;
  const root = rootKafkaError(error);
  // OpenSSL's messages end in a newline: errors are one line.
  const message = (root?.message ?? String(error)).replace(/\n+$/, '').replace(/\s*\n\s*/g, ' ');
  const at = brokers.join(',');

  for (const [pattern, code, hint] of TLS_HINTS) {
    if (pattern.test(message)) return new FirehoseError(code, `TLS handshake with ${at} failed: ${message}`, { hint, cause: error });
  }
  if (root?.name === 'KafkaJSSASLAuthenticationError' || /SASL|authentication/i.test(root?.type ?? '')) {
    return new FirehoseError('SASL_FAILED', `Kafka at ${at} rejected the SASL login: ${message}`, {
      hint: 'Check the user name, the mechanism (--sasl-mechanism) and the password (FIREHOSE_SASL_PASSWORD).',
      cause: error,
    });
  }
  switch (root?.type) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return new FirehoseError('TOPIC_NOT_FOUND', `Topic ${root.topic ?? ''} does not exist on ${at} (${what}).`.replace('  ', ' '), {
        hint: 'Create it with `firehose create-topic`, or list topics with `firehose topics`.',
        cause: error,
      });
    case 'INVALID_TOPIC_EXCEPTION':
      return new FirehoseError('TOPIC_INVALID', `Invalid topic name (${what}): ${message}`, {
        hint: 'Topic names use letters, digits, ".", "_" and "-", at most 249 characters.',
        exitCode: 2,
        cause: error,
      });
    case 'TOPIC_AUTHORIZATION_FAILED':
    case 'GROUP_AUTHORIZATION_FAILED':
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return new FirehoseError('KAFKA_FORBIDDEN', `Kafka refused to ${what}: ${message}`, {
        hint: 'Your Kafka user lacks the ACL for this; ask the cluster admin.',
        cause: error,
      });
    case 'INVALID_REPLICATION_FACTOR':
      return new FirehoseError('REPLICAS_INVALID', `Cannot ${what}: ${message}`, {
        hint: 'Use --replicas no larger than the number of brokers.',
        exitCode: 2,
        cause: error,
      });
    case 'POLICY_VIOLATION':
    case 'INVALID_CONFIG':
    case 'INVALID_PARTITIONS':
      return new FirehoseError('KAFKA_REJECTED', `Kafka rejected the request to ${what}: ${message}`, { exitCode: 2, cause: error });
    default:
      break;
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|Connection timeout|Connection error|KafkaJSConnection|closed connection|brokers? (is|are) not available/i.test(`${root?.name} ${message} ${root?.code ?? ''}`)) {
    return unreachable(brokers, message, error);
  }
  return new FirehoseError('KAFKA_ERROR', `Failed to ${what}: ${message}`, { cause: error });
}

export function unreachable(brokers: string[], reason: string, cause?: unknown): FirehoseError {
  return new FirehoseError('KAFKA_UNREACHABLE', `Cannot reach Kafka at ${brokers.join(',')}: ${reason}`, {
    hint: 'Check --bootstrap (or KAFKA_BOOTSTRAP_SERVERS) and that the broker is running; --connect-timeout sets how long to try.',
    cause,
  });
}
