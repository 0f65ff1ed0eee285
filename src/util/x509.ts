// Keys and X.509 certificates made in-process with @peculiar/x509 over Node's WebCrypto: a
// CA, certificates it signs (a broker's server certificate, a client certificate) and
// self-signed ones (edge/certs.ts). No openssl command is needed at run time.
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';

export type X509 = typeof import('@peculiar/x509');

let loaded: Promise<X509> | undefined;

/** @peculiar/x509 with Node's WebCrypto as its provider, loaded once and only when needed. */
export function loadX509(): Promise<X509> {
  return (loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })());
}

/** A certificate and its private key, both PEM. */
export interface KeyAndCertificate {
  certificatePem: string;
  /** PKCS#8 PEM, unencrypted: written only to files of mode 0600. */
  keyPem: string;
}

export interface CertificateRequest {
  /** Distinguished name, e.g. "CN=localhost". */
  subject: string;
  days: number;
  /** Signed by this CA; without it, self-signed. */
  issuer?: KeyAndCertificate;
  /** A CA certificate (basicConstraints CA:TRUE, keyCertSign). */
  ca?: boolean;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Extended key usages; default none (a CA) or both. */
  usages?: Array<'serverAuth' | 'clientAuth'>;
  /** EC P-256 (instant; the default) or RSA 2048 (what `openssl req -newkey rsa:2048` makes). */
  keyType?: 'ec' | 'rsa';
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

/** The WebCrypto algorithm of a PEM private key (EC P-256/384 or RSA) for signing with it. */
function algorithmOf(keyPem: string): typeof EC | typeof RSA {
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType === 'rsa') return RSA;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return EC;
    if (curve === 'secp384r1') return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  }
  throw new Error(`keys of type ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''} cannot sign here: use an RSA or EC P-256/P-384 key`);
}

/** A new key and a certificate for it, self-signed or signed by `issuer`. */
export async function issueCertificate(request: CertificateRequest): Promise<KeyAndCertificate> {
  const x509 = await loadX509();
  const algorithm = request.keyType === 'rsa' ? RSA : EC;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  let signingKey = keys.privateKey;
  let signingAlgorithm: typeof EC | typeof RSA = algorithm;
  let issuerName = request.subject;
  const extensions: InstanceType<X509['Extension']>[] = [];
  if (request.issuer) {
    signingAlgorithm = algorithmOf(request.issuer.keyPem);
    const der = createPrivateKey(request.issuer.keyPem).export({ format: 'der', type: 'pkcs8' });
    signingKey = await webcrypto.subtle.importKey('pkcs8', der, signingAlgorithm, false, ['sign']);
    const issuer = new x509.X509Certificate(request.issuer.certificatePem);
    issuerName = issuer.subject;
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer, false, webcrypto as never));
  }
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // a positive serial number
  const notBefore = new Date(Date.now() - 60_000);
  const usages = request.usages ?? (request.ca ? [] : ['serverAuth', 'clientAuth']);
  if (request.ca) {
    extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
    // A CA that is also a server's certificate (edge/certs.ts) signs handshakes, and with RSA enciphers keys.
    const flags = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature | (algorithm === RSA ? x509.KeyUsageFlags.keyEncipherment : 0);
    extensions.push(new x509.KeyUsagesExtension(flags, true));
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    const flags = x509.KeyUsageFlags.digitalSignature | (algorithm === RSA ? x509.KeyUsageFlags.keyEncipherment : 0);
    extensions.push(new x509.KeyUsagesExtension(flags, true));
  }
  if (usages.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(usages.map((u) => x509.ExtendedKeyUsage[u])));
  const names = [...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never, false, webcrypto as never));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: request.subject,
    issuer: issuerName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + request.days * 86_400_000),
    signingAlgorithm,
    publicKey: keys.publicKey as never,
    signingKey: signingKey as never,
    extensions,
  });
  const certificatePem = `${certificate.toString('pem')}\n`;
  const keyPem = `${x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY')}\n`;
  return { certificatePem, keyPem };
}

/** Whether `certificatePem` was signed by the CA `caPem` (its issuer and signature). */
export function signedBy(certificatePem: string, caPem: string): boolean {
  const certificate = new X509Certificate(certificatePem);
  const ca = new X509Certificate(caPem);
  return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
}
