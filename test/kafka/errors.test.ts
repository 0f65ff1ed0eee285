// translateKafkaError: what kafkajs (and Node's net/tls underneath) throws → a FirehoseError
// with a stable code and a next step. Errors are built with kafkajs's own classes.
import { createRequire } from 'node:module';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { FirehoseError, UsageError } from '../../src/errors.js';
import { keepCreateTopicsMessages, rootKafkaError, translateKafkaError, unreachable } from '../../src/kafka/errors.js';
import { loadKafkaJs } from '../../src/kafka/kafkajs.js';

const BROKERS = ['127.0.0.1:1', 'other:9092'];
let kafkajs: typeof import('kafkajs');

beforeAll(async () => {
  kafkajs = await loadKafkaJs();
});

/** kafkajs gives up after retries by wrapping the last error. */
function afterRetries(error: Error): Error {
  return new kafkajs.KafkaJSNumberOfRetriesExceeded(error, { retryCount: 5, retryTime: 3000 });
}

/** A kafkajs error class as it is at run time (some are missing from, or narrower in, its typings). */
function untyped(name: string): new (...args: unknown[]) => Error {
  return (kafkajs as unknown as Record<string, new (...args: unknown[]) => Error>)[name]!;
}

// kafkajs does not export its protocol error table; these are its entries for the types tested.
const PROTOCOL_ERRORS = [
  { type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true, message: 'This server does not host this topic-partition' },
  { type: 'INVALID_TOPIC_EXCEPTION', code: 17, retriable: false, message: 'The request attempted to perform an operation on an invalid topic' },
  { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false, message: 'Not authorized to access topics: [Topic authorization failed.]' },
  { type: 'INVALID_REPLICATION_FACTOR', code: 38, retriable: false, message: 'Replication-factor is invalid' },
  { type: 'POLICY_VIOLATION', code: 44, retriable: false, message: 'Request parameters do not satisfy the configured policy' },
  { type: 'KAFKA_STORAGE_ERROR', code: 56, retriable: true, message: 'Disk error when trying to access log file on the disk' },
];

function protocolError(type: string): Error {
  // At run time kafkajs takes its error-table entry (type, code, message); the typings say Error.
  return new kafkajs.KafkaJSProtocolError(PROTOCOL_ERRORS.find((e) => e.type === type) as unknown as Error);
}

/** The message Node itself produces for a certificate that does not name the host. */
function altnameMessage(): string {
  const cert = { subject: { CN: 'wrong.example' }, subjectaltname: 'DNS:wrong.example' } as unknown as PeerCertificate;
  const error = checkServerIdentity('127.0.0.1', cert);
  if (!error) throw new Error('expected checkServerIdentity to fail');
  return error.message;
}

