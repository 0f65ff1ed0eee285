// Failures people hit: no broker, unknown or invalid topics, no user number, a broken config
// file, bad flag values. Each is one clear message with the right exit code.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { runCli, type CliResult } from '../support/cli.js';
import { firehose, lines, newTopic } from '../support/cli-kafka.js';
import { freePorts } from '../support/kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';

const kafka = kafkaFromTests();

interface JsonError { error: { code: string; message: string; hint?: string } }

/** With --output json an error is exactly one JSON object on stderr, and stdout is empty. */
function jsonError(result: CliResult): JsonError['error'] {
  expect(result.stdout).toBe('');
  const [line, ...rest] = lines(result.stderr);
  expect(rest).toEqual([]);
  return (JSON.parse(line!) as JsonError).error;
}

describe('an unreachable broker', () => {
  it('fails within --connect-timeout, naming the address', async () => {
    const [port] = await freePorts(1); // bound and released: nothing listens there now
    const address = `127.0.0.1:${port}`;
    const started = Date.now();
    const result = await runCli(['topics', '--bootstrap', address, '--connect-timeout', '2s']);
    const elapsed = Date.now() - started;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)[0]).toMatch(new RegExp(`^error: Cannot reach Kafka at ${address}: `));
    // Nothing listens on this machine: the hint says how to get a Kafka here.
    expect(result.stderr).toContain('hint: No Kafka runs here yet: start firehose\'s own with `firehose kafka start`');
    expect(elapsed).toBeLessThan(10_000);
  });

  it('a remote address that refuses keeps the "check --bootstrap" hint', async () => {
    const { unreachable } = await import('../../src/kafka/errors.js');
    expect(unreachable(['kafka.example:9092'], 'connection refused').hint).toMatch(/^Check --bootstrap \(or KAFKA_BOOTSTRAP_SERVERS\)/);
    expect(unreachable(['localhost:9092'], 'connection refused').hint).toMatch(/firehose kafka start/);
  });

  it('says where the address came from when it is the environment', async () => {
    const [port] = await freePorts(1);
    const result = await runCli(['spam', 'any-topic', '--connect-timeout', '1s', '--output', 'json'], {
      env: { KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${port}` },
    });
    expect(result.code).toBe(1);
    const error = jsonError(result);
    expect(error.code).toBe('KAFKA_UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('rejects a bootstrap that is not host:port as bad usage', async () => {
    const result = await runCli(['topics', '--bootstrap', 'localhost']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: The bootstrap servers from --bootstrap must be host:port[,host:port...], not "localhost".');
  });
});

describe('unknown and invalid topics', () => {
  const missing = uniqueName('missing');

  it.each([
    ['consume', ['consume', missing, '--from-beginning']],
    ['produce', ['produce', missing]],
    ['spam', ['spam', missing]],
    ['topics describe', ['topics', 'describe', missing]],
    ['demo commit', ['demo', 'commit', missing, '--group', uniqueName('g')]],
  ])('%s on a topic that does not exist → TOPIC_NOT_FOUND', async (_name, argv) => {
    const text = await firehose(argv, { stdin: 'x\n' });
    expect(text.code).toBe(1);
    // (demo commit states its store/commit order before it looks at the topic)
    expect(lines(text.stderr).slice(-2)).toEqual([
      `error: Topic ${missing} does not exist on ${kafka.bootstrap}.`,
      'hint: Create it with `firehose create-topic`, or list topics with `firehose topics`.',
    ]);

    const json = await firehose([...argv, '--output', 'json'], { stdin: 'x\n' });
    expect(json.code).toBe(1);
    expect(jsonError(json)).toMatchObject({ code: 'TOPIC_NOT_FOUND', message: `Topic ${missing} does not exist on ${kafka.bootstrap}.` });
  });

  it.each([
    ['create-topic', ['create-topic', 'bad name!']],
    ['consume', ['consume', 'a/b']],
    ['topics describe', ['topics', 'describe', '..']],
  ])('%s with an invalid topic name → exit 2', async (_name, argv) => {
    const result = await firehose(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: ".*" is not a valid Kafka topic name\.$/m);
    expect(result.stderr).toContain('hint: Topic names use letters, digits, ".", "_" and "-", at most 249 characters.');
  });
});

describe('no user number', () => {
  it.each([
    ['create-topic', ['create-topic']],
    ['spam', ['spam']],
    ['consume', ['consume']],
    ['demo offsets', ['demo', 'offsets']],
  ])('%s without a topic, --user or FIREHOSE_USER in a non-interactive shell → exit 2 with a hint', async (_name, argv) => {
    const result = await firehose(argv);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      'error: No user number is set, and this shell is not interactive, so firehose cannot ask for it.',
      'hint: Pass --user N, set FIREHOSE_USER=N, put "user: N" in the config file (firehose config path), or log in as userN (oc login).',
    ]);
  });

  it('rejects a user number that is not a number', async () => {
    const result = await firehose(['spam'], { env: { FIREHOSE_USER: 'seven' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: The user number from FIREHOSE_USER must be a number such as 7 (or user7), not "seven".');
  });
});

describe('the config file', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'firehose-config-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('malformed YAML is a clear error naming the file', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'user: 7\nkafka:\n  bootstrap: [localhost:9092\n');
    const result = await firehose(['topics'], { env: { FIREHOSE_CONFIG: path } });
    expect(result.code).toBe(1);
    const [error, hint, ...rest] = lines(result.stderr);
    expect(error).toMatch(new RegExp(`^error: Config file ${path} is not valid YAML: .+`));
    expect(hint).toMatch(/^hint: /);
    expect(rest).toEqual([]);

    const json = await firehose(['topics', '--output', 'json'], { env: { FIREHOSE_CONFIG: path } });
    expect(jsonError(json).code).toBe('CONFIG_MALFORMED');
  });

  it('YAML that is not a mapping is a clear error too', async () => {
    const path = join(dir, 'list.yaml');
    await writeFile(path, '- user: 7\n');
    const result = await firehose(['topics'], { env: { FIREHOSE_CONFIG: path } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: Config file ${path} must hold a YAML mapping (key: value lines).`);
  });

  it.each([
    ['kafka.bootstrap: 5', 'kafka:\n  bootstrap: 5\n', ['topics'], 'kafka.bootstrap', 'host:port[,host:port...] with ports from 1 to 65535, such as localhost:9092, not 5'],
    ['user: abc', 'user: abc\n', ['create-topic'], 'user', 'a number such as 7 (or user7), not "abc"'],
    ['kafka.connectTimeoutMs: "x"', 'kafka:\n  connectTimeoutMs: "x"\n', ['topics'], 'kafka.connectTimeoutMs', 'a whole number of milliseconds from 1 to 2147483647, such as 10000, not "x"'],
    ['kafka.skipHostnameVerification: 1', 'kafka:\n  skipHostnameVerification: 1\n', ['spam', 'some-topic'], 'kafka.skipHostnameVerification', 'true or false, not 1'],
  ])('a wrong type (%s) is bad usage naming the key and the file', async (name, text, argv, key, rest) => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    await writeFile(path, text);
    const result = await runCli(argv, { env: { FIREHOSE_CONFIG: path } });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      `error: ${key} in config file ${path} must be ${rest}.`,
      `hint: Fix or remove ${key} in that file.`,
    ]);
    expect(result.stderr).not.toContain('internal error');

    const json = await runCli([...argv, '--output', 'json'], { env: { FIREHOSE_CONFIG: path } });
    expect(json.code).toBe(2);
    expect(jsonError(json).code).toBe('CONFIG_INVALID');
  });

  it('a good file supplies the user number and the bootstrap servers', async () => {
    const path = join(dir, 'good.yaml');
    const topic = await newTopic('config-file', 1);
    await writeFile(path, `user: 7\nkafka:\n  bootstrap: ${kafka.bootstrap}\n`);
    const result = await runCli(['topics', 'describe', topic, '--output', 'json'], { env: { FIREHOSE_CONFIG: path } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).topic).toBe(topic);
  });
});

