// Writes a PKCS#12 keystore (RFC 7292) as OpenSSL 3 does by default: the private key in a
// PKCS#8 shrouded bag and the certificates in an encrypted bag, both PBES2 (PBKDF2 with
// HMAC-SHA256, AES-256-CBC), and an HMAC-SHA256 MAC over the lot. Java 17+, librdkafka
// (OpenSSL) and Node's tls read it. Node reads PKCS#12 but cannot write it, and firehose must
// not need the openssl command at run time, so the few DER structures are written here.
import { createCipheriv, createHash, createHmac, createPrivateKey, pbkdf2Sync, randomBytes, X509Certificate } from 'node:crypto';

export interface Pkcs12Options {
  /** PEM private key (PKCS#8 or the traditional forms Node reads). */
  keyPem: string;
  /** PEM certificate of that key. */
  certificatePem: string;
  /** PEM certificates of its chain (the CA), stored after it. */
  chainPems?: string[];
  password: string;
  /** The entry's alias (friendlyName), as `openssl pkcs12 -name` and keytool's alias. */
  alias?: string;
  /** PBKDF2 and MAC iterations: OpenSSL's default 2048 unless given. */
  iterations?: number;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha256: '2.16.840.1.101.3.4.2.1',
};

/** The keystore's bytes. */
export function writePkcs12(options: Pkcs12Options): Buffer {
  const iterations = options.iterations ?? 2048;
  const certificate = new X509Certificate(options.certificatePem);
  // OpenSSL's localKeyId: the SHA-1 of the certificate, tying the key to its certificate.
  const localKeyId = createHash('sha1').update(certificate.raw).digest();
  const attributes = set(
    seq(oid(OID.localKeyId), set(octets(localKeyId))),
    ...(options.alias ? [seq(oid(OID.friendlyName), set(bmpString(options.alias)))] : []),
  );
  const key = createPrivateKey(options.keyPem).export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: options.password });
  const keyBag = seq(oid(OID.shroudedKeyBag), explicit(0, key), attributes);
  const certBag = (der: Buffer, attrs?: Buffer) => seq(oid(OID.certBag), explicit(0, seq(oid(OID.x509Certificate), explicit(0, octets(der)))), ...(attrs ? [attrs] : []));
  const chain = (options.chainPems ?? []).map((pem) => certBag(new X509Certificate(pem).raw));
  const certs = seq(certBag(certificate.raw, attributes), ...chain);

  const authSafe = seq(
    seq(oid(OID.encryptedData), explicit(0, seq(integer(0), encrypt(certs, options.password, iterations)))),
    seq(oid(OID.data), explicit(0, octets(seq(keyBag)))),
  );
  const macSalt = randomBytes(8);
  const macKey = pkcs12Kdf(options.password, macSalt, 3, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  return seq(
    integer(3),
    seq(oid(OID.data), explicit(0, octets(authSafe))),
    seq(seq(seq(oid(OID.sha256), tlv(0x05, Buffer.alloc(0))), octets(mac)), octets(macSalt), integer(iterations)),
  );
}

/** EncryptedContentInfo of `content` with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC). */
function encrypt(content: Buffer, password: string, iterations: number): Buffer {
  const salt = randomBytes(8);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(content), cipher.final()]);
  const algorithm = seq(
    oid(OID.pbes2),
    seq(
      seq(oid(OID.pbkdf2), seq(octets(salt), integer(iterations), seq(oid(OID.hmacWithSha256), tlv(0x05, Buffer.alloc(0))))),
      seq(oid(OID.aes256Cbc), octets(iv)),
    ),
  );
  return seq(oid(OID.data), algorithm, tlv(0x80, encrypted));
}

/** RFC 7292 appendix B.2 with SHA-256: the MAC key from the password (BMPString, NUL-terminated). */
export function pkcs12Kdf(password: string, salt: Buffer, id: number, iterations: number, length: number): Buffer {
  const u = 32;
  const v = 64;
  const pass = Buffer.concat([bmpBytes(password), Buffer.alloc(2)]);
  const repeat = (bytes: Buffer) => {
    if (bytes.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(bytes.length / v));
    for (let i = 0; i < out.length; i++) out[i] = bytes[i % bytes.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([repeat(salt), repeat(pass)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash('sha256').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha256').update(A).digest();
    out.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u]!;
    // Ij = (Ij + B + 1) mod 2^(8v), for each v-byte block of I.
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, length);
}

function bmpBytes(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

// DER, only what the structures above use.
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (bytes: Buffer) => tlv(0x04, bytes);
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
const bmpString = (text: string) => tlv(0x1e, bmpBytes(text));

function integer(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift((rest & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}
