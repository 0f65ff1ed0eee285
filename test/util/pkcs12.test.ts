// The PKCS#12 writer and the certificate maker: what firehose writes, Node's TLS, OpenSSL
// and Java's keytool read, with the key, its certificate and the CA chain in place.
import { execa } from 'execa';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { writePkcs12 } from '../../src/util/pkcs12.js';
import { issueCertificate, signedBy } from '../../src/util/x509.js';

const dir = mkdtempSync(join(tmpdir(), 'firehose-pkcs12-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PKCS#12 keystores and certificates made in-process', () => {
  for (const keyType of ['ec', 'rsa'] as const) {
    it(`${keyType}: a CA-signed client certificate in a keystore that Node, openssl and keytool open with the password, and no other`, { timeout: 60_000 }, async () => {
      const ca = await issueCertificate({ subject: 'CN=test-ca', days: 1, ca: true, keyType });
      const leaf = await issueCertificate({ subject: 'CN=test-client', days: 1, issuer: ca, usages: ['clientAuth'], keyType });
      expect(signedBy(leaf.certificatePem, ca.certificatePem)).toBe(true);
      expect(new X509Certificate(leaf.certificatePem).checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
      const pfx = writePkcs12({ keyPem: leaf.keyPem, certificatePem: leaf.certificatePem, chainPems: [ca.certificatePem], password: 'pä55 word', alias: 'client' });
      createSecureContext({ pfx, passphrase: 'pä55 word' });
      expect(() => createSecureContext({ pfx, passphrase: 'wrong' })).toThrow(/mac verify failure/i);
      const file = join(dir, `${keyType}.p12`);
      writeFileSync(file, pfx);
      const info = await execa('openssl', ['pkcs12', '-info', '-in', file, '-passin', 'pass:pä55 word', '-nokeys'], { all: true });
      expect(info.all).toContain('MAC: sha256');
      expect(info.all).toContain('PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC');
      // openssl checked the MAC (the PKCS#12 key derivation) and decrypted the certificates.
      expect(info.all).toMatch(/subject=CN ?= ?test-client/);
      expect(info.all).toMatch(/subject=CN ?= ?test-ca/);
      // keytool with an ASCII password: it refuses non-ASCII ones even in keystores openssl wrote.
      const ascii = join(dir, `${keyType}-ascii.p12`);
      writeFileSync(ascii, writePkcs12({ keyPem: leaf.keyPem, certificatePem: leaf.certificatePem, chainPems: [ca.certificatePem], password: 'cc 2023', alias: 'client' }));
      const keytool = await execa('keytool', ['-list', '-v', '-keystore', ascii, '-storetype', 'PKCS12', '-storepass', 'cc 2023'], { all: true, reject: false });
      expect(keytool.exitCode, keytool.all).toBe(0);
      expect(keytool.all).toMatch(/Alias name: client\s+Creation date: .*\s+Entry type: PrivateKeyEntry\s+Certificate chain length: 2/);
    });
  }
});
