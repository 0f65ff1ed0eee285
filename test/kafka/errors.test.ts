// translateKafkaError: what firehose's Kafka client (and Node's net/tls underneath) throws →
// a FirehoseError with a stable code and a next step. Errors are built with the client's own
// classes (src/kafka/wire/errors.ts).
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { FirehoseError, UsageError } from '../../src/errors.js';
import { translateKafkaError, unreachable } from '../../src/kafka/errors.js';
import { KafkaConnectionError, responseError } from '../../src/kafka/wire/errors.js';
import { DeliveryTimeoutError } from '../../src/kafka/wire/producer.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';

const BROKERS = ['127.0.0.1:1', 'other:9092'];

/** A connection error as the client throws it, with Node's error (and its errno code) as the cause. */
function connectionError(message: string, code?: string): KafkaConnectionError {
  return new KafkaConnectionError('127.0.0.1:1', message, Object.assign(new Error(message), code ? { code } : {}));
}

/** An error code in an answer, as the client throws it. */
function protocolError(code: number, detail: string, topic?: string): Error {
  return Object.assign(responseError(code, detail), topic ? { topic } : {});
}

/** The message Node itself produces for a certificate that does not name the host. */
function altnameMessage(): string {
  const cert = { subject: { CN: 'wrong.example' }, subjectaltname: 'DNS:wrong.example' } as unknown as PeerCertificate;
  const error = checkServerIdentity('127.0.0.1', cert);
  if (!error) throw new Error('expected checkServerIdentity to fail');
  return error.message;
}

