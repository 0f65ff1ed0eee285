import { UsageError } from '../errors.js';

/** `--acks 0|1|all` → Kafka's numbers (-1 = all in-sync replicas). */
export type Acks = 0 | 1 | -1;

export function parseAcks(text: string): Acks {
  switch (text) {
    case '0': return 0;
    case '1': return 1;
    case 'all':
    case '-1': return -1;
    default: throw new UsageError(`--acks must be 0, 1 or all, not "${text}".`);
  }
}

export function acksLabel(acks: Acks): string {
  return acks === -1 ? 'all' : String(acks);
}