describe('bad flag values are usage errors (exit 2)', () => {
  it.each([
    ['--acks', ['spam', 'some-topic', '--acks', '2'], 'error: --acks must be 0, 1 or all, not "2".'],
    ['--acks on produce', ['produce', 'some-topic', '--acks', 'none'], 'error: --acks must be 0, 1 or all, not "none".'],
    ['--partitions 0', ['create-topic', 'some-topic', '--partitions', '0'], 'error: --partitions must be a positive whole number, not "0".'],
    ['--partitions abc', ['create-topic', 'some-topic', '--partitions', 'abc'], 'error: --partitions must be a positive whole number, not "abc".'],
    ['--idle-timeout', ['consume', 'some-topic', '--idle-timeout', 'soon'], 'error: --idle-timeout must be a duration such as 500ms, 10s or 5m, not "soon".'],
    ['--times', ['spam', 'some-topic', '--times', '-3'], 'error: --times must be a positive whole number, not "-3".'],
    ['--max-messages', ['consume', 'some-topic', '--max-messages', '1.5'], 'error: --max-messages must be a positive whole number, not "1.5".'],
    ['--connect-timeout', ['topics', '--connect-timeout', 'forever'], 'error: --connect-timeout must be a duration such as 500ms, 10s or 5m, not "forever".'],
    ['--config', ['create-topic', 'some-topic', '--config', 'retention.ms'], 'error: --config takes key=value, not "retention.ms".'],
    ['--connect-timeout 0', ['topics', '--connect-timeout', '0'], 'error: --connect-timeout must be longer than 0, not "0".'],
    ['--connect-timeout 0s on spam', ['spam', 'some-topic', '--connect-timeout', '0s'], 'error: --connect-timeout must be longer than 0, not "0s".'],
    ['--connect-timeout beyond a Node timer', ['topics', '--connect-timeout', '99999999999s'], 'error: --connect-timeout must be at most 2147483647ms (about 596h, the longest timer Node has), not "99999999999s".'],
    ['--idle-timeout beyond a Node timer', ['consume', 'some-topic', '--idle-timeout', '99999999999s'], 'error: --idle-timeout must be at most 2147483647ms (about 596h, the longest timer Node has), not "99999999999s".'],
    ['--idle-timeout 0', ['consume', 'some-topic', '--idle-timeout', '0'], 'error: --idle-timeout must be longer than 0, not "0".'],
    ['create-topic --timeout abc (the admin API path never waits, but the value is still wrong)', ['create-topic', 'some-topic', '--timeout', 'abc'], 'error: --timeout must be a duration such as 500ms, 10s or 5m, not "abc".'],
    ['create-topic --timeout 0', ['create-topic', 'some-topic', '--timeout', '0'], 'error: --timeout must be longer than 0, not "0".'],
  ])('%s', async (_name, argv, message) => {
    // Nothing listens on this address: usage errors must come before any connection attempt.
    const [port] = await freePorts(1);
    const result = await runCli([...argv, '--bootstrap', `127.0.0.1:${port}`], { stdin: 'x\n' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)[0]).toBe(message);
  });

  it('an empty --bootstrap is bad usage naming the flag, not a silent localhost:9092 (nor the environment\'s)', async () => {
    for (const argv of [['topics', '--bootstrap', ''], ['create-topic', 'some-topic', '--bootstrap=']]) {
      const result = await runCli(argv, { env: { KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrap } });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(lines(result.stderr)).toEqual([
        'error: The bootstrap servers from --bootstrap must be host:port[,host:port...], not "".',
        'hint: Example: --bootstrap localhost:9092',
      ]);
    }
  });

  it.each(['localhost:99999', '127.0.0.1:0', `${'localhost:9092'},kafka:65536`])('a port out of range (%s) is bad usage at once, not a connect timeout', async (bootstrap) => {
    const started = Date.now();
    const result = await runCli(['topics', '--bootstrap', bootstrap]);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toMatch(/^error: The bootstrap servers from --bootstrap must have ports from 1 to 65535, not "[^"]+:\d+"\.$/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('the same port check applies to KAFKA_BOOTSTRAP_SERVERS, named as such', async () => {
    const result = await runCli(['topics'], { env: { KAFKA_BOOTSTRAP_SERVERS: 'localhost:99999' } });
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe('error: The bootstrap servers from KAFKA_BOOTSTRAP_SERVERS must have ports from 1 to 65535, not "localhost:99999".');
  });

  it('send: --data that is not JSON under --content-type application/json gets a hint about JSON', async () => {
    for (const contentType of ['application/json', 'application/cloudevents+json; charset=utf-8']) {
      const result = await runCli(['send', 'http://127.0.0.1:9/', '--type', 't', '--source', '/s', '--data', '{"name": firehose}', '--content-type', contentType]);
      expect(result.code).toBe(2);
      const [error, hint, ...rest] = lines(result.stderr);
      expect(error).toMatch(new RegExp(`^error: --data is not valid JSON \\(--content-type ${contentType.replace(/[+]/g, '\\+')}\\): .+`));
      expect(hint).toBe('hint: Fix the JSON (quote it in single quotes in the shell), or pass --content-type text/plain to send it as text.');
      expect(result.stderr).not.toMatch(/Extension names/);
      expect(rest).toEqual([]);
    }
  });

  it('send: a bad --extension name is named as such', async () => {
    const result = await runCli(['send', 'http://127.0.0.1:9/', '--type', 't', '--source', '/s', '--extension', 'Bad_Name=1']);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      'error: --extension name "Bad_Name" is not a CloudEvents attribute name.',
      'hint: Extension names are lower-case letters and digits only (at most 20).',
    ]);
  });

  it('an unknown option or --output value is rejected by the parser (exit 2)', async () => {
    const unknown = await runCli(['spam', '--tims', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown option '--tims'");
    const output = await runCli(['topics', '--output', 'toml']);
    expect(output.code).toBe(2);
    expect(output.stderr).toContain("option '-o, --output <format>' argument 'toml' is invalid");
  });

  it('with --output json a usage error is a JSON object on stderr', async () => {
    const result = await runCli(['spam', 'some-topic', '--acks', 'maybe', '--output', 'json']);
    expect(result.code).toBe(2);
    expect(jsonError(result)).toEqual({ code: 'USAGE', message: '--acks must be 0, 1 or all, not "maybe".' });
  });

  it('FIREHOSE_OUTPUT=json makes errors JSON as well', async () => {
    const result = await firehose(['spam'], { env: { FIREHOSE_OUTPUT: 'json' } });
    expect(result.code).toBe(2);
    expect(jsonError(result).code).toBe('USER_UNKNOWN');
  });
});

