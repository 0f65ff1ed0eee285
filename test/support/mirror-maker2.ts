// Apache Kafka's own MirrorMaker2 in dedicated mode (connect-mirror's MirrorMaker main class
// with an mm2.properties), the peer `firehose mirror run` is compared with: its jars come
// from Maven Central into the test cache once (mirror-maker2/pom.xml), like the broker's.
import { execa, type ResultPromise } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, javaBin, KAFKA_VERSION } from './kafka.js';
import { DEPENDENCY_PLUGIN, mavenLibs } from './maven.js';

const POM = fileURLToPath(new URL('mirror-maker2/pom.xml', import.meta.url));

/** Fetches MirrorMaker2's classpath once into the cache; returns the libs dir. */
export function ensureMirrorMaker2(version: string = KAFKA_VERSION): Promise<string> {
  return mavenLibs({
    dir: join(cacheRoot(), `mirror-maker2-${version}`),
    args: ['-f', POM, `-Dkafka.version=${version}`, `${DEPENDENCY_PLUGIN}:copy-dependencies`, '-DincludeScope=runtime'],
    expect: [`connect-mirror-${version}.jar`],
    what: `MirrorMaker2 ${version}`,
  });
}

export interface MirrorMaker2Options {
  sourceAlias: string;
  targetAlias: string;
  sourceBootstrap: string;
  targetBootstrap: string;
  /** topicsPattern (a Java regex). */
  topics: string;
  /** A folder for its properties files. */
  dir: string;
}

export interface MirrorMaker2Handle {
  /** Its log so far (WARN and up, on stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts MirrorMaker2 replicating source → target only (single broker: replication factor 1 everywhere). */
export async function startMirrorMaker2(options: MirrorMaker2Options): Promise<MirrorMaker2Handle> {
  const libs = await ensureMirrorMaker2();
  const { sourceAlias: s, targetAlias: t } = options;
  const properties = join(options.dir, 'mm2.properties');
  const log4j = join(options.dir, 'log4j.properties');
  await writeFile(properties, [
    `clusters = ${s}, ${t}`,
    `${s}.bootstrap.servers = ${options.sourceBootstrap}`,
    `${t}.bootstrap.servers = ${options.targetBootstrap}`,
    `${s}->${t}.enabled = true`,
    `${s}->${t}.topics = ${options.topics}`,
    `${t}->${s}.enabled = false`,
    ...['replication.factor', 'checkpoints.topic.replication.factor', 'heartbeats.topic.replication.factor', 'offset-syncs.topic.replication.factor',
      'offset.storage.replication.factor', 'status.storage.replication.factor', 'config.storage.replication.factor'].map((k) => `${k} = 1`),
    'sync.topic.acls.enabled = false',
    'sync.topic.configs.enabled = false',
    'refresh.topics.interval.seconds = 1',
    'emit.heartbeats.interval.seconds = 1',
    '',
  ].join('\n'));
  await writeFile(log4j, 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\n');
  const child: ResultPromise = execa(javaBin(), ['-Xms64m', '-Xmx384m', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${log4j}`, '-cp', join(libs, '*'),
    'org.apache.kafka.connect.mirror.MirrorMaker', properties], { reject: false, all: true, buffer: true, forceKillAfterDelay: 10_000 });
  let log = '';
  child.all?.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  return {
    output: () => log,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
