import { Command, Option } from '@commander-js/extra-typings';
import { writeFile } from 'node:fs/promises';
import { FirehoseError, UsageError } from '../../errors.js';
import { untilAborted } from '../../util/deadline.js';
import { ENV } from '../../config/env.js';
import { collect, runtimeOf, withExamples } from '../action.js';
import { parseDuration } from '../../config/duration.js';
import { parseByteSize, parsePort, parsePositiveInt } from '../flags.js';
import type { Runtime } from '../runtime.js';

interface EmbeddedBrokerFlags {
  port: string;
  host: string;
  dataDir?: string;
  partitions: string;
  autoCreateTopics: boolean;
  retention: string;
  groupInitialRebalanceDelay: string;
  tlsDir?: string;
  tlsClientAuth: string;
  sasl: string[];
  usersFile?: string;
}

/** The listener's TLS and SASL from the flags, and from the environment the keystore password and one SASL user. */
async function listenerSecurity(rt: Runtime, flags: EmbeddedBrokerFlags, clientAuthGiven: boolean) {
  const { parseSaslMechanisms, resolveListenerSecurity } = await import('../../embedded-kafka/security.js');
  // --tls is the global flag (a client's "use TLS"): here it means serve TLS.
  const tls = rt.flags.tls === true || flags.tlsDir !== undefined;
  if (!tls && clientAuthGiven) throw new UsageError('--tls-client-auth is for a TLS listener, but neither --tls nor --tls-dir was given', 'Add --tls (files in ./auth) or --tls-dir DIR.');
  const sasl = flags.sasl.length > 0;
  if (!sasl && flags.usersFile !== undefined) throw new UsageError('--users-file is for SASL users, but no --sasl mechanism was given', 'Add --sasl plain (or scram-sha-256, scram-sha-512).');
  const username = rt.env[ENV.saslUsername];
  const password = rt.env[ENV.saslPassword];
  const keystorePassword = rt.env[ENV.keystorePassword];
  return resolveListenerSecurity({
    ...(tls ? { tls: { dir: flags.tlsDir ?? 'auth', clientAuth: flags.tlsClientAuth as 'required' | 'requested' | 'none', host: flags.host, ...(keystorePassword ? { keystorePassword } : {}) } } : {}),
    ...(sasl
      ? { sasl: { mechanisms: parseSaslMechanisms(flags.sasl), ...(flags.usersFile ? { usersFile: flags.usersFile } : {}), ...(username && password !== undefined ? { envUser: { username, password } } : {}) } }
      : {}),
  });
}

/** The embedded broker's options from `kafka start`'s flags. */
function embeddedBrokerOptions(rt: Runtime, flags: EmbeddedBrokerFlags) {
  return {
    host: flags.host,
    port: parsePort(flags.port, '--port'),
    dataDir: flags.dataDir,
    defaultPartitions: parsePositiveInt(flags.partitions, '--partitions'),
    autoCreateTopics: flags.autoCreateTopics,
    retentionBytes: parseByteSize(flags.retention, '--retention'),
    groupInitialRebalanceDelayMs: parseDuration(flags.groupInitialRebalanceDelay, '--group-initial-rebalance-delay', { allowZero: true }),
    log: rt.out.logger(),
  };
}

/** What `firehose broker start`, the old name kept for one release, says on stderr. */
export const BROKER_START_RENAMED = '`firehose broker start` is now `firehose kafka start` ("broker" is the Knative Broker); the old name goes away in the next release.';

/**
 * `firehose kafka start`: a Kafka-compatible broker in this process until Ctrl-C. With a
 * `renamedNote`, the same command under an old name, which says so on stderr first.
 */
