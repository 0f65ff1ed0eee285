// Apache Kafka's own console clients (kafka-console-producer/-consumer, kafka-consumer-groups)
// for interop tests, in more than one Kafka version: the broker's own (4.x) and the last 3.x
// line, since users run both Java clients against firehose's embedded broker.
//
// Each version's classpath is what the broker's dependency list (kafka/pom.xml, kafka_2.13
// plus the log4j2 binding) resolves to at that version, plus the kafka-tools jar. kafka-tools'
// own dependency tree would add connect-runtime and Jetty, which these tools never load; and
// 3.x still needs the Scala core jar, whose kafka.tools.ConsoleProducer is the console producer
// there. Trimming further is whack-a-mole (core's static initialisers reach commons-validator,
// the group command reaches Jackson), so the broker's list it is.
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, javaBin, KAFKA_VERSION } from './kafka.js';
import { DEPENDENCY_PLUGIN, mavenLibs } from './maven.js';

/** The console tools' versions the interop tests run: the broker's own, and the last 3.x release. */
export const CONSOLE_TOOLS_VERSIONS: readonly string[] = [KAFKA_VERSION, '3.9.2'];

const BROKER_POM = fileURLToPath(new URL('kafka/pom.xml', import.meta.url));

// Client logs go to stderr at WARN, like the distribution's tools-log4j2.yaml: stdout keeps
// only records, and the broker config (log4j2.xml) would write a server.log instead.
const LOG4J2_STDERR = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="stderr" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers><Root level="warn"><AppenderRef ref="stderr"/></Root></Loggers>
</Configuration>
`;

export interface ConsoleTools {
  /** Kafka version of the tools and of the kafka-clients jar they run on. */
  version: string;
  /** -cp value: the version's libs dir. */
  classpath: string;
  /** log4j2 configuration sending client logs to stderr. */
  log4jConfig: string;
  /** Main class of kafka-console-producer. */
  producer: string;
  /** Main class of kafka-console-consumer. */
  consumer: string;
  /** Main class of kafka-consumer-groups. */
  consumerGroups: string;
}

/** What bin/kafka-console-producer.sh and friends run in `version`. */
function mainClasses(version: string): Pick<ConsoleTools, 'producer' | 'consumer' | 'consumerGroups'> {
  const major = Number(version.split('.')[0]);
  return {
    // 4.0 moved the producer from the Scala core jar to kafka-tools; the consumer and the
    // group command were already there in 3.8.
    producer: major >= 4 ? 'org.apache.kafka.tools.ConsoleProducer' : 'kafka.tools.ConsoleProducer',
    consumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
    consumerGroups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  };
}

/** Fetches the console tools of `version` (default: the test broker's) once into the cache. */
export async function ensureConsoleTools(version: string = KAFKA_VERSION): Promise<ConsoleTools> {
  const dir = join(cacheRoot(), `kafka-tools-${version}`);
  const log4jConfig = join(dir, 'log4j2-stderr.xml');
  // One Maven run, two goals: the broker's runtime dependencies at `version`, then the
  // kafka-tools jar alone (`copy` takes no transitive dependencies).
  const libs = await mavenLibs({
    dir,
    args: ['-f', BROKER_POM, `-Dkafka.version=${version}`, `${DEPENDENCY_PLUGIN}:copy-dependencies`, '-DincludeScope=runtime',
      `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=org.apache.kafka:kafka-tools:${version}:jar`],
    expect: [`kafka-clients-${version}.jar`, `kafka-tools-${version}.jar`],
    what: `Kafka ${version} console tools`,
  });
  await writeFile(log4jConfig, LOG4J2_STDERR);
  return { version, classpath: join(libs, '*'), log4jConfig, ...mainClasses(version) };
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
