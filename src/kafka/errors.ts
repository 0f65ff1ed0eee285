import { FirehoseError, UsageError, withCause, type ErrorCode } from '../errors.js';

/** What firehose's Kafka client throws (src/kafka/wire/errors.ts), as this file reads it. */
interface KafkaError extends Error {
  /** A response error's code name (UNKNOWN_TOPIC_OR_PARTITION ...). */
  type?: string;
  /** Node's errno code under a connection error. */
  code?: string;
  cause?: unknown;
  /** The topic a response error was about. */
  topic?: string;
}

const TLS_HINTS: Array<[RegExp, ErrorCode, string]> = [
  [/altnames|Hostname\/IP does not match/i, 'TLS_HOSTNAME', 'The broker certificate does not name the address you connected to. Use the name in the certificate, or --skip-hostname-verification (insecure).'],
  [/self[- ]signed|unable to (get|verify)|UNABLE_TO_VERIFY|certificate chain/i, 'TLS_UNTRUSTED', 'Pass the cluster CA with --ca-file (the PEM that signed the broker certificate).'],
  [/alert bad certificate|alert number 42|certificate required|alert number 116/i, 'TLS_CLIENT_CERT', 'The broker wants a client certificate it trusts: pass --keystore (PKCS#12) or --cert-file/--key-file.'],
  [/wrong version number|packet length too long|socket disconnected before secure TLS connection/i, 'TLS_NOT_TLS', 'This port does not speak TLS: drop the TLS flags, or use the broker’s TLS listener.'],
];

/**
 * Turns what the Kafka client threw into a FirehoseError with a next step. `what` names
 * the operation ("create topic my-topic-1") and `brokers` the addresses tried.
 */
