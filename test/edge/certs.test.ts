// `firehose certs`: the link's key and self-signed certificate for *.<domain> and the two Secrets
// of seed 002. openssl accepts the certificate, and a real Apache Kafka TLS listener serving it
// is trusted by firehose's client with --ca-file for a name under the domain (hostname
// verification on) and refused for a name outside it.
import { execa } from 'execa';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { resolveConnection } from '../../src/config/connection.js';
import { FirehoseError } from '../../src/errors.js';
import { createKafkaClient } from '../../src/kafka/connect.js';
import { silentLogger } from '../../src/logger.js';
import { listTopics } from '../../src/kafka/topics.js';
import { runCli } from '../support/cli.js';
import { startKafka, type KafkaHandle } from '../support/kafka.js';

const DOMAIN = 'apps.firehose.test';
let dir: string;
let kafka: KafkaHandle | undefined;

interface Secret { metadata: { name: string }; type: string; data: Record<string, string> }
const decode = (secret: Secret, key: string) => Buffer.from(secret.data[key]!, 'base64').toString();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firehose-certs-'));
});

afterAll(async () => {
  await kafka?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('firehose certs', () => {
  it('writes the two Secrets (the key only in the file --key-out names, mode 0600) and never prints the key', async () => {
    const result = await runCli(['certs', '--domain', DOMAIN, '--out', join(dir, 'gitops'), '--key-out', join(dir, 'private', 'key-secret.yaml'), '--cert-out', join(dir, 'ca.pem')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Certificate C=DE, OU=Manuela, CN=\*\.apps\.firehose\.test for \*\.apps\.firehose\.test, apps\.firehose\.test, valid until /);
    expect(result.stdout + result.stderr).not.toMatch(/PRIVATE KEY|tls\.key:/);
    expect(result.stderr).not.toContain('anti-pattern');
    const certificate = YAML.parse(await readFile(join(dir, 'gitops', 'kafka-tls-certificate.yaml'), 'utf8')) as Secret;
    expect(certificate.metadata.name).toBe('kafka-tls-certificate');
    expect(Object.keys(certificate.data)).toEqual(['tls.crt']);
    const withKey = YAML.parse(await readFile(join(dir, 'private', 'key-secret.yaml'), 'utf8')) as Secret;
    expect(withKey).toMatchObject({ metadata: { name: 'kafka-tls-certificate-and-key' }, type: 'kubernetes.io/tls' });
    expect(decode(withKey, 'tls.key')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(decode(withKey, 'tls.crt')).toBe(decode(certificate, 'tls.crt'));
    expect(decode(certificate, 'tls.crt')).toBe(await readFile(join(dir, 'ca.pem'), 'utf8'));
    expect((await stat(join(dir, 'private', 'key-secret.yaml'))).mode & 0o777).toBe(0o600);
    await expect(stat(join(dir, 'gitops', 'kafka-tls-certificate-and-key.yaml'))).rejects.toThrow();
  });

  it('says that a key in the GitOps folder is an anti-pattern, and refuses bad input with one line', async () => {
    const result = await runCli(['certs', '--domain', DOMAIN, '--out', join(dir, 'all-in-git')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/private key in Git is an anti-pattern.*--key-out/);
    const nowhere = await runCli(['certs', '--domain', DOMAIN]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/^error: Say where the certificate goes\.\nhint: Give --out DIR/);
    const bad = await runCli(['certs', '--domain', 'not a domain', '--out', join(dir, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --domain "not a domain" is not a DNS domain\./);
  });

  it('openssl reads the certificate as the seed\'s (subject, *.<domain>) and verifies it against itself; the key is its key', async () => {
    const ca = join(dir, 'ca.pem');
    const subject = await execa('openssl', ['x509', '-in', ca, '-noout', '-subject', '-ext', 'subjectAltName']);
    expect(subject.stdout).toContain('subject=C = DE, OU = Manuela, CN = *.apps.firehose.test');
    expect(subject.stdout).toContain('DNS:*.apps.firehose.test');
    const verify = await execa('openssl', ['verify', '-CAfile', ca, ca], { reject: false });
    expect(verify.stdout, verify.stderr).toBe(`${ca}: OK`);
    const withKey = YAML.parse(await readFile(join(dir, 'private', 'key-secret.yaml'), 'utf8')) as Secret;
    await writeFile(join(dir, 'key.pem'), decode(withKey, 'tls.key'), { mode: 0o600 });
    const fromKey = await execa('openssl', ['pkey', '-in', join(dir, 'key.pem'), '-pubout']);
    const fromCert = await execa('openssl', ['x509', '-in', ca, '-noout', '-pubkey']);
    expect(fromKey.stdout).toBe(fromCert.stdout);
  });

  it('an Apache Kafka TLS listener with it: trusted with --ca-file for a name under the domain, refused for one outside', { timeout: 180_000 }, async () => {
    const withKey = YAML.parse(await readFile(join(dir, 'private', 'key-secret.yaml'), 'utf8')) as Secret;
    const pem = join(dir, 'listener.pem');
    await writeFile(pem, `${decode(withKey, 'tls.key')}${decode(withKey, 'tls.crt')}`, { mode: 0o600 });
    kafka = await startKafka({ extraListeners: [{ name: 'LINK', advertised: `kafka.${DOMAIN}:{port}`, pem }] });
    const port = Number(kafka.extraListeners!.LINK!.split(':')[1]);
    // The names are not in DNS here: every connection goes through a tunnel (as through the
    // cluster's port-forward) to the listener on loopback, and the client checks the
    // certificate against the name it was given.
    const topicsAs = async (host: string) => {
      const settings = resolveConnection({ bootstrap: `${host}:${port}`, caFile: join(dir, 'ca.pem'), connectTimeout: '10s' }, {}, {});
      const tunnel = { open: async () => net.connect({ host: '127.0.0.1', port }) };
      const client = await createKafkaClient(settings, { env: {}, log: silentLogger, tunnel });
      try {
        return await listTopics(client);
      } finally {
        await client.close();
      }
    };
    expect(Array.isArray(await topicsAs(`kafka.${DOMAIN}`))).toBe(true);
    const refused = await topicsAs('kafka.elsewhere.test').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FirehoseError);
    expect((refused as FirehoseError).code).toBe('TLS_HOSTNAME');
  });
});
