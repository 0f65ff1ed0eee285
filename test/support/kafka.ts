// Real Apache Kafka for tests: a single-node KRaft broker run from jars that
// Maven fetches (only package registries are reachable, so no Kafka tarball).
// Used by vitest's globalSetup (one broker per run) and by kafka-cli.ts
// (a detached broker for manual work).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mavenLibs } from './maven.js';

const run = promisify(execFile);

/** Kafka 4.x brokers need Java 17+. Override with FIREHOSE_KAFKA_VERSION. */
export const KAFKA_VERSION = process.env.FIREHOSE_KAFKA_VERSION ?? '4.1.1';
const SUPPORT_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'kafka');
const START_TIMEOUT_MS = Number(process.env.FIREHOSE_KAFKA_START_TIMEOUT_MS ?? 90_000);
const STOP_TIMEOUT_MS = 20_000;

export interface KafkaTls {
  caFile: string;
  keystoreFile: string;
  keystorePassword: string;
  certFile: string;
  keyFile: string;
}

/** What a running broker offers; plain data, so it can be saved as JSON or passed to test workers. */
export interface KafkaInfo {
  bootstrap: string;
  tlsBootstrap: string;
  tlsWrongHostBootstrap: string;
  /** SASL_PLAINTEXT listener accepting PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for `sasl`, and OAUTHBEARER with unsigned JWTs (Kafka's unsecured validator). */
  saslBootstrap: string;
  sasl: KafkaSaslUser;
  tls: KafkaTls;
  dataDir: string;
  logFile: string;
  pid: number;
  /** The extra listeners of StartOptions.extraListeners: name → the loopback host:port it binds. */
  extraListeners?: Record<string, string>;
}

export interface KafkaHandle extends KafkaInfo {
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Working directory (created if missing, removed by stop()). Default: a new temp dir. */
  dir?: string;
  /** Let the broker outlive this process (kafka-cli.ts). Default false: it dies with us. */
  detached?: boolean;
  /**
   * Extra PLAINTEXT listeners, each on its own loopback port and advertising `advertised`
   * (host:port) in Metadata: e.g. the pod address a Strimzi broker advertises
   * (my-cluster-kafka-0.my-cluster-kafka-brokers.kafka.svc:9092), for the port-forward tests.
   * `{port}` in `advertised` is the port the listener got. With `pem` (a file holding a private
   * key and its certificate, as `firehose certs` makes them) the listener is SSL with that
   * certificate and no client authentication.
   */
  extraListeners?: Array<{ name: string; advertised: string; pem?: string }>;
}

export function cacheRoot(): string {
  return process.env.FIREHOSE_TEST_CACHE ?? join(homedir(), '.cache', 'firehose-test');
}

