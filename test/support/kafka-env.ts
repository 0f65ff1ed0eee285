// What test files use to reach the broker that global-setup.ts started.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { KafkaInfo } from './kafka.js';

/** The serializable part of KafkaHandle, handed from globalSetup to test workers. */
export type KafkaTestInfo = Omit<KafkaInfo, 'dataDir' | 'pid'> & {
  /** Which broker the run uses: Apache Kafka, or firehose's embedded broker. */
  flavour: 'apache' | 'embedded';
};

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: KafkaTestInfo;
  }
}

export function kafkaFromTests(): KafkaTestInfo {
  const kafka = inject('kafka');
  if (!kafka) throw new Error('No Kafka provided: is test/support/global-setup.ts in vitest.config.ts globalSetup?');
  return kafka;
}

/** Topic/group names are never reused, since the broker is shared by the whole run. */
export function uniqueName(prefix: string): string {
  return `firehose-test-${prefix}-${randomBytes(4).toString('hex')}`;
}
