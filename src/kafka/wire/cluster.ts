// The brokers of one Kafka cluster as the client sees them: bootstrap, Metadata
// (partition leaders per topic, refreshed on demand) and one connection per broker.
import { Connection, type ConnectionOptions, type ResponseBody } from './connection.js';
import { KafkaConnectionError, responseError } from './errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';

export interface ClusterOptions extends Omit<ConnectionOptions, 'host' | 'port'> {
  /** host:port of one or more brokers. */
  bootstrap: string[];
}

export interface TopicPartitions {
  name: string;
  /** Leader node id per partition index (-1 while there is none). */
  leaders: number[];
  /** The topic's id (hex), from Metadata v10+; absent from older brokers and admin answers. */
  topicId?: string;
}

interface BrokerAddress {
  host: string;
  port: number;
}

export function parseHostPort(address: string): BrokerAddress {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
}

export class Cluster {
  private brokers = new Map<number, BrokerAddress>();
  private connections = new Map<number, Promise<Connection>>();
  private topics = new Map<string, TopicPartitions>();
  private bootstrapConnection: Promise<Connection> | undefined;

  constructor(readonly options: ClusterOptions) {}

  /** Connects to the first bootstrap broker that answers; the error names every one tried. */
  async connect(): Promise<Connection> {
    this.bootstrapConnection ??= this.openBootstrap();
    const connection = await this.bootstrapConnection.catch((error: unknown) => {
      this.bootstrapConnection = undefined;
      throw error;
    });
    if (connection.closed) {
      this.bootstrapConnection = undefined;
      return this.connect();
    }
    return connection;
  }

  private async openBootstrap(): Promise<Connection> {
    const errors: Error[] = [];
    for (const address of this.options.bootstrap) {
      try {
        return await Connection.open({ ...this.options, ...parseHostPort(address) });
      } catch (error) {
        errors.push(error as Error);
      }
    }
    if (errors.length === 1) throw errors[0]!;
    throw new KafkaConnectionError(this.options.bootstrap.join(','), errors.map((e) => e.message).join('; '));
  }

  /** Fetches metadata for `topics` (and the broker list). */
  async refresh(topics: string[]): Promise<void> {
    const connection = await this.anyConnection();
    const answer: ResponseBody<'Metadata'> = await connection.request('Metadata', {
      topics: topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
    });
    for (const b of answer.brokers) this.remember(b.nodeId, b.host, b.port);
    for (const t of answer.topics) {
      if (t.errorCode !== ErrorCode.NONE || t.name === null) continue;
      const leaders: number[] = [];
      for (const p of t.partitions) leaders[p.partitionIndex] = p.errorCode === ErrorCode.NONE || p.leaderId >= 0 ? p.leaderId : -1;
      this.topics.set(t.name, { name: t.name, leaders, topicId: t.topicId });
    }
    for (const t of answer.topics) {
      if (t.errorCode !== ErrorCode.NONE && t.errorCode !== ErrorCode.LEADER_NOT_AVAILABLE) {
        this.topics.delete(t.name ?? '');
        throw responseError(t.errorCode, `topic "${t.name}"`);
      }
    }
  }

  /** The topic's partitions, from the cache or a Metadata request; retried briefly while leaders are elected. */
  async topic(name: string): Promise<TopicPartitions> {
    const cached = this.topics.get(name);
    if (cached) return cached;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.refresh([name]);
        const t = this.topics.get(name);
        if (t && !t.leaders.includes(-1)) return t;
      } catch (error) {
        // A topic just created may be unknown to a broker for a moment; one that stays unknown does not exist.
        const unknown = (error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION';
        if (!(error as { retriable?: boolean }).retriable || attempt >= (unknown ? 4 : 20)) throw error;
      }
      if (attempt >= 20) return this.topics.get(name)!;
      await sleep(100);
    }
  }

  /** The cached partitions of `name`, if known. */
  cachedTopic(name: string): TopicPartitions | undefined {
    return this.topics.get(name);
  }

  leaderOf(topic: string, partition: number): number {
    return this.topics.get(topic)?.leaders[partition] ?? -1;
  }

  /** Forget a topic's leaders, so the next topic() call asks again. */
  invalidate(topic: string): void {
    this.topics.delete(topic);
  }

  /** Learns a broker's address (from Metadata or FindCoordinator). */
  remember(nodeId: number, host: string, port: number): void {
    const known = this.brokers.get(nodeId);
    if (known && (known.host !== host || known.port !== port)) this.connections.delete(nodeId);
    this.brokers.set(nodeId, { host, port });
  }

  /** Learns a topic's leaders from a Metadata answer asked for elsewhere (the admin client's). */
  rememberTopic(name: string, leaders: number[]): void {
    this.topics.set(name, { name, leaders });
  }

  /** The node ids of the brokers seen in Metadata answers. */
  brokerIds(): number[] {
    return [...this.brokers.keys()].sort((a, b) => a - b);
  }

  /** The connection to broker `nodeId`, opened on first use and reopened after a failure. */
  async connection(nodeId: number): Promise<Connection> {
    for (;;) {
      const existing = this.connections.get(nodeId);
      if (!existing) break;
      const c = await existing.catch(() => undefined);
      if (c && !c.closed) return c;
      // Two callers may find the same dead connection: only the first replaces it, the other
      // takes the new one (deleting it would leave two connections to one broker, whose
      // requests the broker orders independently: an idempotent producer's batches among them).
      if (this.connections.get(nodeId) === existing) {
        this.connections.delete(nodeId);
        break;
      }
    }
    const address = this.brokers.get(nodeId);
    if (!address) {
      const at = this.options.bootstrap.join(',');
      throw new KafkaConnectionError(at, `Kafka at ${at} named broker ${nodeId} (a partition leader or coordinator) but listed no address for it`);
    }
    const opening = Connection.open({ ...this.options, ...address });
    this.connections.set(nodeId, opening);
    opening.catch(() => {
      if (this.connections.get(nodeId) === opening) this.connections.delete(nodeId);
    });
    return opening;
  }

  /** A connection to any broker: an open per-broker one, or the bootstrap's. */
  async anyConnection(): Promise<Connection> {
    for (const pending of this.connections.values()) {
      const c = await pending.catch(() => undefined);
      if (c && !c.closed) return c;
    }
    return this.connect();
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    if (this.bootstrapConnection) all.push(this.bootstrapConnection);
    this.connections.clear();
    this.bootstrapConnection = undefined;
    for (const pending of all) (await pending.catch(() => undefined))?.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
