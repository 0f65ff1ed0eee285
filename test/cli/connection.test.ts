// TLS against the broker's SSL listeners (client certificates required): PKCS#12 and PEM
// client certificates, hostname verification, and the errors people actually hit.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { expectOk, jsonLines, lines, sorted, spamValues } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';

const kafka = kafkaFromTests();
const { tls } = kafka;
const password = { FIREHOSE_KEYSTORE_PASSWORD: tls.keystorePassword };
const keystore = ['--ca-file', tls.caFile, '--keystore', tls.keystoreFile];
const pem = ['--ca-file', tls.caFile, '--cert-file', tls.certFile, '--key-file', tls.keyFile];
// The negative cases: a generous deadline, so a test that fails shows the TLS error it got
// rather than a generic "no answer within".
const patient = ['--connect-timeout', '20s'];

function overTls(argv: string[], bootstrap = kafka.tlsBootstrap, env: Record<string, string> = password): Promise<CliResult> {
  return runCli([...argv, '--bootstrap', bootstrap], { env });
}

/** An error is one `error:` line and one `hint:` line on stderr, nothing on stdout. */
function expectOneError(result: CliResult, code: number): string {
  expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(code);
  expect(result.stdout).toBe('');
  const [error, hint, ...rest] = lines(result.stderr);
  expect(error).toMatch(/^error: /);
  expect(hint).toMatch(/^hint: /);
  expect(rest).toEqual([]);
  return error!;
}

function expectNoSecret(result: CliResult, secret: string): void {
  expect(result.stdout).not.toContain(secret);
  expect(result.stderr).not.toContain(secret);
}

describe('TLS with a client certificate', () => {
  it('PKCS#12 keystore (password from the environment): create-topic, spam, consume', async () => {
    const topic = uniqueName('tls');
    const created = expectOk(await overTls(['create-topic', topic, '--partitions', '2', ...keystore]));
    expect(created.stdout).toContain(`Created topic ${topic} (2 partitions, 1 replica)`);
    const spam = expectOk(await overTls(['spam', topic, '--times', '10', ...keystore]));
    expect(spam.stderr).toMatch(new RegExp(`^Sent 10 messages to ${topic} in `));
    // --verbose prints the client's debug lines too: the password must not be among them.
    const read = expectOk(await overTls(['consume', topic, '--from-beginning', '--max-messages', '10', '--verbose', ...keystore]));
    expect(sorted(lines(read.stdout))).toEqual(sorted(spamValues(10)));
    expect(read.stderr).toContain('over TLS');
    for (const result of [created, spam, read]) expectNoSecret(result, tls.keystorePassword);
  });

  it('PEM certificate and key: produce and read back', async () => {
    const topic = uniqueName('tls-pem');
    expectOk(await overTls(['create-topic', topic, '--partitions', '1', ...pem], kafka.tlsBootstrap, {}));
    expectOk(await runCli(['produce', topic, '--bootstrap', kafka.tlsBootstrap, ...pem], { stdin: 'over\npem\n' }));
    const read = expectOk(await overTls(['consume', topic, '--from-beginning', '--max-messages', '2', '--format', 'json', ...pem], kafka.tlsBootstrap, {}));
    expect(jsonLines<{ value: string }>(read.stdout).map((r) => r.value)).toEqual(['over', 'pem']);
  });

  it('config view shows the TLS files but never the keystore password', async () => {
    const result = expectOk(await overTls(['config', 'view', '--output', 'json', ...keystore]));
    expect(JSON.parse(result.stdout).kafka.tls).toEqual({ caFile: tls.caFile, keystore: tls.keystoreFile, skipHostnameVerification: false });
    expectNoSecret(result, tls.keystorePassword);
  });
});

describe('hostname verification', () => {
  it('fails on a listener whose certificate names another host, with one clear error', async () => {
    const result = await overTls(['topics', ...keystore, ...patient], kafka.tlsWrongHostBootstrap);
    const error = expectOneError(result, 1);
    expect(error).toMatch(new RegExp(`^error: TLS handshake with ${kafka.tlsWrongHostBootstrap} failed: .*does not match certificate's altnames`));
    expect(result.stderr).toContain('--skip-hostname-verification');

    const json = await overTls(['topics', ...keystore, ...patient, '--output', 'json'], kafka.tlsWrongHostBootstrap);
    expect(JSON.parse(json.stderr).error.code).toBe('TLS_HOSTNAME');
  });

  it('works with --skip-hostname-verification, which warns', async () => {
    const result = expectOk(await overTls(['topics', '--output', 'json', '--skip-hostname-verification', ...keystore], kafka.tlsWrongHostBootstrap));
    expect(Array.isArray(JSON.parse(result.stdout))).toBe(true);
    expect(result.stderr).toBe(
      'warning: TLS hostname verification is off (--skip-hostname-verification): the broker certificate is checked against the CA but not against its address.\n',
    );
  });
});

