// `firehose kafka start --tls` and `--sasl`: the built CLI makes the workshop's files
// (auth/ca.crt, auth/kafka.keystore.pkcs12 with password cc2023, as seed 004 hands them out)
// and serves SSL with client certificates required; seed 004's Python settings, kcat
// (librdkafka), Java's console tools (PKCS#12 keystore) and firehose itself connect.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { uniqueName } from '../support/kafka-env.js';
import { KCAT, requireKcat } from '../support/kcat.js';
import { ensureConsoleTools, runKafkaTool } from '../support/java-console.js';
import { ensurePythonVenv, PYTHON_FIXTURES } from '../support/python.js';
import { waitFor } from '../support/wait.js';

const PASSWORD = 'cc2023';

/** A Java client's properties: `settings`, then the CA (PEM) and the PKCS#12 keystore `kafka start --tls` made in `auth`. */
function javaClientConfig(auth: string, settings: string[]): string {
  return [
    ...settings,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${join(auth, 'ca.crt')}`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${join(auth, 'kafka.keystore.pkcs12')}`,
    `ssl.keystore.password=${PASSWORD}`,
    '',
  ].join('\n');
}

/** Starts `kafka start <flags> --port 0 --output json` and waits for its listening line. */
async function startBroker(flags: string[], env: Record<string, string> = {}) {
  const broker = startCli(['kafka', 'start', '--port', '0', '--output', 'json', ...flags], { env });
  const line = await waitFor(() => {
    if (broker.output.stderr.includes('error:')) throw new Error(broker.output.stderr);
    return broker.output.stdout.split('\n').find((l) => l.includes('"listening"'));
  }, { timeoutMs: 20_000, what: 'the broker to listen' });
  return { ...broker, listening: JSON.parse(line) as { bootstrap: string; protocol: string; tls: Record<string, unknown> | null; sasl: { mechanisms: string[]; users: string[] } | null } };
}

