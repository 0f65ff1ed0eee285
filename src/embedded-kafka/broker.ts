// What one embedded broker knows: its address, topics, groups and producer
// ids, plus the append notifier that wakes long-polling fetches. The wire
// server (server.ts) and the request handlers (handlers/) work on this.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { DataDir } from './data-dir.js';
import { GroupCoordinator } from './group-coordinator.js';
import { MemoryOffsetStore } from './offset-store.js';
import { TopicStore } from './topic-store.js';
import { MemoryTransactionStore, TransactionCoordinator } from './transaction-coordinator.js';

export interface BrokerSettings {
  nodeId: number;
  /** The host and port written into Metadata and FindCoordinator answers. */
  advertisedHost: string;
  advertisedPort: number;
  clusterId: string;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  retentionBytes: number;
  /** Largest record batch accepted (Kafka's max.message.bytes). */
  maxMessageBytes: number;
  /** The users a SASL listener takes with SCRAM, and which SCRAM mechanisms (DescribeUserScramCredentials). */
  scramUsers?: ReadonlyMap<string, ReadonlySet<'SCRAM-SHA-256' | 'SCRAM-SHA-512'>>;
}

/** KIP-848 consumer groups (Kafka's group.consumer.* broker configs). */
export interface ConsumerGroupSettings {
  /** The heartbeat interval members are told. Default 5000 (Kafka's default). */
  heartbeatIntervalMs?: number;
  /** A member not heard from for this long is removed. Default 45000. */
  sessionTimeoutMs?: number;
}

export class Broker {
  readonly topics: TopicStore;
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  private readonly appendWaiters = new Set<() => void>();
  private nextMemoryProducerId = 1000n;

  constructor(
    readonly settings: BrokerSettings,
    readonly log: Logger,
    readonly dataDir?: DataDir,
    groupRebalanceDelayMs?: number,
    consumerGroups: ConsumerGroupSettings = {},
    transactionCheckIntervalMs?: number,
  ) {
    this.topics = new TopicStore({ dataDir, retentionBytes: settings.retentionBytes, log });
    const topics = this.topics;
    this.groups = new GroupCoordinator({
      offsetStore: dataDir?.offsetStore() ?? new MemoryOffsetStore(),
      initialRebalanceDelayMs: groupRebalanceDelayMs,
      log: (line) => log.debug(line),
      consumerHeartbeatIntervalMs: consumerGroups.heartbeatIntervalMs,
      consumerSessionTimeoutMs: consumerGroups.sessionTimeoutMs,
      // KIP-848 groups assign by topic id and follow the subscribed topics' partition counts.
      topics: {
        topic: (name) => {
          const t = topics.get(name);
          return t && { id: t.id, partitions: t.partitions.length };
        },
        topicName: (id) => topics.list().find((t) => t.id === id)?.name,
        topicNames: () => topics.list().map((t) => t.name),
      },
    });
    // After the topics: recovery finishes prepared transactions in their logs.
    this.transactions = new TransactionCoordinator({
      store: dataDir?.transactionStore() ?? new MemoryTransactionStore(),
      groups: this.groups,
      partition: (topic, partition) => this.topics.partition(topic, partition),
      partitions: () => this.topics.list().flatMap((t) => t.partitions.map((log, p) => ({ name: `${t.name}-${p}`, log }))),
      allocateProducerId: () => this.allocateProducerId(),
      notifyAppend: () => this.notifyAppend(),
      log,
      checkIntervalMs: transactionCheckIntervalMs,
    });
  }

  static newClusterId(): string {
    return randomBytes(16).toString('base64url').slice(0, 22);
  }

  allocateProducerId(): bigint {
    return this.dataDir ? this.dataDir.nextProducerId() : this.nextMemoryProducerId++;
  }

  /** Wakes every fetch waiting for data. Cheap: fetches re-check their own partitions. */
  notifyAppend(): void {
    if (this.appendWaiters.size === 0) return;
    const waiters = [...this.appendWaiters];
    this.appendWaiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next append or after `ms`, whichever comes first. */
  waitForAppend(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.appendWaiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.appendWaiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  close(): void {
    this.notifyAppend();
    this.transactions.close();
    this.groups.close();
    const clean = this.topics.close();
    this.dataDir?.close(clean);
  }
}
