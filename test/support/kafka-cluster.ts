// A three-broker Apache Kafka cluster for the tests that need replication: KRaft, each node
// broker and controller, loopback, replication factor 3 and min.insync.replicas 2, so one
// broker may be down and acks=all still succeeds. Nodes can be killed (SIGKILL), stopped
// (SIGTERM) and started again on their data. Same jars as the single broker (kafka.ts).
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaJars, formatStorage, freePorts, newClusterId, spawnNode, stopProcess, waitUntilServing, type KafkaNode } from './kafka.js';

export interface ClusterNode {
  id: number;
  /** host:port of its PLAINTEXT listener. */
  address: string;
  running(): boolean;
  /** SIGKILL, or SIGTERM then SIGKILL: it is gone when this resolves. */
  stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on its data; resolves once it serves clients. */
  start(): Promise<void>;
}

export interface KafkaCluster {
  /** All three PLAINTEXT addresses, comma-separated. */
  bootstrap: string;
  nodes: ClusterNode[];
  /** Stops every node and removes the data. */
  close(): Promise<void>;
}

function properties(dir: string, id: number, plain: number[], controller: number[]): string {
  return [
    'process.roles=broker,controller',
    `node.id=${id}`,
    `controller.quorum.voters=${controller.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',')}`,
    `listeners=PLAINTEXT://127.0.0.1:${plain[id - 1]},CONTROLLER://127.0.0.1:${controller[id - 1]}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${plain[id - 1]}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    `log.dirs=${join(dir, 'data')}`,
    'offsets.topic.replication.factor=3',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=3',
    'transaction.state.log.min.isr=2',
    'transaction.state.log.num.partitions=3',
    'share.coordinator.state.topic.replication.factor=3',
    'share.coordinator.state.topic.min.isr=2',
    'share.coordinator.state.topic.num.partitions=3',
    'default.replication.factor=3',
    'min.insync.replicas=2',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    // A killed leader is noticed within seconds, not the default 9-18 s.
    'broker.session.timeout.ms=4000',
    'broker.heartbeat.interval.ms=1000',
    'num.network.threads=1',
    'num.io.threads=2',
    'log.cleaner.enable=false',
    '',
  ].join('\n');
}

/** Starts three nodes and resolves once every one serves clients. */
export async function startKafkaCluster(): Promise<KafkaCluster> {
  const startedAt = Date.now();
  const libs = await ensureKafkaJars();
  const root = await mkdtemp(join(tmpdir(), 'firehose-kafka-cluster-'));
  const ports = await freePorts(6);
  const plain = ports.slice(0, 3);
  const controller = ports.slice(3);
  const clusterId = newClusterId();
  const nodes: Array<ClusterNode & { process?: KafkaNode }> = [];
  try {
    await Promise.all([1, 2, 3].map(async (id) => {
      const dir = join(root, `node-${id}`);
      const config = join(root, `node-${id}.properties`);
      // log4j writes to kafka.logs.dir, the node's dir (kafka.ts's jvmArgs).
      const logFile = join(dir, 'server.log');
      await mkdir(dir, { recursive: true });
      await writeFile(config, properties(dir, id, plain, controller));
      await formatStorage(libs, dir, config, clusterId, logFile);
      const node: ClusterNode & { process?: KafkaNode } = {
        id,
        address: `127.0.0.1:${plain[id - 1]}`,
        running: () => node.process !== undefined && !node.process.exited(),
        async stop(signal) {
          const p = node.process;
          if (!p) return;
          if (signal === 'SIGKILL') p.child.kill('SIGKILL');
          await stopProcess(p.pid, p.exited);
          process.removeListener('exit', p.killOnExit);
          node.process = undefined;
        },
        async start() {
          if (node.running()) return;
          const since = (await stat(logFile).catch(() => ({ size: 0 }))).size;
          node.process = spawnNode(libs, dir, config, logFile);
          await waitUntilServing(node.process, logFile, plain[id - 1]!, Date.now(), since);
        },
      };
      nodes.push(node);
    }));
    nodes.sort((a, b) => a.id - b.id);
    // The controllers need each other for a quorum: start all three at once.
    await Promise.all(nodes.map(async (n) => {
      const dir = join(root, `node-${n.id}`);
      n.process = spawnNode(libs, dir, join(root, `node-${n.id}.properties`), join(dir, 'server.log'));
      await waitUntilServing(n.process, join(dir, 'server.log'), plain[n.id - 1]!, startedAt);
    }));
  } catch (error) {
    await Promise.allSettled(nodes.map((n) => n.stop('SIGKILL')));
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return {
    bootstrap: nodes.map((n) => n.address).join(','),
    nodes,
    async close() {
      await Promise.allSettled(nodes.map((n) => n.stop('SIGTERM')));
      await rm(root, { recursive: true, force: true });
    },
  };
}
