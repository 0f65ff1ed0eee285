/**
 * The lab's own Kafka: without a bootstrap from a flag, the environment or the config file
 * (and not through the cluster), `firehose up` runs the embedded Kafka broker in its own
 * process, on localhost:9092 by default so other terminals' commands reach it unchanged.
 */
import type { ConnectionSettings } from '../config/connection.js';
import type { Logger } from '../logger.js';

export interface LabKafkaOptions {
  /** 0 picks a free port. */
  port: number;
  /** The flag that chose the port, for the hint when it is taken. */
  portFlag?: string;
  /** Keep records and offsets here; without it, in memory. */
  dataDir?: string;
  log: Logger;
}

export interface LabKafka {
  /** host:port for clients. */
  bootstrap: string;
  dataDir?: string;
  stop(): Promise<void>;
}

/** True when no Kafka is configured, so the lab brings its own. */
export function needsLabKafka(connection: ConnectionSettings): boolean {
  return connection.bootstrapSource === 'default' && !connection.viaCluster;
}

export async function startLabKafka(options: LabKafkaOptions): Promise<LabKafka> {
  const { startEmbeddedBroker } = await import('../embedded-kafka/server.js');
  return startEmbeddedBroker({ port: options.port, portFlag: options.portFlag, hostFlag: null, dataDir: options.dataDir, log: options.log });
}