describe('TLS errors', () => {
  it('a wrong keystore password is a usage error that never shows the password', async () => {
    const wrong = `not-the-password-${uniqueName('pw')}`;
    const result = await overTls(['topics', '--verbose', ...keystore], kafka.tlsBootstrap, { FIREHOSE_KEYSTORE_PASSWORD: wrong });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: Wrong password for keystore ${tls.keystoreFile}.`);
    expect(result.stderr).toContain('hint: Check FIREHOSE_KEYSTORE_PASSWORD.');
    expectNoSecret(result, wrong);
    expectNoSecret(result, tls.keystorePassword);
  });

  it('a keystore without a password in a non-interactive shell fails instead of prompting', async () => {
    const result = await overTls(['topics', ...keystore], kafka.tlsBootstrap, {});
    const error = expectOneError(result, 2);
    expect(error).toBe('error: Keystore password is needed and this shell cannot prompt for it.');
    expect(result.stderr).toContain('FIREHOSE_KEYSTORE_PASSWORD');
  });

  it('a missing --ca-file names the path', async () => {
    const missing = `/nonexistent/${uniqueName('ca')}.pem`;
    const result = await overTls(['topics', '--ca-file', missing, '--keystore', tls.keystoreFile]);
    const error = expectOneError(result, 2);
    expect(error).toBe(`error: --ca-file file ${missing} does not exist.`);
  });

  it('a --ca-file that is not PEM says so, naming the file, instead of "self-signed certificate in certificate chain"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firehose-ca-'));
    try {
      const garbage = join(dir, 'garbage.pem');
      await writeFile(garbage, 'this is not a certificate\n');
      const result = await overTls(['topics', '--ca-file', garbage, '--keystore', tls.keystoreFile, ...patient]);
      expect(expectOneError(result, 2)).toBe(`error: --ca-file file ${garbage} is not a valid PEM certificate: it holds no -----BEGIN CERTIFICATE----- block.`);
      expect(result.stderr).not.toMatch(/self[- ]signed/);

      const broken = join(dir, 'broken.pem');
      await writeFile(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
      const brokenResult = await overTls(['topics', '--ca-file', broken, '--keystore', tls.keystoreFile, '--output', 'json']);
      expect(brokenResult.code).toBe(2);
      const { error } = JSON.parse(brokenResult.stderr) as { error: { code: string; message: string } };
      expect(error.code).toBe('TLS_FILE_INVALID');
      expect(error.message).toMatch(new RegExp(`^--ca-file file ${broken} is not a valid PEM certificate: certificate 1 of 1 does not parse \\(.+\\)\\.$`));

      // The right CA in DER form: the hint says how to convert it.
      const der = join(dir, 'ca.der');
      await writeFile(der, new X509Certificate(await readFile(tls.caFile)).raw);
      const derResult = await overTls(['topics', '--ca-file', der, '--keystore', tls.keystoreFile]);
      expectOneError(derResult, 2);
      expect(derResult.stderr).toContain(`hint: It is a DER certificate: convert it with \`openssl x509 -inform der -in ${der} -out cert.pem\` and pass cert.pem.`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Java (Apache Kafka) alerts "bad certificate"; Node's TLS (the embedded broker) "certificate required", as TLS 1.3 says.
  it('no client certificate against the mutual-TLS listener: the broker refuses, and says what to pass', async () => {
    const result = await overTls(['topics', '--ca-file', tls.caFile, ...patient], kafka.tlsBootstrap, {});
    const error = expectOneError(result, 1);
    expect(error).toMatch(new RegExp(`^error: TLS handshake with ${kafka.tlsBootstrap} failed: .*(bad certificate|certificate required)`));
    expect(result.stderr).toContain('hint: The broker wants a client certificate it trusts: pass --keystore (PKCS#12) or --cert-file/--key-file.');
  });

  it('a CA that did not sign the broker certificate is reported as untrusted', async () => {
    // The client certificate is no CA: as --ca-file it cannot verify the broker. (PEM client
    // files, since Node would also trust the CA that the PKCS#12 keystore carries.)
    const result = await overTls(
      ['topics', '--ca-file', tls.certFile, '--cert-file', tls.certFile, '--key-file', tls.keyFile, ...patient, '--output', 'json'],
      kafka.tlsBootstrap,
      {},
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const { error } = JSON.parse(result.stderr) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe('TLS_UNTRUSTED');
    expect(error.message).toMatch(new RegExp(`^TLS handshake with ${kafka.tlsBootstrap} failed: `));
    expect(error.hint).toContain('--ca-file');
  });

  it('TLS flags against the plaintext listener fail (no hang) and point at the TLS listener', async () => {
    const started = Date.now();
    const result = await overTls(['topics', ...keystore, ...patient], kafka.bootstrap);
    expect(Date.now() - started).toBeLessThan(20_000);
    const error = expectOneError(result, 1);
    expect(error).toContain(kafka.bootstrap);
    expect(result.stderr).toContain('hint: This port does not speak TLS');
  });
});
