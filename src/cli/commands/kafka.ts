import { Command } from '@commander-js/extra-typings';
import { writeFile } from 'node:fs/promises';
import { FirehoseError } from '../../errors.js';
import { untilAborted } from '../../util/deadline.js';
import { runtimeOf, withExamples } from '../action.js';
import { parseByteSize, parsePort, parsePositiveInt } from '../flags.js';
import type { Runtime } from '../runtime.js';

interface EmbeddedBrokerFlags {
  port: string;
  host: string;
  dataDir?: string;
  partitions: string;
  autoCreateTopics: boolean;
  retention: string;
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
    .description('Run an embedded Kafka-compatible broker on this machine (until Ctrl-C); real Kafka clients connect to it unchanged')
    .option('--port <port>', 'port to listen on (0 = any free port)', '9092')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'keep topics, records and committed offsets in this directory (default: in memory)')
    .option('--partitions <n>', 'partitions of an auto-created topic', '1')
    .option('--no-auto-create-topics', 'refuse unknown topics instead of creating them on first use')
    .option('--retention <size>', 'per partition, drop the oldest records beyond this size', '256MiB')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      if (renamedNote) rt.out.warn(renamedNote);
      const { startEmbeddedBroker } = await import('../../embedded-kafka/server.js');
      const broker = await startEmbeddedBroker(embeddedBrokerOptions(rt, options));
      const where = broker.dataDir ? `data in ${broker.dataDir}` : 'in memory; pass --data-dir to keep data';
      if (rt.out.structured) rt.out.data({ event: 'listening', bootstrap: broker.bootstrap, dataDir: broker.dataDir ?? null });
      else rt.out.info(`Kafka-compatible broker listening on ${broker.bootstrap} (${where}). Ctrl-C stops it.`);
      await untilAborted(rt.signal);
      await broker.stop();
      if (rt.out.structured) rt.out.data({ event: 'stopped' });
      else rt.out.info('Broker stopped.');
    });
  return withExamples(command, [
    'firehose kafka start                        # then: firehose spam --times 10',
    'firehose kafka start --port 0 --output json  # prints the address it picked',
    'firehose kafka start --data-dir ~/.firehose-kafka --partitions 3',
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