describe('firehose kafka start --tls: the workshop\'s files, and the clients of seed 004', () => {
  let work: string;
  let auth: string;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  const tlsFlags = () => ['--bootstrap', broker.listening.bootstrap, '--ca-file', join(auth, 'ca.crt'), '--keystore', join(auth, 'kafka.keystore.pkcs12')];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'firehose-kafka-tls-'));
    auth = join(work, 'auth');
    broker = await startBroker(['--tls-dir', auth], { FIREHOSE_KEYSTORE_PASSWORD: PASSWORD });
  }, 30_000);
  afterAll(async () => {
    broker?.child.kill('SIGINT');
    await broker?.child;
    rmSync(work, { recursive: true, force: true });
  });

  it('makes the CA, certificates and a PKCS#12 keystore (OpenSSL 3\'s format), secrets mode 0600, and says so without the password', async () => {
    expect(broker.listening.protocol).toBe('SSL');
    expect(broker.listening.tls).toMatchObject({ dir: auth, clientAuth: 'required', caFile: join(auth, 'ca.crt'), keystoreFile: join(auth, 'kafka.keystore.pkcs12') });
    expect((broker.listening.tls!.made as string[]).map((f) => f.slice(auth.length + 1)).sort()).toEqual(
      ['ca.crt', 'ca.key', 'client.crt', 'client.key', 'kafka.keystore.password', 'kafka.keystore.pkcs12', 'server.crt', 'server.key']);
    for (const secret of ['ca.key', 'server.key', 'client.key', 'kafka.keystore.password', 'kafka.keystore.pkcs12']) expect(statSync(join(auth, secret)).mode & 0o777, secret).toBe(0o600);
    expect(readFileSync(join(auth, 'kafka.keystore.password'), 'utf8')).toBe(`${PASSWORD}\n`);
    expect(broker.output.stdout + broker.output.stderr).not.toContain(PASSWORD);
    const info = await execa('openssl', ['pkcs12', '-info', '-in', join(auth, 'kafka.keystore.pkcs12'), '-passin', `pass:${PASSWORD}`, '-noout'], { all: true });
    expect(info.all).toContain('MAC: sha256');
    expect(info.all).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
    const verify = await execa('openssl', ['verify', '-CAfile', join(auth, 'ca.crt'), join(auth, 'server.crt'), join(auth, 'client.crt')]);
    expect(verify.stdout).toBe(`${join(auth, 'server.crt')}: OK\n${join(auth, 'client.crt')}: OK`);
  });

  it('firehose connects with the CA and the keystore (password from the environment)', async () => {
    const topic = uniqueName('tls-start');
    const env = { FIREHOSE_KEYSTORE_PASSWORD: PASSWORD };
    expect((await runCli([...tlsFlags(), 'create-topic', topic], { env })).code).toBe(0);
    expect((await runCli([...tlsFlags(), 'spam', topic, '--times', '2'], { env })).code).toBe(0);
    const read = await runCli([...tlsFlags(), 'consume', topic, '--from-beginning', '--max-messages', '2'], { env });
    expect(read.stderr).not.toContain('error');
    expect(read.code).toBe(0);
    expect(read.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('seed 004\'s confluent-kafka settings (security.protocol=SSL, ./auth/...) produce and consume unchanged', { timeout: 120_000 }, async () => {
    const python = await ensurePythonVenv();
    const topic = uniqueName('seed004-ssl');
    const result = await execa(python, [join(PYTHON_FIXTURES, 'seed004_ssl.py'), topic], {
      cwd: work,
      env: { KAFKA_BOOTSTRAP_SERVERS: broker.listening.bootstrap, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      input: 'hello\nfrom the workshop\n',
      timeout: 60_000,
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['hello', 'from the workshop']);
  });

  it('kcat (librdkafka) with the PKCS#12 keystore, and with the PEM client certificate', async () => {
    requireKcat();
    const topic = uniqueName('tls-kcat');
    const ssl = ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${join(auth, 'ca.crt')}`];
    const produced = await execa(KCAT, ['-P', '-b', broker.listening.bootstrap, '-t', topic, ...ssl,
      '-X', `ssl.keystore.location=${join(auth, 'kafka.keystore.pkcs12')}`, '-X', `ssl.keystore.password=${PASSWORD}`], { input: 'one\ntwo\n', timeout: 30_000, reject: false });
    expect(produced.exitCode, produced.stderr).toBe(0);
    const consumed = await execa(KCAT, ['-C', '-b', broker.listening.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', ...ssl,
      '-X', `ssl.certificate.location=${join(auth, 'client.crt')}`, '-X', `ssl.key.location=${join(auth, 'client.key')}`], { timeout: 30_000, reject: false });
    expect(consumed.exitCode, consumed.stderr).toBe(0);
    expect(consumed.stdout).toBe('one\ntwo');
  });

  it('Java\'s console producer and consumer with the PKCS#12 keystore', { timeout: 120_000 }, async () => {
    const tools = await ensureConsoleTools();
    const topic = uniqueName('tls-java');
    const config = join(work, 'client.properties');
    writeFileSync(config, javaClientConfig(auth, ['security.protocol=SSL']));
    const produced = await runKafkaTool(tools, tools.producer, ['--bootstrap-server', broker.listening.bootstrap, '--topic', topic, '--producer.config', config], { input: 'java-1\njava-2\n' });
    expect(produced.exitCode, produced.stderr).toBe(0);
    const consumed = await runKafkaTool(tools, tools.consumer, ['--bootstrap-server', broker.listening.bootstrap, '--topic', topic, '--from-beginning', '--max-messages', '2', '--consumer.config', config]);
    expect(consumed.exitCode, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual(['java-1', 'java-2']);
  });

  it('a second start takes the files as they are (same CA, nothing made)', async () => {
    const ca = readFileSync(join(auth, 'ca.crt'), 'utf8');
    const again = await startBroker(['--tls-dir', auth]);
    try {
      expect(again.listening.tls!.made).toEqual([]);
      expect(readFileSync(join(auth, 'ca.crt'), 'utf8')).toBe(ca);
      const topics = await runCli(['--bootstrap', again.listening.bootstrap, '--ca-file', join(auth, 'ca.crt'), '--keystore', join(auth, 'kafka.keystore.pkcs12'), 'topics'], { env: { FIREHOSE_KEYSTORE_PASSWORD: PASSWORD } });
      expect(topics.stderr).not.toContain('error');
      expect(topics.code).toBe(0);
    } finally {
      again.child.kill('SIGINT');
      await again.child;
    }
  });
});

describe('firehose kafka start --sasl', () => {
  let work: string;
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'firehose-kafka-sasl-'));
  });

  it('SCRAM-SHA-512 and PLAIN over TLS (SASL_SSL) for firehose and kcat, users from a file and the environment; a wrong password gets Kafka\'s message; the passwords are never printed', async () => {
    const users = join(work, 'users.txt');
    writeFileSync(users, '# user:password\nalice:alice-secret-1\n');
    const broker = await startBroker(['--tls-dir', join(work, 'auth'), '--tls-client-auth', 'none', '--sasl', 'scram-sha-512,plain', '--users-file', users],
      { FIREHOSE_SASL_USERNAME: 'bob', FIREHOSE_SASL_PASSWORD: 'bob-secret-2' });
    try {
      expect(broker.listening.protocol).toBe('SASL_SSL');
      expect(broker.listening.sasl).toEqual({ mechanisms: ['SCRAM-SHA-512', 'PLAIN'], users: ['alice', 'bob'] });
      const flags = ['--bootstrap', broker.listening.bootstrap, '--ca-file', join(work, 'auth', 'ca.crt')];
      for (const [mechanism, user, password] of [['scram-sha-512', 'alice', 'alice-secret-1'], ['plain', 'bob', 'bob-secret-2']] as const) {
        const ok = await runCli([...flags, '--sasl-mechanism', mechanism, '--sasl-username', user, 'topics'], { env: { FIREHOSE_SASL_PASSWORD: password } });
        expect(ok.stderr, mechanism).not.toContain('error');
        expect(ok.code).toBe(0);
      }
      const wrong = await runCli([...flags, '--sasl-mechanism', 'scram-sha-512', '--sasl-username', 'alice', '--connect-timeout', '5s', 'topics'], { env: { FIREHOSE_SASL_PASSWORD: 'nope' } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
      // librdkafka: it sees SaslHandshake only when v0 is listed, and repeats its nonce in SCRAM's final message.
      requireKcat();
      for (const mechanism of ['SCRAM-SHA-512', 'PLAIN']) {
        const kcat = await execa(KCAT, ['-L', '-b', broker.listening.bootstrap, '-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${join(work, 'auth', 'ca.crt')}`,
          '-X', `sasl.mechanisms=${mechanism}`, '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret-1', '-m', '10'], { timeout: 30_000, reject: false });
        expect(kcat.exitCode, `${mechanism}: ${kcat.stderr}`).toBe(0);
        expect(kcat.stdout).toContain('1 brokers:');
      }
      const none = await runCli([...flags, '--connect-timeout', '5s', 'topics']);
      expect(none.code).toBe(1);
      expect(broker.output.stdout + broker.output.stderr).not.toMatch(/alice-secret-1|bob-secret-2/);
    } finally {
      broker.child.kill('SIGINT');
      await broker.child;
    }
  });

  it('Java\'s console clients log in with SCRAM-SHA-512 over SASL_SSL, with the PKCS#12 keystore as client certificate', { timeout: 120_000 }, async () => {
    const tools = await ensureConsoleTools();
    const users = join(work, 'java-users.json');
    writeFileSync(users, JSON.stringify({ carol: 'carol-secret-3' }));
    const auth = join(work, 'java-auth');
    const broker = await startBroker(['--tls-dir', auth, '--sasl', 'scram-sha-512', '--users-file', users], { FIREHOSE_KEYSTORE_PASSWORD: PASSWORD });
    try {
      const config = join(work, 'java-sasl.properties');
      writeFileSync(config, javaClientConfig(auth, [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="carol" password="carol-secret-3";',
      ]));
      const topic = uniqueName('sasl-java');
      const produced = await runKafkaTool(tools, tools.producer, ['--bootstrap-server', broker.listening.bootstrap, '--topic', topic, '--producer.config', config], { input: 'scram\n' });
      expect(produced.exitCode, produced.stderr).toBe(0);
      const consumed = await runKafkaTool(tools, tools.consumer, ['--bootstrap-server', broker.listening.bootstrap, '--topic', topic, '--from-beginning', '--max-messages', '1', '--consumer.config', config]);
      expect(consumed.exitCode, consumed.stderr).toBe(0);
      expect(consumed.stdout.trim()).toBe('scram');
    } finally {
      broker.child.kill('SIGINT');
      await broker.child;
    }
  });

  it('--sasl without users, an unknown mechanism, and --users-file without --sasl are usage errors', async () => {
    const noUsers = await runCli(['kafka', 'start', '--port', '0', '--sasl', 'plain']);
    expect(noUsers.code).toBe(2);
    expect(noUsers.stderr).toContain('--users-file');
    const unknown = await runCli(['kafka', 'start', '--port', '0', '--sasl', 'gssapi']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--sasl GSSAPI: not a SASL mechanism/);
    const stray = await runCli(['kafka', 'start', '--port', '0', '--users-file', join(work, 'x')]);
    expect(stray.code).toBe(2);
    const noTls = await runCli(['kafka', 'start', '--port', '0', '--tls-client-auth', 'none']);
    expect(noTls.code).toBe(2);
    expect(noTls.stderr).toContain('--tls-client-auth is for a TLS listener');
  });
});
