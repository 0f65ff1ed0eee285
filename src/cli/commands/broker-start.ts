import { Command } from '@commander-js/extra-typings';
import { parseByteSize, parsePositiveInt, parsePort } from '../../config/duration.js';
import { untilAborted } from '../../util/deadline.js';
import { runtimeOf, withExamples } from '../action.js';
import type { Runtime } from '../runtime.js';

interface EmbeddedBrokerFlags {
  port: string;
  host: string;
  dataDir?: string;
  partitions: string;
  autoCreateTopics: boolean;
  retention: string;
}

/** The embedded broker's options from `broker start`'s flags. */
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

/** `firehose broker start`: a Kafka-compatible broker in this process until Ctrl-C. */
export function brokerStartCommand(): Command<any, any, any> {
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
      const { startEmbeddedBroker } = await import('../../broker/server.js');
      const broker = await startEmbeddedBroker(embeddedBrokerOptions(rt, options));
      const where = broker.dataDir ? `data in ${broker.dataDir}` : 'in memory; pass --data-dir to keep data';
      if (rt.out.json) rt.out.data({ event: 'listening', bootstrap: broker.bootstrap, dataDir: broker.dataDir ?? null });
      else rt.out.info(`Kafka-compatible broker listening on ${broker.bootstrap} (${where}). Ctrl-C stops it.`);
      await untilAborted(rt.signal);
      await broker.stop();
      if (rt.out.json) rt.out.data({ event: 'stopped' });
      else rt.out.info('Broker stopped.');
    });
  return withExamples(command, [
    'firehose broker start                        # then: firehose spam --times 10',
    'firehose broker start --port 0 --output json  # prints the address it picked',
    'firehose broker start --data-dir ~/.firehose-kafka --partitions 3',
  ]);
}