describe('create-topic says why Kafka refused it', () => {
  it.each([
    ['too many partitions', ['--partitions', '200000'], /partitions/i],
    ['more replicas than brokers', ['--replicas', '3'], /replicat/i],
    ['retention.ms=abc', ['--config', 'retention.ms=abc'], /Invalid value abc for configuration retention\.ms: Not a number of type LONG/],
    ['an unknown config', ['--config', 'retention.msec=1000'], /Unknown topic config name: retention\.msec/],
  ])('%s: the reason for the topic, exit 2, and no topic', async (_name, flags, reason) => {
    const topic = uniqueName('refused');
    const result = await firehose(['create-topic', topic, ...flags]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const [error, ...rest] = lines(result.stderr);
    expect(error).toMatch(new RegExp(`^error: (Cannot create topic|Kafka rejected the request to create topic) ${topic}: `));
    expect(error).toMatch(reason);
    expect(result.stderr).not.toContain('Topic creation errors');
    expect(rest.length).toBeLessThanOrEqual(1);

    const after = await firehose(['topics', 'describe', topic, '--output', 'json']);
    expect(jsonError(after).code).toBe('TOPIC_NOT_FOUND');
  });
});

describe('SASL against a broker without SASL', () => {
  it('says the broker does not offer SASL, not "does not support the requested API version"', async () => {
    const result = await runCli(
      ['topics', '--bootstrap', kafka.bootstrap, '--sasl-mechanism', 'plain', '--sasl-username', 'alice', '--connect-timeout', '20s'],
      { env: { FIREHOSE_SASL_PASSWORD: 'not-a-secret-1' } },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      `error: Kafka at ${kafka.bootstrap} does not offer SASL on this listener.`,
      "hint: Drop --sasl-mechanism (and kafka.sasl in the config file) for this broker, or use the broker's SASL listener.",
    ]);
  });
});