/** Fetches the broker classpath once into the cache; returns the libs dir. */
export async function ensureKafkaJars(): Promise<string> {
  return mavenLibs({
    dir: join(cacheRoot(), `kafka-${KAFKA_VERSION}`),
    args: ['-f', join(SUPPORT_DIR, 'pom.xml'), `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies', '-DincludeScope=runtime'],
    expect: [`kafka_2.13-${KAFKA_VERSION}.jar`],
    what: `Kafka ${KAFKA_VERSION} jars`,
  });
}

/** Ports the OS says are free right now (all bound at once, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import('node:net').Server>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

/**
 * A throwaway CA and certificates signed by it. EC P-256 keys because they are
 * instant to generate. PKCS#12 files use OpenSSL 3's defaults (AES-256-CBC,
 * PBKDF2, HMAC-SHA256): Java 17 and Node's tls both read those; `-legacy`
 * (RC2) would break Node, whose OpenSSL 3 has no legacy provider loaded.
 */
export async function generateTls(dir: string): Promise<KafkaTls & { brokerKeystore: string; wrongHostKeystore: string }> {
  await mkdir(dir, { recursive: true });
  const password = randomBytes(9).toString('base64url');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '7',
    '-subj', '/CN=firehose-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);

  const leaf = async (name: string, cn: string, ext: string): Promise<void> => {
    await writeFile(join(dir, `${name}.ext`), `${ext}\n`);
    await openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '7', '-out', `${name}.pem`, '-extfile', `${name}.ext`]);
    await openssl(dir, ['pkcs12', '-export', '-in', `${name}.pem`, '-inkey', `${name}.key`, '-certfile', 'ca.pem',
      '-name', name, '-out', `${name}.p12`, '-passout', `pass:${password}`]);
  };
  const server = 'extendedKeyUsage=serverAuth,clientAuth';
  await Promise.all([
    leaf('broker', 'localhost', `subjectAltName=DNS:localhost,IP:127.0.0.1\n${server}`),
    leaf('wrong-host', 'wrong.example', `subjectAltName=DNS:wrong.example\n${server}`),
    leaf('client', 'firehose-test-client', 'extendedKeyUsage=clientAuth'),
  ]);
  return {
    caFile: join(dir, 'ca.pem'),
    keystoreFile: join(dir, 'client.p12'),
    keystorePassword: password,
    certFile: join(dir, 'client.pem'),
    keyFile: join(dir, 'client.key'),
    brokerKeystore: join(dir, 'broker.p12'),
    wrongHostKeystore: join(dir, 'wrong-host.p12'),
  };
}

interface Ports { plain: number; ssl: number; ssl2: number; sasl: number; controller: number; extra: Array<{ name: string; port: number; advertised: string; pem?: string }> }

/** The one SASL user the SASL_PLAINTEXT listener knows, for PLAIN and both SCRAMs. */
export interface KafkaSaslUser { username: string; password: string }

function serverProperties(dir: string, p: Ports, tls: Awaited<ReturnType<typeof generateTls>>, sasl: KafkaSaslUser): string {
  const keystore = (prefix: string, file: string): string[] => [
    `${prefix}ssl.keystore.type=PKCS12`,
    `${prefix}ssl.keystore.location=${file}`,
    `${prefix}ssl.keystore.password=${tls.keystorePassword}`,
    `${prefix}ssl.key.password=${tls.keystorePassword}`,
    // Kafka reads a PEM truststore directly, so no keytool import is needed.
    `${prefix}ssl.truststore.type=PEM`,
    `${prefix}ssl.truststore.location=${tls.caFile}`,
    `${prefix}ssl.client.auth=required`,
  ];
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${p.plain},SSL://127.0.0.1:${p.ssl},SSL2://127.0.0.1:${p.ssl2},SASL://127.0.0.1:${p.sasl},CONTROLLER://127.0.0.1:${p.controller}${p.extra.map((e) => `,${e.name}://127.0.0.1:${e.port}`).join('')}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${p.plain},SSL://127.0.0.1:${p.ssl},SSL2://127.0.0.1:${p.ssl2},SASL://127.0.0.1:${p.sasl}${p.extra.map((e) => `,${e.name}://${e.advertised}`).join('')}`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SSL2:SSL,SASL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT${p.extra.map((e) => `,${e.name}:${e.pem ? 'SSL' : 'PLAINTEXT'}`).join('')}`,
    ...p.extra.filter((e) => e.pem).flatMap((e) => {
      const prefix = `listener.name.${e.name.toLowerCase()}.`;
      return [`${prefix}ssl.keystore.type=PEM`, `${prefix}ssl.keystore.location=${e.pem}`, `${prefix}ssl.client.auth=none`];
    }),
    // SASL listener: PLAIN users come from JAAS, SCRAM users from `format --add-scram`.
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
    'listener.name.sasl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
    // OAUTHBEARER with Kafka's unsecured validator (its default without a JWKS endpoint):
    // unsigned JWTs ("alg":"none") with sub, iat and exp, checked for expiry.
    'listener.name.sasl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";',
    `listener.name.sasl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${sasl.username}="${sasl.password}";`,
    'listener.name.sasl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    // Per listener, so that a PEM listener (extraListeners' pem) inherits no keystore password.
    ...keystore('listener.name.ssl.', tls.brokerKeystore),
    ...keystore('listener.name.ssl2.', tls.wrongHostKeystore),
    `log.dirs=${join(dir, 'data')}`,
    // One node: every internal topic must have replication factor 1. Fewer
    // partitions make the first consumer group / transaction start faster.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=5',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'share.coordinator.state.topic.num.partitions=5',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'group.initial.rebalance.delay.ms=0',
    // KIP-848 members heartbeat every 500 ms instead of 5 s, so their rebalances settle quickly.
    'group.consumer.min.heartbeat.interval.ms=500',
    'group.consumer.heartbeat.interval.ms=500',
    // Tests expect "unknown topic" errors instead of silent creation.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    // Retention as the embedded broker's default (time: none), checked every second, so a
    // test that sets a topic's retention.ms sees it applied at once, while records other
    // tests write with old timestamps (ListOffsets by time) are kept.
    'log.retention.ms=-1',
    'log.retention.check.interval.ms=1000',
    'log.initial.task.delay.ms=1000',
    // Small footprint for a 2-core CI machine.
    'num.network.threads=2',
    'num.io.threads=2',
    'log.cleaner.threads=1',
    'log.cleaner.dedupe.buffer.size=2097152',
    '',
  ].join('\n');
}

/** The java that runs the broker and the console tools (JAVA_HOME first). */
export function javaBin(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

export function jvmArgs(libs: string, dir: string): string[] {
  return [
    '-Xms128m', '-Xmx512m',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(SUPPORT_DIR, 'log4j2.xml')}`,
    `-Dkafka.logs.dir=${dir}`,
    '-cp', join(libs, '*'),
  ];
}

/** Tail of the broker log, for error messages. */
export async function logTail(logFile: string, lines = 40): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while a process with this pid exists (zombies included). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, wait, SIGKILL. `exited` says when the process is gone (a child must be reaped to vanish). */
export async function stopProcess(pid: number, exited: () => boolean = () => !alive(pid)): Promise<void> {
  const signal = (sig: NodeJS.Signals) => { try { process.kill(pid, sig); } catch { /* already gone */ } };
  if (exited()) return;
  signal('SIGTERM');
  for (const [sig, wait] of [[undefined, STOP_TIMEOUT_MS], ['SIGKILL', 5_000]] as const) {
    if (sig) signal(sig);
    const deadline = Date.now() + wait;
    while (!exited() && Date.now() < deadline) await sleep(50);
    if (exited()) return;
  }
  throw new Error(`Kafka process ${pid} did not exit after SIGKILL`);
}

/** A cluster id as Kafka's Uuid writes it, never starting with '-' (it would read as a CLI flag). */
export function newClusterId(): string {
  let clusterId: string;
  do clusterId = randomBytes(16).toString('base64url'); while (clusterId.startsWith('-'));
  return clusterId;
}

/** kafka-storage format for one node (a static controller.quorum.voters needs no --standalone/--initial-controllers). */
export async function formatStorage(libs: string, dir: string, config: string, clusterId: string, logFile: string, extraArgs: string[] = []): Promise<void> {
  await run(javaBin(), [...jvmArgs(libs, dir), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config, ...extraArgs])
    .catch(async (err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`kafka-storage format failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}\n${await logTail(logFile)}`);
    });
}

/** A broker JVM started on `config`; it dies with this process unless detached. */
export interface KafkaNode {
  child: ChildProcess;
  pid: number;
  exited(): boolean;
  spawnError(): Error | undefined;
  killOnExit(): void;
}

export function spawnNode(libs: string, dir: string, config: string, logFile: string, detached = false): KafkaNode {
  // stdout/stderr (JVM errors) go to the same file as log4j; both append.
  const out = openSync(logFile, 'a');
  const java = [...jvmArgs(libs, dir), 'kafka.Kafka', config];
  // Not detached: setpriv's parent-death signal kills the broker even if
  // this process is SIGKILLed (no exit handler runs then).
  const usePdeathsig = !detached && existsSync('/usr/bin/setpriv');
  const child = usePdeathsig
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', javaBin(), ...java], { stdio: ['ignore', out, out] })
    : spawn(javaBin(), java, { stdio: ['ignore', out, out], detached });
  closeSync(out);
  let spawnError: Error | undefined;
  child.once('error', (e) => { spawnError = e; });
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  if (detached) child.unref();
  else process.once('exit', killOnExit);
  return {
    child,
    pid: child.pid ?? 0,
    exited: () => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined,
    spawnError: () => spawnError,
    killOnExit,
  };
}

/** Resolves once the node logged "Kafka Server started" (after `since` bytes of its log) and its port answers. */
export async function waitUntilServing(node: KafkaNode, logFile: string, port: number, startedAt: number, since = 0): Promise<void> {
  const deadline = startedAt + START_TIMEOUT_MS;
  for (;;) {
    if (node.exited()) {
      throw new Error(`Kafka exited during startup (${node.spawnError()?.message ?? `code ${node.child.exitCode}, signal ${node.child.signalCode}`}). Log tail:\n${await logTail(logFile)}`);
    }
    if ((await readFile(logFile, 'utf8')).slice(since).includes('Kafka Server started') && await tcpOpen(port)) return;
    if (Date.now() > deadline) {
      throw new Error(`Kafka did not start within ${START_TIMEOUT_MS} ms. Log tail:\n${await logTail(logFile)}`);
    }
    await sleep(100);
  }
}

/** Starts a broker and resolves once it serves clients. */
export async function startKafka(options: StartOptions = {}): Promise<KafkaHandle> {
  const startedAt = Date.now();
  const libs = await ensureKafkaJars();
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'firehose-kafka-'));
  await mkdir(dir, { recursive: true });
  let child: ChildProcess | undefined;
  try {
    const extraWanted = options.extraListeners ?? [];
    for (const e of extraWanted) {
      if (!/^[A-Z][A-Z0-9_]*$/.test(e.name) || ['PLAINTEXT', 'SSL', 'SSL2', 'SASL', 'CONTROLLER'].includes(e.name)) throw new Error(`extra listener name ${e.name}: use a new upper-case name`);
    }
    const [tls, ports] = await Promise.all([generateTls(join(dir, 'tls')), freePorts(5 + extraWanted.length)]);
    const [plain, ssl, ssl2, saslPort, controller] = ports as [number, number, number, number, number];
    const extra = extraWanted.map((e, i) => ({ ...e, port: ports[5 + i]!, advertised: e.advertised.replace('{port}', String(ports[5 + i]!)) }));
    const sasl: KafkaSaslUser = { username: 'alice', password: randomBytes(9).toString('base64url') };
    const config = join(dir, 'server.properties');
    await writeFile(config, serverProperties(dir, { plain, ssl, ssl2, sasl: saslPort, controller, extra }, tls, sasl));
    const logFile = join(dir, 'server.log');

    const clusterId = newClusterId();
    await formatStorage(libs, dir, config, clusterId, logFile,
      ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${sasl.username},password=${sasl.password}]`]));
    const node = spawnNode(libs, dir, config, logFile, options.detached);
    child = node.child;
    const { pid, exited, killOnExit } = node;
    await waitUntilServing(node, logFile, plain, startedAt);

    const info: KafkaInfo = {
      bootstrap: `127.0.0.1:${plain}`,
      tlsBootstrap: `127.0.0.1:${ssl}`,
      tlsWrongHostBootstrap: `127.0.0.1:${ssl2}`,
      saslBootstrap: `127.0.0.1:${saslPort}`,
      sasl,
      tls: { caFile: tls.caFile, keystoreFile: tls.keystoreFile, keystorePassword: tls.keystorePassword, certFile: tls.certFile, keyFile: tls.keyFile },
      dataDir: dir,
      logFile,
      pid,
      extraListeners: Object.fromEntries(extra.map((e) => [e.name, `127.0.0.1:${e.port}`])),
    };
    return {
      ...info,
      async stop() {
        await stopProcess(pid, exited);
        process.removeListener('exit', killOnExit);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child?.pid) await stopProcess(child.pid, () => child!.exitCode !== null || child!.signalCode !== null).catch(() => {});
    // Keep the dir on failure only when the caller chose it (they may want the log).
    if (!options.dir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