describe('translateKafkaError', () => {
  it('a refused connection → KAFKA_UNREACHABLE naming the brokers and --bootstrap', () => {
    const refused = connectionError('Cannot connect to Kafka at 127.0.0.1:1: connection refused (nothing listens on that port)', 'ECONNREFUSED');
    const error = translateKafkaError(refused, 'list topics', BROKERS);
    expect(error).toBeInstanceOf(FirehoseError);
    expect(error.code).toBe('KAFKA_UNREACHABLE');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe('Cannot reach Kafka at 127.0.0.1:1,other:9092: connection refused (nothing listens on that port)');
    expect(error.hint).toContain('--bootstrap');
    expect(error.cause).toBe(refused);
  });

  it.each([
    ['an unknown host', connectionError('Cannot connect to Kafka at nosuchhost:9092: host "nosuchhost" is unknown', 'ENOTFOUND')],
    ['a port that answers, but not as Kafka', connectionError('127.0.0.1:1 answered, but not as Kafka (a frame of 1213486160 bytes): is this the Kafka port, and does it need TLS?')],
    ['a closed connection', connectionError('Kafka broker 127.0.0.1:1 closed the connection')],
    ['a plain timeout from Node', new Error('connect ETIMEDOUT 10.0.0.1:9092')],
  ])('%s → KAFKA_UNREACHABLE', (_name, thrown) => {
    expect(translateKafkaError(thrown, 'connect', BROKERS).code).toBe('KAFKA_UNREACHABLE');
  });

  it("TLS: the certificate does not name the host (Node's altnames message) → TLS_HOSTNAME", () => {
    const message = altnameMessage();
    expect(message).toMatch(/altnames/);
    const thrown = connectionError(`TLS handshake with 127.0.0.1:1 failed: ${message}`, 'ERR_TLS_CERT_ALTNAME_INVALID');
    const error = translateKafkaError(thrown, 'list topics', ['127.0.0.1:1']);
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
    ['Client network socket disconnected before secure TLS connection was established', 'TLS_NOT_TLS', 'TLS listener'],
  ])('TLS: "%s" → %s', (message, code, hint) => {
    const error = translateKafkaError(connectionError(`TLS handshake with 127.0.0.1:1 failed: ${message}`), 'connect', BROKERS);
    expect(error.code).toBe(code);
    expect(error.hint).toContain(hint);
  });

  it('UNKNOWN_TOPIC_OR_PARTITION → TOPIC_NOT_FOUND with a create-topic hint', () => {
    const error = translateKafkaError(protocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'ListOffsets for my-topic-7-0'), 'consume my-topic-7', BROKERS);
    expect(error.code).toBe('TOPIC_NOT_FOUND');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe('Topic does not exist on 127.0.0.1:1,other:9092 (consume my-topic-7).');
    expect(error.hint).toContain('firehose create-topic');
  });

  it('UNKNOWN_TOPIC_OR_PARTITION that names its topic → the topic in the message', () => {
    const thrown = protocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'deleting topic my-topic-7', 'my-topic-7');
    expect(translateKafkaError(thrown, 'x', ['h:1']).message).toBe('Topic my-topic-7 does not exist on h:1 (x).');
  });

  it('INVALID_TOPIC_EXCEPTION → TOPIC_INVALID, exit 2, with the naming rules and the broker\'s words', () => {
    const error = translateKafkaError(protocolError(17, 'Topic name "bad/name" is illegal'), 'create topic bad/name', BROKERS);
    expect(error.code).toBe('TOPIC_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('Invalid topic name (create topic bad/name): Topic name "bad/name" is illegal');
    expect(error.hint).toMatch(/letters, digits/);
  });

  it.each([
    [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'KAFKA_FORBIDDEN', 1],
    [ErrorCode.INVALID_REPLICATION_FACTOR, 'REPLICAS_INVALID', 2],
    [ErrorCode.INVALID_PARTITIONS, 'PARTITIONS_INVALID', 2],
    [ErrorCode.INVALID_CONFIG, 'CONFIG_REJECTED', 2],
    [ErrorCode.POLICY_VIOLATION, 'KAFKA_REJECTED', 2],
  ])('error code %i → %s (exit %i), with the broker\'s message and no code name', (code, firehoseCode, exitCode) => {
    const error = translateKafkaError(protocolError(code, 'what the broker said'), 'create topic t', BROKERS);
    expect(error.code).toBe(firehoseCode);
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toMatch(/: what the broker said$/);
  });

  it('KAFKA_STORAGE_ERROR (a full disk on the broker) → KAFKA_STORAGE naming ENOSPC and what to do', () => {
    const error = translateKafkaError(protocolError(ErrorCode.KAFKA_STORAGE_ERROR, 'producing to my-topic-7-0'), 'spam my-topic-7', BROKERS);
    expect(error.code).toBe('KAFKA_STORAGE');
    expect(error.message).toMatch(/could not write to its disk \(spam my-topic-7\): .*the disk is full \(ENOSPC\) or failing; nothing of this request was stored\.$/);
    expect(error.hint).toMatch(/Free space in the broker's data dir/);
  });

  it('a batch that ran out of delivery time → the error it last met', () => {
    const thrown = new DeliveryTimeoutError(60_000, protocolError(ErrorCode.KAFKA_STORAGE_ERROR, 'producing to t-0'));
    expect(translateKafkaError(thrown, 'spam t', BROKERS).code).toBe('KAFKA_STORAGE');
    const unreachableAtTheEnd = new DeliveryTimeoutError(60_000, connectionError('Kafka broker 127.0.0.1:1 closed the connection'));
    expect(translateKafkaError(unreachableAtTheEnd, 'spam t', BROKERS).code).toBe('KAFKA_UNREACHABLE');
  });

  it('a refused SASL login → SASL_FAILED pointing at the password variable', () => {
    const error = translateKafkaError(connectionError('SASL PLAIN authentication as "alice" failed at 127.0.0.1:1: Authentication failed: Invalid username or password'), 'connect', BROKERS);
    expect(error.code).toBe('SASL_FAILED');
    expect(error.hint).toContain('FIREHOSE_SASL_PASSWORD');
  });

  it('an unknown error code → KAFKA_ERROR with the operation and the code name', () => {
    const error = translateKafkaError(protocolError(ErrorCode.GROUP_ID_NOT_FOUND, 'deleting group "g"'), 'delete group g', BROKERS);
    expect(error.code).toBe('KAFKA_ERROR');
    expect(error.message).toBe('Failed to delete group g: GROUP_ID_NOT_FOUND: deleting group "g"');
  });

  it('anything else → KAFKA_ERROR with the operation', () => {
    const error = translateKafkaError(new Error('something odd'), 'describe group g', BROKERS);
    expect(error.code).toBe('KAFKA_ERROR');
    expect(error.message).toBe('Failed to describe group g: something odd');
  });

  it('passes a FirehoseError through unchanged, and one that a tunnel put under a connection error', () => {
    const original = new UsageError('bad flag');
    expect(translateKafkaError(original, 'x', BROKERS)).toBe(original);
    const tunnel = new FirehoseError('CLUSTER_FORBIDDEN', 'Not allowed to port-forward to pod kafka/my-cluster-kafka-0');
    expect(translateKafkaError(new KafkaConnectionError('h:1', 'tunnel failed', tunnel), 'x', BROKERS)).toBe(tunnel);
  });

  it('copes with non-Error values', () => {
    expect(translateKafkaError('plain string', 'x', BROKERS).message).toBe('Failed to x: plain string');
  });
});

describe('SASL against a listener without SASL', () => {
  it.each([
    ['a broker that lists no SaslHandshake', connectionError('Kafka broker 127.0.0.1:1 does not accept SASL SCRAM-SHA-256')],
    ["ILLEGAL_SASL_STATE (Apache Kafka's answer to a handshake there)", protocolError(34, 'SaslHandshake')],
  ])('%s → SASL_NOT_OFFERED, not a login failure', (_name, thrown) => {
    const error = translateKafkaError(thrown, 'list topics', ['127.0.0.1:1']);
    expect(error.code).toBe('SASL_NOT_OFFERED');
    expect(error.message).toBe('Kafka at 127.0.0.1:1 does not offer SASL on this listener.');
    expect(error.hint).toContain('--sasl-mechanism');
  });
});

describe('unreachable', () => {
  it('names every broker', () => {
    const error = unreachable(['a:1', 'b:2'], 'no answer within 10 s');
    expect(error.code).toBe('KAFKA_UNREACHABLE');
    expect(error.message).toBe('Cannot reach Kafka at a:1,b:2: no answer within 10 s');
  });
});