describe('translateKafkaError', () => {
  it('ECONNREFUSED (after kafkajs retries) → KAFKA_UNREACHABLE naming the brokers and --bootstrap', () => {
    const refused = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1', code: 'ECONNREFUSED' });
    for (const thrown of [refused, afterRetries(refused)]) {
      const error = translateKafkaError(thrown, 'list topics', BROKERS);
      expect(error).toBeInstanceOf(FirehoseError);
      expect(error.code).toBe('KAFKA_UNREACHABLE');
      expect(error.exitCode).toBe(1);
      expect(error.message).toBe('Cannot reach Kafka at 127.0.0.1:1,other:9092: Connection error: connect ECONNREFUSED 127.0.0.1:1');
      expect(error.hint).toContain('--bootstrap');
      expect(error.cause).toBe(thrown);
    }
  });

  it.each([
    ['DNS failure', 'Connection error: getaddrinfo ENOTFOUND nosuchhost'],
    ['DNS retry', 'Connection error: getaddrinfo EAI_AGAIN kafka'],
    ['connection timeout', 'Connection timeout'],
    ['closed connection', 'Closed connection'],
    ['broker not available', 'The broker is not available'],
  ])('%s → KAFKA_UNREACHABLE', (_name, message) => {
    expect(translateKafkaError(new Error(message), 'connect', BROKERS).code).toBe('KAFKA_UNREACHABLE');
  });

  it("TLS: the certificate does not name the host (Node's altnames message) → TLS_HOSTNAME", () => {
    const message = altnameMessage();
    expect(message).toMatch(/altnames/);
    const thrown = afterRetries(new kafkajs.KafkaJSConnectionError(message, { broker: '127.0.0.1:1', code: 'ERR_TLS_CERT_ALTNAME_INVALID' }));
    const error = translateKafkaError(thrown, 'connect (admin)', ['127.0.0.1:1']);
    expect(error.code).toBe('TLS_HOSTNAME');
    expect(error.message).toBe(`TLS handshake with 127.0.0.1:1 failed: ${message}`);
    expect(error.hint).toContain('--skip-hostname-verification');
  });

  it.each([
    ['self-signed certificate in certificate chain', 'TLS_UNTRUSTED', '--ca-file'],
    ['unable to verify the first certificate', 'TLS_UNTRUSTED', '--ca-file'],
    ['unable to get local issuer certificate', 'TLS_UNTRUSTED', '--ca-file'],
    ['140:error:0A000412:SSL routines::sslv3 alert bad certificate:../deps/openssl', 'TLS_CLIENT_CERT', '--keystore'],
    ['error:0A00010B:SSL routines::wrong version number', 'TLS_NOT_TLS', 'TLS listener'],
  ])('TLS: "%s" → %s', (message, code, hint) => {
    const error = translateKafkaError(new kafkajs.KafkaJSConnectionError(message), 'connect', BROKERS);
    expect(error.code).toBe(code);
    expect(error.hint).toContain(hint);
  });

  it('UNKNOWN_TOPIC_OR_PARTITION → TOPIC_NOT_FOUND with a create-topic hint', () => {
    const error = translateKafkaError(afterRetries(protocolError('UNKNOWN_TOPIC_OR_PARTITION')), 'consume my-topic-7', BROKERS);
    expect(error.code).toBe('TOPIC_NOT_FOUND');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe('Topic does not exist on 127.0.0.1:1,other:9092 (consume my-topic-7).');
    expect(error.hint).toContain('firehose create-topic');
  });

  it('UNKNOWN_TOPIC_OR_PARTITION that names its topic → the topic in the message', () => {
    const thrown = new (untyped('KafkaJSCreateTopicError'))(PROTOCOL_ERRORS[0], 'my-topic-7');
    expect(translateKafkaError(thrown, 'x', ['h:1']).message).toBe('Topic my-topic-7 does not exist on h:1 (x).');
  });

  it('INVALID_TOPIC_EXCEPTION → TOPIC_INVALID, exit 2, with the naming rules', () => {
    const error = translateKafkaError(protocolError('INVALID_TOPIC_EXCEPTION'), 'create topic bad/name', BROKERS);
    expect(error.code).toBe('TOPIC_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('Invalid topic name (create topic bad/name): The request attempted to perform an operation on an invalid topic');
    expect(error.hint).toMatch(/letters, digits/);
  });

  it.each([
    ['TOPIC_AUTHORIZATION_FAILED', 'KAFKA_FORBIDDEN', 1],
    ['INVALID_REPLICATION_FACTOR', 'REPLICAS_INVALID', 2],
    ['POLICY_VIOLATION', 'KAFKA_REJECTED', 2],
  ])('%s → %s (exit %i)', (type, code, exitCode) => {
    const error = translateKafkaError(protocolError(type), 'create topic t', BROKERS);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(exitCode);
  });

  it('KAFKA_STORAGE_ERROR (a full disk on the broker) → KAFKA_STORAGE naming ENOSPC and what to do', () => {
    const error = translateKafkaError(afterRetries(protocolError('KAFKA_STORAGE_ERROR')), 'spam my-topic-7', BROKERS);
    expect(error.code).toBe('KAFKA_STORAGE');
    expect(error.message).toMatch(/could not write to its disk \(spam my-topic-7\): .*the disk is full \(ENOSPC\) or failing; nothing of this request was stored\.$/);
    expect(error.hint).toMatch(/Free space in the broker's data dir/);
  });

  it('SASL failure → SASL_FAILED pointing at the password variable', () => {
    const error = translateKafkaError(new (untyped('KafkaJSSASLAuthenticationError'))('SASL PLAIN authentication failed: Authentication failed'), 'connect', BROKERS);
    expect(error.code).toBe('SASL_FAILED');
    expect(error.hint).toContain('FIREHOSE_SASL_PASSWORD');
  });

  it('anything else → KAFKA_ERROR with the operation', () => {
    const error = translateKafkaError(new Error('something odd'), 'describe group g', BROKERS);
    expect(error.code).toBe('KAFKA_ERROR');
    expect(error.message).toBe('Failed to describe group g: something odd');
  });

  it('passes a FirehoseError through unchanged', () => {
    const original = new UsageError('bad flag');
    expect(translateKafkaError(original, 'x', BROKERS)).toBe(original);
  });

  it('copes with non-Error values', () => {
    expect(translateKafkaError('plain string', 'x', BROKERS).message).toBe('Failed to x: plain string');
  });
});

describe('CreateTopics failures name the reason per topic', () => {
  type TopicAnswer = { topic: string; errorCode: number; errorMessage: string | null };
  /** kafkajs's own parser for a CreateTopics v3 answer: what admin.createTopics() throws. */
  async function createTopicsThrows(topicErrors: TopicAnswer[]): Promise<unknown> {
    const response = createRequire(import.meta.url)('kafkajs/src/protocol/requests/createTopics/v3/response.js') as { parse(data: unknown): Promise<unknown> };
    return response.parse({ throttleTime: 0, clientSideThrottleTime: 0, topicErrors }).then(() => undefined, (error: unknown) => error);
  }

  beforeAll(() => keepCreateTopicsMessages());

  it.each([
    [40, 'Invalid value abc for configuration retention.ms: Not a number of type LONG', 'CONFIG_REJECTED', /--config/],
    [38, 'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.', 'REPLICAS_INVALID', /--replicas/],
    [37, 'a topic needs 1 to 10000 partitions, not 200000', 'PARTITIONS_INVALID', /--partitions/],
  ])('error code %i: the broker\'s message, not "Topic creation errors"', async (errorCode, said, code, hint) => {
    const thrown = await createTopicsThrows([{ topic: 't1', errorCode, errorMessage: said }]);
    expect((thrown as Error).name).toBe('KafkaJSAggregateError');
    const error = translateKafkaError(thrown, 'create topic t1', BROKERS);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`Cannot create topic t1: ${said}`);
    expect(error.hint).toMatch(hint);
    expect(error.cause).toBe(thrown);
  });

  it('without a broker message (CreateTopics v0) it still names the reason kafkajs knows', async () => {
    const thrown = await createTopicsThrows([{ topic: 't1', errorCode: 38, errorMessage: null }]);
    expect(translateKafkaError(thrown, 'create topic t1', BROKERS).message).toBe('Cannot create topic t1: Replication-factor is invalid');
  });

  it('several topics: each with its reason', async () => {
    const thrown = await createTopicsThrows([
      { topic: 'a', errorCode: 40, errorMessage: 'Unknown topic config name: foo' },
      { topic: 'b', errorCode: 37, errorMessage: 'Number of partitions must be larger than 0.' },
    ]);
    const error = translateKafkaError(thrown, 'create topics', BROKERS);
    expect(error.message).toBe('Cannot create topics: a: Unknown topic config name: foo; b: Number of partitions must be larger than 0.');
    expect(error.exitCode).toBe(2);
  });

  it('keepCreateTopicsMessages() can run twice without wrapping twice', async () => {
    keepCreateTopicsMessages();
    const thrown = await createTopicsThrows([{ topic: 't1', errorCode: 40, errorMessage: 'Unknown topic config name: foo' }]);
    expect(translateKafkaError(thrown, 'create topic t1', BROKERS).message).toBe('Cannot create topic t1: Unknown topic config name: foo');
  });
});

describe('SASL against a listener without SASL', () => {
  it("ILLEGAL_SASL_STATE (Apache Kafka's answer to a handshake there) → SASL_NOT_OFFERED, not a login failure", () => {
    const illegal = new kafkajs.KafkaJSProtocolError({ type: 'ILLEGAL_SASL_STATE', code: 34, retriable: false, message: 'Request is not valid given the current SASL state' } as unknown as Error);
    const error = translateKafkaError(illegal, 'connect (admin)', ['127.0.0.1:1']);
    expect(error.code).toBe('SASL_NOT_OFFERED');
    expect(error.message).toBe('Kafka at 127.0.0.1:1 does not offer SASL on this listener.');
    expect(error.hint).toContain('--sasl-mechanism');
  });
});

describe('rootKafkaError and unreachable', () => {
  it('follows originalError and retry wrappers, at most 5 deep', () => {
    const inner = new Error('inner');
    expect(rootKafkaError(afterRetries(inner))).toBe(inner);
    expect(rootKafkaError(Object.assign(new Error('outer'), { originalError: inner }))).toBe(inner);
    let chain: Error = inner;
    for (let i = 0; i < 10; i++) chain = Object.assign(new Error(`level ${i}`), { originalError: chain });
    expect(rootKafkaError(chain).message).toBe('level 4');
  });

  it('unreachable() names every broker', () => {
    const error = unreachable(['a:1', 'b:2'], 'no answer within 10 s');
    expect(error.code).toBe('KAFKA_UNREACHABLE');
    expect(error.message).toBe('Cannot reach Kafka at a:1,b:2: no answer within 10 s');
  });
});
