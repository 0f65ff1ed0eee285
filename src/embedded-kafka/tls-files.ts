// The files of `firehose kafka start --tls`, made if missing and taken as they are if present:
// a CA (ca.crt, ca.key), the broker's certificate signed by it (server.crt, server.key) and a
// client's (client.crt, client.key, and the same as kafka.keystore.pkcs12 with its password in
// kafka.keystore.password): what the workshop hands out as auth/ca.crt and
// auth/kafka.keystore.pkcs12. Keys and the password file are written mode 0600.
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext as tlsContext } from 'node:tls';
import { FirehoseError } from '../errors.js';
import { writePkcs12 } from '../util/pkcs12.js';
import { issueCertificate, signedBy, type KeyAndCertificate } from '../util/x509.js';

export const TLS_FILES = {
  ca: 'ca.crt',
  caKey: 'ca.key',
  server: 'server.crt',
  serverKey: 'server.key',
  client: 'client.crt',
  clientKey: 'client.key',
  keystore: 'kafka.keystore.pkcs12',
  password: 'kafka.keystore.password',
} as const;

export interface TlsFilesOptions {
  dir: string;
  /** The password of a keystore made here; default: a random one. A keystore already there is opened with the password file's. */
  keystorePassword?: string;
  /** Host names and addresses the server certificate names besides localhost, 127.0.0.1 and ::1 (the --host). */
  hosts?: string[];
  /** Flag that named the folder, for messages. Default --tls-dir. */
  dirFlag?: string;
}

export interface TlsFiles {
  dir: string;
  /** Paths by role. */
  files: { [K in keyof typeof TLS_FILES]: string };
  /** Files written now (the rest were there and are used as they are). */
  made: string[];
  /** The broker's key and certificate and the CA, for the listener. */
  server: KeyAndCertificate;
  caPem: string;
  /** Never printed. */
  keystorePassword: string;
  /** What a user should know, e.g. a server certificate taken as it is that does not name the --host. */
  warnings: string[];
}

const CA_DAYS = 3650;
const LEAF_DAYS = 825;

/** Makes what is missing in `dir` and reads the rest. */
export async function prepareTlsFiles(options: TlsFilesOptions): Promise<TlsFiles> {
  const flag = options.dirFlag ?? '--tls-dir';
  const dir = options.dir;
  const files = Object.fromEntries(Object.entries(TLS_FILES).map(([k, name]) => [k, join(dir, name)])) as TlsFiles['files'];
  const made: string[] = [];
  const fail = (message: string, hint: string) => new FirehoseError('BROKER_TLS_FILES', message, { hint });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw fail(`cannot create ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, `pick another ${flag}`);
  }
  const write = (path: string, text: string | Buffer, secret: boolean) => {
    try {
      writeFileSync(path, text, { mode: secret ? 0o600 : 0o644 });
      if (secret) chmodSync(path, 0o600);
    } catch (error) {
      throw fail(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, `check the permissions of ${dir}, or pick another ${flag}`);
    }
    made.push(path);
  };
  const read = (path: string) => readFileSync(path, 'utf8');

  /** A key pair of files: both there (checked), neither (made), or one (an error). */
  const pair = async (certPath: string, keyPath: string, make: () => Promise<KeyAndCertificate>, issuer?: string): Promise<KeyAndCertificate> => {
    const haveCert = existsSync(certPath);
    const haveKey = existsSync(keyPath);
    if (haveCert !== haveKey) {
      throw fail(`${haveCert ? certPath : keyPath} is there but ${haveCert ? keyPath : certPath} is not`, `put the missing file beside it, or delete both to have new ones made`);
    }
    if (!haveCert) {
      const made = await make();
      write(keyPath, made.keyPem, true);
      write(certPath, made.certificatePem, false);
      return made;
    }
    const found = { certificatePem: read(certPath), keyPem: read(keyPath) };
    try {
      const certificate = new X509Certificate(found.certificatePem);
      if (!certificate.checkPrivateKey(createPrivateKey(found.keyPem))) throw new Error(`${keyPath} is not the key of ${certPath}`);
      if (issuer && !signedBy(found.certificatePem, issuer)) throw new Error(`${certPath} is not signed by ${files.ca}`);
    } catch (error) {
      throw fail(`cannot use ${certPath} and ${keyPath}: ${(error as Error).message}`, `fix or delete them (new ones are made when both are missing)`);
    }
    return found;
  };

  const ca = await pair(files.ca, files.caKey, () => issueCertificate({ subject: 'CN=firehose-kafka-ca', days: CA_DAYS, ca: true }));
  const hosts = ['localhost', '127.0.0.1', '::1', ...(options.hosts ?? []).filter((h) => h && h !== '0.0.0.0' && h !== '::')];
  const server = await pair(files.server, files.serverKey, () =>
    issueCertificate({
      subject: 'CN=localhost',
      days: LEAF_DAYS,
      issuer: ca,
      usages: ['serverAuth', 'clientAuth'],
      dnsNames: [...new Set(hosts.filter((h) => !isIP(h)))],
      ipAddresses: [...new Set(hosts.filter((h) => isIP(h)))],
    }), ca.certificatePem);
  const warnings: string[] = [];
  if (!made.includes(files.server)) {
    const certificate = new X509Certificate(server.certificatePem);
    const unnamed = hosts.filter((h) => (isIP(h) ? certificate.checkIP(h) : certificate.checkHost(h)) === undefined);
    if (unnamed.length > 0) warnings.push(`${files.server} does not name ${unnamed.join(', ')}: clients that verify the host name will refuse it there (delete ${files.server} and ${files.serverKey} to have one made that does)`);
  }
  const client = await pair(files.client, files.clientKey, () => issueCertificate({ subject: 'CN=firehose-kafka-client', days: LEAF_DAYS, issuer: ca, usages: ['clientAuth'] }), ca.certificatePem);

  let keystorePassword: string;
  if (existsSync(files.password)) keystorePassword = read(files.password).replace(/\r?\n$/, '');
  else if (existsSync(files.keystore) && options.keystorePassword === undefined) {
    throw fail(`${files.keystore} is there but ${files.password} is not, so its password is unknown`, `write its password to ${files.password}, set FIREHOSE_KEYSTORE_PASSWORD, or delete the keystore to have a new one made`);
  } else {
    keystorePassword = options.keystorePassword ?? randomBytes(12).toString('base64url');
    write(files.password, `${keystorePassword}\n`, true);
  }
  if (!existsSync(files.keystore)) {
    write(files.keystore, writePkcs12({ keyPem: client.keyPem, certificatePem: client.certificatePem, chainPems: [ca.certificatePem], password: keystorePassword, alias: 'client' }), true);
  } else {
    try {
      tlsContext({ pfx: readFileSync(files.keystore), passphrase: keystorePassword });
    } catch (error) {
      throw fail(`cannot open ${files.keystore} with the password in ${files.password}: ${(error as Error).message}`, `put the keystore's password in ${files.password}, or delete the keystore to have a new one made`);
    }
  }
  return { dir, files, made, server, caPem: ca.certificatePem, keystorePassword, warnings };
}