export function kafkaStartCommand(renamedNote?: string): Command<any, any, any> {
  const command = new Command('start')
    .description('Run an embedded Kafka-compatible broker on this machine (until Ctrl-C); real Kafka clients connect to it unchanged. With --tls it serves TLS (SSL), with --sasl SASL (both: SASL_SSL)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '9092')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'keep topics, records and committed offsets in this directory (default: in memory)')
    .option('--partitions <n>', 'partitions of an auto-created topic', '1')
    .option('--no-auto-create-topics', 'refuse unknown topics instead of creating them on first use')
    .option('--retention <size>', 'per partition, drop the oldest records beyond this size', '256MiB')
    .option('--group-initial-rebalance-delay <duration>', 'how long a new consumer group waits for more members before its first assignment (Kafka\'s group.initial.rebalance.delay.ms, 3s there; 0 for tests)', '300ms')
    .option('--tls-dir <dir>', 'where ca.crt, ca.key, server.crt/.key, client.crt/.key, kafka.keystore.pkcs12 and kafka.keystore.password are made or taken (implies --tls; default ./auth); FIREHOSE_KEYSTORE_PASSWORD sets a new keystore\'s password')
    .addOption(new Option('--tls-client-auth <mode>', 'client certificates (Kafka\'s ssl.client.auth): required, requested or none').choices(['required', 'requested', 'none']).default('required'))
    .option('--sasl <mechanisms>', 'require SASL: plain, scram-sha-256, scram-sha-512, oauthbearer (unsigned JWTs); repeatable or comma-separated', collect, [])
    .option('--users-file <file>', 'SASL users: user:password lines or a JSON object {"user": "password"}; FIREHOSE_SASL_USERNAME/FIREHOSE_SASL_PASSWORD add one more')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      if (renamedNote) rt.out.warn(renamedNote);
      const { startEmbeddedBroker } = await import('../../embedded-kafka/server.js');
      const security = await listenerSecurity(rt, options, cmd.getOptionValueSource('tlsClientAuth') === 'cli');
      const listeners = [{ ...security.listener }];
      const broker = await startEmbeddedBroker({ ...embeddedBrokerOptions(rt, options), listeners });
      const where = broker.dataDir ? `data in ${broker.dataDir}` : 'in memory; pass --data-dir to keep data';
      const protocol = broker.listeners[0]!.protocol;
      const files = security.tlsFiles;
      for (const warning of files?.warnings ?? []) rt.out.warn(warning);
      const sasl = security.listener.sasl;
      if (rt.out.structured) {
        rt.out.data({
          event: 'listening',
          bootstrap: broker.bootstrap,
          protocol,
          dataDir: broker.dataDir ?? null,
          tls: files ? { dir: files.dir, clientAuth: options.tlsClientAuth, caFile: files.files.ca, keystoreFile: files.files.keystore, keystorePasswordFile: files.files.password, certFile: files.files.client, keyFile: files.files.clientKey, made: files.made } : null,
          sasl: sasl ? { mechanisms: sasl.mechanisms, users: security.users } : null,
        });
      } else {
        rt.out.info(`Kafka-compatible broker listening on ${broker.bootstrap}${protocol === 'PLAINTEXT' ? '' : ` (${protocol})`} (${where}). Ctrl-C stops it.`);
        if (files) {
          rt.out.info(files.made.length > 0 ? `Made in ${files.dir}: ${files.made.map((f) => f.slice(files.dir.length + 1)).join(', ')}.` : `Using the TLS files in ${files.dir}.`);
          rt.out.info(`Clients: CA ${files.files.ca}, keystore ${files.files.keystore} (password in ${files.files.password}), or PEM ${files.files.client} and ${files.files.clientKey}; client certificates ${options.tlsClientAuth}.`);
          rt.out.info(`  e.g. FIREHOSE_KEYSTORE_PASSWORD="$(cat ${files.files.password})" firehose topics --bootstrap ${broker.bootstrap} --ca-file ${files.files.ca} --keystore ${files.files.keystore}`);
        }
        if (sasl) rt.out.info(`SASL ${sasl.mechanisms.join(', ')}${security.users.length ? ` for ${security.users.length === 1 ? 'user' : 'users'} ${security.users.join(', ')}` : ''}.`);
      }
      await untilAborted(rt.signal);
      await broker.stop();
      if (rt.out.structured) rt.out.data({ event: 'stopped' });
      else rt.out.info('Broker stopped.');
    });
  return withExamples(command, [
    'firehose kafka start                        # then: firehose spam --times 10',
    'firehose kafka start --port 0 --output json  # prints the address it picked',
    'firehose kafka start --data-dir ~/.firehose-kafka --partitions 3',
    'FIREHOSE_KEYSTORE_PASSWORD=cc2023 firehose kafka start --tls --port 19093  # seed 004: auth/ca.crt, auth/kafka.keystore.pkcs12',
    'firehose kafka start --tls --tls-dir ./certs --tls-client-auth none',
    'firehose kafka start --sasl scram-sha-512 --users-file users.txt   # users.txt: alice:secret lines',
  ]);
}

/** The namespace of the lab's Kafka cluster (Strimzi's my-cluster). */
const KAFKA_NAMESPACE = 'kafka';

export function kafkaCommand(): Command<any, any, any> {
  const ca = new Command('ca')
    .description('Write the Strimzi cluster CA (secret <cluster>-cluster-ca-cert, ca.crt) as PEM, for --ca-file with an external TLS listener')
    .option('--cluster <name>', 'Kafka CR name', 'my-cluster')
    .option('--out <file>', 'write the PEM to this file instead of stdout')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const cluster = await rt.cluster();
      // The global --namespace picks it; otherwise the lab's Kafka namespace, not the context's.
      const namespace = rt.flags.namespace ?? KAFKA_NAMESPACE;
      const { readClusterCa } = await import('../../cluster/kafka-access.js');
      const result = await readClusterCa(cluster, { cluster: options.cluster, namespace });
      if (options.out) {
        try {
          await writeFile(options.out, result.pem);
        } catch (error) {
          throw new FirehoseError('WRITE_FAILED', `Cannot write ${options.out}: ${(error as Error).message}`, { hint: 'Pick another path with --out.' });
        }
      }
      if (rt.out.structured) return rt.out.data({ ...result, file: options.out ?? null });
      if (!options.out) return rt.out.line(result.pem.replace(/\n$/, ''));
      rt.out.info(`${rt.out.paint('green', '✓')} Wrote the cluster CA of ${result.cluster} (Secret ${result.secret} in ${result.namespace}) to ${options.out}: pass --ca-file ${options.out}`);
    });
  const kafka = new Command('kafka')
    .description('Kafka itself: an embedded Kafka-compatible broker on this machine (start), the lab cluster\'s CA for reaching it from here (ca)')
    .addCommand(kafkaStartCommand())
    .addCommand(ca);
  withExamples(ca, ['firehose kafka ca --out ca.crt', 'firehose kafka ca --cluster my-cluster --namespace kafka > ca.crt',
    'firehose consume --bootstrap my-cluster-kafka-bootstrap-kafka.apps.example.com:443 --ca-file ca.crt']);
  return withExamples(kafka, ['firehose kafka start --data-dir ~/.firehose-kafka', 'firehose kafka ca --out ca.crt']);
}
