/**
 * `firehose certs`: the key and self-signed certificate for the cross-cluster link of seed 002
 * (the central Kafka's external listener under the router's wildcard domain, trusted by the
 * factory's MirrorMaker2), and the two Secrets the seed edits by hand with openssl, base64 and
 * sed: `kafka-tls-certificate-and-key` (tls.crt, tls.key) and `kafka-tls-certificate` (tls.crt).
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ClusterClient } from '../cluster/connect.js';
import { UsageError } from '../errors.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, managedLabels } from '../labels.js';
import { issueCertificate, loadX509 } from '../util/x509.js';

/** The seed's names for the two Secrets. */
export const LINK_SECRETS = { certificateAndKey: 'kafka-tls-certificate-and-key', certificate: 'kafka-tls-certificate' };

export interface LinkCertificateOptions {
  /** The router's wildcard domain: the certificate is for `*.<domain>`. */
  domain: string;
  days: number;
  /** Default: the seed's `C=DE, OU=Manuela, CN=*.<domain>`. */
  subject?: string;
}

export interface LinkCertificate {
  certificatePem: string;
  /** PKCS#8 PEM: never printed, only written where the user said. */
  keyPem: string;
  subject: string;
  dnsNames: string[];
  notAfter: string;
  fingerprint256: string;
}

/** A DNS domain (labels of letters, digits and dashes), as the router's wildcard takes it. */
export function checkDomain(domain: string): string {
  const name = domain.trim().replace(/^\*\./, '').replace(/\.$/, '');
  const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;
  if (!name.includes('.') || !name.split('.').every((part) => label.test(part))) {
    throw new UsageError(`--domain "${domain}" is not a DNS domain.`, 'Give the router\'s wildcard domain, e.g. --domain apps.cluster.example.com (the certificate is for *.<domain>).');
  }
  return name.toLowerCase();
}

/** Key (RSA 2048, as the seed's `openssl req -newkey rsa:2048`) and self-signed certificate for `*.<domain>`. */
export async function createLinkCertificate(options: LinkCertificateOptions): Promise<LinkCertificate> {
  const domain = checkDomain(options.domain);
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 3650) throw new UsageError(`--days must be a whole number from 1 to 3650, not ${options.days}.`);
  const x509 = await loadX509();
  const subject = options.subject ?? `C=DE, OU=Manuela, CN=*.${domain}`;
  let name: string;
  try {
    name = new x509.Name(subject.startsWith('/') ? subject.slice(1).split('/').join(', ') : subject).toString();
  } catch (error) {
    throw new UsageError(`--subject "${subject}" is not a distinguished name: ${(error as Error).message}`, 'Example: --subject "C=DE, OU=Manuela, CN=*.apps.example.com" (or the openssl form /C=DE/OU=Manuela/CN=...).');
  }
  const dnsNames = [`*.${domain}`, domain];
  // RSA 2048 as the seed's `openssl req -newkey rsa:2048`; a CA certificate, as `openssl req -x509`
  // writes, so that it is also the trust anchor MirrorMaker2 and clients are given.
  const { certificatePem, keyPem } = await issueCertificate({ subject: name, days: options.days, ca: true, keyType: 'rsa', usages: ['serverAuth', 'clientAuth'], dnsNames });
  const parsed = new X509Certificate(certificatePem);
  return { certificatePem, keyPem, subject: parsed.subject.split('\n').join(', '), dnsNames, notAfter: parsed.validTo, fingerprint256: parsed.fingerprint256 };
}

export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations?: Record<string, string> };
  type: string;
  data: Record<string, string>;
}

/** The two Secrets of the link, as the seed's GitOps files hold them (base64 data). */
export function linkSecrets(cert: LinkCertificate, options: { namespace?: string; user?: number; names?: Partial<typeof LINK_SECRETS> }): { certificateAndKey: SecretObject; certificate: SecretObject } {
  const names = { ...LINK_SECRETS, ...options.names };
  const labels = options.user === undefined ? { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } : managedLabels(options.user);
  const metadata = (name: string) => ({ name, ...(options.namespace ? { namespace: options.namespace } : {}), labels });
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return {
    certificateAndKey: { apiVersion: 'v1', kind: 'Secret', metadata: metadata(names.certificateAndKey), type: 'kubernetes.io/tls', data: { 'tls.crt': b64(cert.certificatePem), 'tls.key': b64(cert.keyPem) } },
    certificate: { apiVersion: 'v1', kind: 'Secret', metadata: metadata(names.certificate), type: 'Opaque', data: { 'tls.crt': b64(cert.certificatePem) } },
  };
}

export interface WrittenFile {
  path: string;
  /** What the file holds: a Secret's YAML, or the certificate as PEM. */
  holds: string;
  /** True for the files with the private key (written 0600). */
  secret: boolean;
}

export interface WriteOptions {
  /** The GitOps folder: both Secrets' YAML, unless keyOut takes the one with the key. */
  out?: string;
  /** The Secret with the key goes here instead of the folder (kept out of Git). */
  keyOut?: string;
  /** The certificate as PEM, for `--ca-file` and MirrorMaker2 by hand. */
  certOut?: string;
}

async function write(path: string, text: string, secret: boolean): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { mode: secret ? 0o600 : 0o644 });
    if (secret) await chmod(path, 0o600);
  } catch (error) {
    throw new UsageError(`Cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Check that the folder is writable.', { code: 'WRITE_FAILED' });
  }
}

/** Writes the Secrets as YAML files (and the certificate as PEM where asked). */
export async function writeLinkFiles(cert: LinkCertificate, secrets: ReturnType<typeof linkSecrets>, options: WriteOptions): Promise<WrittenFile[]> {
  const YAML = await import('yaml');
  const files: WrittenFile[] = [];
  const yaml = (object: SecretObject) => YAML.stringify(object);
  if (options.out !== undefined) {
    const path = join(options.out, `${secrets.certificate.metadata.name}.yaml`);
    await write(path, yaml(secrets.certificate), false);
    files.push({ path, holds: `Secret ${secrets.certificate.metadata.name} (tls.crt)`, secret: false });
  }
  const keyPath = options.keyOut ?? (options.out === undefined ? undefined : join(options.out, `${secrets.certificateAndKey.metadata.name}.yaml`));
  if (keyPath !== undefined) {
    await write(keyPath, yaml(secrets.certificateAndKey), true);
    files.push({ path: keyPath, holds: `Secret ${secrets.certificateAndKey.metadata.name} (tls.crt, tls.key)`, secret: true });
  }
  if (options.certOut !== undefined) {
    await write(options.certOut, cert.certificatePem, false);
    files.push({ path: options.certOut, holds: 'the certificate (PEM)', secret: false });
  }
  return files;
}

/** Applies both Secrets (server-side apply); returns "Secret name: created|configured|unchanged" per Secret. */
export async function applyLinkSecrets(client: ClusterClient, secrets: ReturnType<typeof linkSecrets>, dryRun: boolean): Promise<Array<{ name: string; action: string }>> {
  const { applyObject } = await import('../cluster/apply.js');
  const results: Array<{ name: string; action: string }> = [];
  for (const secret of [secrets.certificateAndKey, secrets.certificate]) {
    const { action } = await applyObject(client, secret as never, { dryRun });
    results.push({ name: secret.metadata.name, action: dryRun ? `${action} (dry run)` : action });
  }
  return results;
}