export function translateKafkaError(error: unknown, what: string, brokers: string[]): FirehoseError {
  if (error instanceof FirehoseError) return error;
  const root = error as KafkaError | undefined;
  // OpenSSL's messages end in a newline: errors are one line.
  const fullMessage = (root?.message ?? String(error)).replace(/\n+$/, '').replace(/\s*\n\s*/g, ' ');
  let message = fullMessage;
  // firehose's own client prefixes the code's name, which the switch below turns into words.
  if (root?.name === 'KafkaResponseError' && root.type && message.startsWith(`${root.type}: `)) message = message.slice(root.type.length + 2);
  const at = brokers.join(',');

  // firehose's own client (src/kafka/wire/): a batch that ran out of delivery time says
  // why through the last error it met.
  if (root?.name === 'DeliveryTimeoutError') {
    const last = translateKafkaError((root as Error).cause, what, brokers);
    if (last.code !== 'KAFKA_UNREACHABLE' && last.code !== 'KAFKA_ERROR') return withCause(last, error);
    return unreachable(brokers, message, error);
  }
  for (const [pattern, code, hint] of TLS_HINTS) {
    if (pattern.test(message)) return new FirehoseError(code, `TLS handshake with ${at} failed: ${message.replace(/^TLS handshake with \S+ failed: /, '')}`, { hint, cause: error });
  }
  if (root?.name === 'GroupProtocolUnsupportedError') {
    return new FirehoseError('GROUP_PROTOCOL_UNSUPPORTED', `${message} (${what}).`, {
      hint: 'Use --group-protocol classic (the default), or Kafka 4.0 or later.',
      cause: error,
    });
  }
  if (root?.name === 'KafkaConnectionError') {
    // A tunnel that could not be opened already said why, with a next step.
    if (root.cause instanceof FirehoseError) return root.cause;
    if (/does not accept SASL \S+$/.test(message)) return saslNotOffered(brokers, error);
    if (/does not accept SASL|^(SASL|SCRAM) .*authentication .*failed/.test(message)) {
      return new FirehoseError('SASL_FAILED', `Kafka at ${at} rejected the SASL login: ${message}`, {
        hint: 'Check the user name, the mechanism (--sasl-mechanism) and the password (FIREHOSE_SASL_PASSWORD).',
        cause: error,
      });
    }
    if (/ sent a malformed /.test(message)) {
      return new FirehoseError('KAFKA_MALFORMED', `${message} (${what}).`, {
        hint: 'The answer was damaged on the way or by the broker; try again, and if it stays, check the broker\'s log and version.',
        cause: error,
      });
    }
    return unreachable(brokers, message.replace(/^Cannot connect to Kafka at \S+: /, ''), error);
  }
  // What Apache Kafka answers a SASL handshake with on a listener without SASL.
  if (root?.type === 'ILLEGAL_SASL_STATE') return saslNotOffered(brokers, error);
  if (/SASL|authentication/i.test(root?.type ?? '')) {
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
      return new UsageError(`Invalid topic name (${what}): ${message}`, 'Topic names use letters, digits, ".", "_" and "-", at most 249 characters.', {
        code: 'TOPIC_INVALID',
        cause: error,
      });
    case 'TOPIC_AUTHORIZATION_FAILED':
    case 'GROUP_AUTHORIZATION_FAILED':
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return new FirehoseError('KAFKA_FORBIDDEN', `Kafka refused to ${what}: ${message}`, {
        hint: 'Your Kafka user lacks the ACL for this; ask the cluster admin.',
        cause: error,
      });
    case 'KAFKA_STORAGE_ERROR':
      // The answer carries only the code; the broker's log has the file and the errno.
      return new FirehoseError('KAFKA_STORAGE', `Kafka at ${at} could not write to its disk (${what}): ${message}: the disk is full (ENOSPC) or failing; nothing of this request was stored.`, {
        hint: "Free space in the broker's data dir (the broker's log names the file and the error) and try again; what was acknowledged before is kept.",
        cause: error,
      });
    case 'INVALID_REPLICATION_FACTOR':
      return new UsageError(`Cannot ${what}: ${message}`, 'Use --replicas no larger than the number of brokers.', { code: 'REPLICAS_INVALID', cause: error });
    case 'INVALID_PARTITIONS':
      return new UsageError(`Cannot ${what}: ${message}`, 'Use fewer partitions (--partitions).', { code: 'PARTITIONS_INVALID', cause: error });
    case 'INVALID_CONFIG':
      return new UsageError(`Cannot ${what}: ${message}`, "Check the --config names and values against Kafka's topic configs (e.g. retention.ms=60000).", {
        code: 'CONFIG_REJECTED',
        cause: error,
      });
    case 'POLICY_VIOLATION':
      return new UsageError(`Kafka rejected the request to ${what}: ${message}`, undefined, { code: 'KAFKA_REJECTED', cause: error });
    default:
      break;
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|Connection timeout|Connection error|closed connection|brokers? (is|are) not available/i.test(`${root?.name} ${message} ${root?.code ?? ''}`)) {
    return unreachable(brokers, message, error);
  }
  return new FirehoseError('KAFKA_ERROR', `Failed to ${what}: ${fullMessage}`, { cause: error });
}

/** SASL was asked for, and the listener has none: not a login failure. */
export function saslNotOffered(brokers: string[], cause?: unknown): FirehoseError {
  return new FirehoseError('SASL_NOT_OFFERED', `Kafka at ${brokers.join(',')} does not offer SASL on this listener.`, {
    hint: 'Drop --sasl-mechanism (and kafka.sasl in the config file) for this broker, or use the broker\'s SASL listener.',
    cause,
  });
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?):\d+$/i;

export function unreachable(brokers: string[], reason: string, cause?: unknown): FirehoseError {
  // Nothing listens on this machine (the quick tour's first line before any Kafka runs):
  // say how to get one here, not only "check --bootstrap".
  const localNothing = /refused/i.test(reason) && brokers.length > 0 && brokers.every((b) => LOOPBACK.test(b));
  return new FirehoseError('KAFKA_UNREACHABLE', `Cannot reach Kafka at ${brokers.join(',')}: ${reason}`, {
    hint: localNothing
      ? 'No Kafka runs here yet: start firehose\'s own with `firehose kafka start` (or the whole lab with `firehose up`) in another terminal, or point --bootstrap at your Kafka.'
      : 'Check --bootstrap (or KAFKA_BOOTSTRAP_SERVERS) and that the broker is running; --connect-timeout sets how long to try.',
    cause,
  });
}