describe('the same refusals from the embedded broker (whichever broker the suite runs against)', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    const quiet = () => {};
    broker = await startEmbeddedBroker({ port: 0, log: { debug: quiet, info: quiet, warn: quiet } });
  });
  afterAll(async () => { await broker?.stop(); });

  it.each([
    [['--config', 'retention.ms=abc'], 'Cannot create topic %s: Invalid value abc for configuration retention.ms: Not a number of type LONG'],
    [['--replicas', '3'], 'Cannot create topic %s: replication factor 3 needs more brokers; the embedded broker is one node (use 1)'],
    [['--partitions', '200000'], 'Cannot create topic %s: a topic needs 1 to 10000 partitions, not 200000'],
  ])('create-topic %j: the reason, exit 2', async (flags, message) => {
    const topic = uniqueName('embedded-refused');
    const result = await runCli(['create-topic', topic, ...flags, '--bootstrap', broker.bootstrap, '--output', 'json']);
    expect(result.code).toBe(2);
    expect(jsonError(result).message).toBe(message.replace('%s', topic));
  });

  it('SASL: the broker does not offer it (it lists no SaslHandshake): SASL_NOT_OFFERED, not a login failure', async () => {
    const result = await runCli(
      ['topics', '--bootstrap', broker.bootstrap, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', 'alice', '--output', 'json'],
      { env: { FIREHOSE_SASL_PASSWORD: 'not-a-secret-2' } },
    );
    expect(result.code).toBe(1);
    expect(jsonError(result)).toMatchObject({ code: 'SASL_NOT_OFFERED', message: `Kafka at ${broker.bootstrap} does not offer SASL on this listener.` });
  });
});

describe('the embedded broker: bad flags and data dirs', () => {
  it.each([
    [['kafka', 'start', '--port', '70000'], /^error: --port must be a port from 0 to 65535/],
    [['kafka', 'start', '--retention', 'lots'], /^error: --retention must be a size such as 64MiB/],
    [['kafka', 'start', '--partitions', '0'], /^error: --partitions must be a positive whole number/],
    [['up', '--user', '1', '--kafka-port', '-1'], /^error: --kafka-port must be a non-negative whole number/],
  ])('%j is bad usage (exit 2), one line', async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)[0]).toMatch(message);
  });

  it('names a data dir it cannot use, exits 1 and does not start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firehose-datadir-'));
    try {
      const file = join(dir, 'a-file');
      await writeFile(file, 'not a directory');
      const result = await runCli(['kafka', 'start', '--port', '0', '--data-dir', file, '--output', 'json']);
      expect(result.code).toBe(1);
      const error = jsonError(result);
      expect(error.code).toBe('BROKER_DATA_DIR');
      expect(error.message).toBe(`cannot use data dir ${file}: ${file} is a file, not a directory`);
      expect(error.hint).toBe('use a data dir that is a directory or does not exist yet');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
