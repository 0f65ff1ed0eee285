import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import type { KafkaClient } from './connect.js';

export type StopReason = 'max-messages' | 'idle-timeout' | 'interrupted' | 'crashed' | 'done';

/** Waits for the first of: max messages, idle timeout, abort. */
export class StopSignal {
  readonly done: Promise<StopReason>;
  private finish!: (reason: StopReason) => void;
  private idleTimer?: NodeJS.Timeout;
  stopped = false;
  /** The error when kafkajs gave up on the consumer. */
  crash?: unknown;

  constructor(private readonly idleMs: number | undefined, signal?: AbortSignal) {
    this.done = new Promise((resolve) => { this.finish = resolve; });
    if (signal?.aborted) this.stop('interrupted');
    signal?.addEventListener('abort', () => this.stop('interrupted'), { once: true });
  }

  stop(reason: StopReason): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.idleTimer);
    this.finish(reason);
  }

  /** (Re)starts the idle countdown. */
  touch(): void {
    if (this.idleMs === undefined || this.stopped) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop('idle-timeout'), this.idleMs);
  }
}

/**
 * Reports each partition assignment (seed 004's on_assign), restarts the idle countdown
 * on it, and stops when kafkajs gives up on the consumer for good.
 */
export function watchGroup(consumer: Consumer, topic: string, stop: StopSignal, onAssign?: (topic: string, partitions: number[]) => void): void {
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    onAssign?.(topic, [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b));
    stop.touch();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    stop.crash = payload.error;
    stop.stop('crashed');
  });
}

/**
 * Subscribes, runs the consumer until `stop` fires, then disconnects (which waits for the
 * batch in hand, commits what was resolved when autoCommit is on, and leaves the group so
 * the others rebalance at once). Errors become FirehoseErrors naming `what`.
 */
export async function runUntilStopped(
  client: KafkaClient,
  consumer: Consumer,
  stop: StopSignal,
  subscription: { topic: string; fromBeginning: boolean },
  config: ConsumerRunConfig,
  what: string,
): Promise<StopReason> {
  try {
    await consumer.subscribe({ topics: [subscription.topic], fromBeginning: subscription.fromBeginning });
    await consumer.run(config);
  } catch (error) {
    await consumer.disconnect().catch(() => {});
    throw client.translate(error, what);
  }
  const reason = await stop.done;
  await consumer.disconnect().catch(() => {});
  if (stop.crash) throw client.translate(stop.crash, what);
  return reason;
}
