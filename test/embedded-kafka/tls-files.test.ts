// `kafka start --tls`'s folder: made when empty, taken as it is when complete, and a clear
// error (naming the files, never the password) when what is there does not fit together.
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareTlsFiles, TLS_FILES } from '../../src/embedded-kafka/tls-files.js';
import { issueCertificate } from '../../src/util/x509.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firehose-tls-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the TLS files of kafka start --tls', () => {
  it('makes every file once, names the --host in the server certificate, and takes them the second time', async () => {
    const first = await prepareTlsFiles({ dir, keystorePassword: 'cc2023', hosts: ['broker.example', '10.0.0.7'] });
    expect(first.made.map((f) => f.slice(dir.length + 1)).sort()).toEqual(Object.values(TLS_FILES).sort());
    expect(first.keystorePassword).toBe('cc2023');
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(first.server.certificatePem).subjectAltName).toBe('DNS:localhost, DNS:broker.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.0.7');
    const second = await prepareTlsFiles({ dir, keystorePassword: 'ignored-now' });
    expect(second.made).toEqual([]);
    expect(second.keystorePassword).toBe('cc2023');
    expect(second.caPem).toBe(first.caPem);
    expect(second.warnings).toEqual([]);
    const moved = await prepareTlsFiles({ dir, hosts: ['kafka.lab.example'] });
    expect(moved.warnings).toEqual([`${join(dir, 'server.crt')} does not name kafka.lab.example: clients that verify the host name will refuse it there (delete ${join(dir, 'server.crt')} and ${join(dir, 'server.key')} to have one made that does)`]);
  });

  it('a random keystore password when none is given, kept in kafka.keystore.password', async () => {
    const made = await prepareTlsFiles({ dir });
    expect(made.keystorePassword).toMatch(/^[\w-]{16}$/);
    expect(readFileSync(join(dir, TLS_FILES.password), 'utf8')).toBe(`${made.keystorePassword}\n`);
  });

  it('refuses a server certificate another CA signed, a lone key, and a keystore whose password it does not know', async () => {
    await prepareTlsFiles({ dir, keystorePassword: 'cc2023' });
    const stranger = await issueCertificate({ subject: 'CN=other-ca', days: 1, ca: true });
    const foreign = await issueCertificate({ subject: 'CN=localhost', days: 1, issuer: stranger });
    writeFileSync(join(dir, TLS_FILES.server), foreign.certificatePem);
    writeFileSync(join(dir, TLS_FILES.serverKey), foreign.keyPem);
    await expect(prepareTlsFiles({ dir })).rejects.toThrow(`cannot use ${join(dir, 'server.crt')} and ${join(dir, 'server.key')}: ${join(dir, 'server.crt')} is not signed by ${join(dir, 'ca.crt')}`);
    unlinkSync(join(dir, TLS_FILES.server));
    await expect(prepareTlsFiles({ dir })).rejects.toThrow(`${join(dir, 'server.key')} is there but ${join(dir, 'server.crt')} is not`);
    unlinkSync(join(dir, TLS_FILES.serverKey));
    writeFileSync(join(dir, TLS_FILES.password), 'not-it\n');
    const wrong = await prepareTlsFiles({ dir }).catch((e: Error) => e);
    expect(String(wrong)).toContain(`cannot open ${join(dir, 'kafka.keystore.pkcs12')} with the password in ${join(dir, 'kafka.keystore.password')}`);
    expect(String(wrong)).not.toContain('not-it');
    unlinkSync(join(dir, TLS_FILES.password));
    await expect(prepareTlsFiles({ dir })).rejects.toThrow(/kafka\.keystore\.pkcs12 is there but .*kafka\.keystore\.password is not, so its password is unknown/);
  });
});
