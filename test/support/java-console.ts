// Apache Kafka's own console clients (kafka-console-producer/-consumer, kafka-consumer-groups)
// for interop tests. The broker classpath (ensureKafkaJars) has all they need except the
// kafka-tools jar itself; that one jar comes from Maven Central into the cache. Its full
// dependency tree would add connect-runtime and Jetty, which these tools never load.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot, ensureKafkaJars, javaBin, KAFKA_VERSION } from './kafka.js';

export const CONSOLE_PRODUCER = 'org.apache.kafka.tools.ConsoleProducer';
export const CONSOLE_CONSUMER = 'org.apache.kafka.tools.consumer.ConsoleConsumer';
export const CONSUMER_GROUPS = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

// Client logs go to stderr at WARN, like the distribution's tools-log4j2.yaml: stdout keeps
// only records, and the broker config (log4j2.xml) would write a server.log instead.
const LOG4J2_STDERR = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="stderr" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers><Root level="warn"><AppenderRef ref="stderr"/></Root></Loggers>
</Configuration>
`;

export interface ConsoleTools {
  /** -cp value: the broker libs plus the kafka-tools jar. */
  classpath: string;
  /** log4j2 configuration sending client logs to stderr. */
  log4jConfig: string;
}

/** Fetches kafka-tools-<version>.jar once into the cache (next to the broker libs' cache). */
export async function ensureConsoleTools(): Promise<ConsoleTools> {
  const libs = await ensureKafkaJars();
  const dir = join(cacheRoot(), `kafka-tools-${KAFKA_VERSION}`);
  const jar = join(dir, `kafka-tools-${KAFKA_VERSION}.jar`);
  const log4jConfig = join(dir, 'log4j2-stderr.xml');
  if (!existsSync(jar)) {
    const tmp = join(dir, `tmp-${process.pid}`);
    await mkdir(tmp, { recursive: true });
    try {
      // `copy` needs no project: it resolves one artifact and copies it (no transitive deps).
      await execa('mvn', ['-q', '-B', `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=org.apache.kafka:kafka-tools:${KAFKA_VERSION}:jar`,
        `-DoutputDirectory=${tmp}`], { timeout: 5 * 60_000, all: true });
      await rename(join(tmp, `kafka-tools-${KAFKA_VERSION}.jar`), jar);
    } catch (err) {
      const e = err as { all?: string; shortMessage?: string; message: string };
      throw new Error(`Fetching kafka-tools ${KAFKA_VERSION} with Maven failed: ${e.shortMessage ?? e.message}\n${e.all ?? ''}`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  await writeFile(log4jConfig, LOG4J2_STDERR);
  return { classpath: `${join(libs, '*')}:${jar}`, log4jConfig };
}


export interface ConsoleRunOptions {
  /** Text fed to stdin, which is then closed. */
  input?: string;
  /** Kill the JVM after this long. Default 45 s (a JVM start alone takes 1-3 s). */
  timeoutMs?: number;
}

/**
 * Runs one Kafka tool class to its end. Never rejects: check exitCode. A JVM that outlives
 * the timeout is killed (SIGTERM, then SIGKILL).
 */
export async function runKafkaTool(tools: ConsoleTools, mainClass: string, args: string[], options: ConsoleRunOptions = {}) {
  return execa(javaBin(), ['-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${tools.log4jConfig}`, '-cp', tools.classpath, mainClass, ...args], {
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 45_000,
    forceKillAfterDelay: 5_000,
    reject: false,
  });
}
