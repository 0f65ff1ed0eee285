import { Command } from '@commander-js/extra-typings';
import { writeFile } from 'node:fs/promises';
import { FirehoseError } from '../../errors.js';
import { runtimeOf, withExamples } from '../action.js';

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
      if (rt.out.json) return rt.out.data({ ...result, file: options.out ?? null });
      if (!options.out) return rt.out.line(result.pem.replace(/\n$/, ''));
      rt.out.info(`${rt.out.paint('green', '✓')} Wrote the cluster CA of ${result.cluster} (Secret ${result.secret} in ${result.namespace}) to ${options.out}: pass --ca-file ${options.out}`);
    });
  const kafka = new Command('kafka').description('Reaching the lab\'s Kafka cluster (Strimzi) from here').addCommand(ca);
  withExamples(ca, ['firehose kafka ca --out ca.crt', 'firehose kafka ca --cluster my-cluster --namespace kafka > ca.crt',
    'firehose consume --bootstrap my-cluster-kafka-bootstrap-kafka.apps.example.com:443 --ca-file ca.crt']);
  return withExamples(kafka, ['firehose kafka ca --out ca.crt']);
}
