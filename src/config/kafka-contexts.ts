/**
 * Named Kafka connections in the config file (kafkactl, rpk and kaf have them; seed 002 has
 * a factory and a central cluster): `kafkaContexts.NAME` holds one connection, and
 * `kafkaContext` names the one in effect when no --kafka-context is given.
 */
import { UsageError } from '../errors.js';
import type { ConfigFile, KafkaFileSettings } from './config-file.js';
import { DEFAULT_KAFKA_CONTEXT, parseBrokers } from './connection.js';
import { updateConfigFile } from './write-config.js';

export interface KafkaContextSummary {
  name: string;
  bootstrap: string | null;
  current: boolean;
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][\w.-]{0,62}$/.test(name)) {
    throw new UsageError(`A Kafka context name must be letters, digits, ".", "_" or "-" (at most 63), not "${name}".`, 'Example: firehose config add-context central --bootstrap central-kafka:9092');
  }
  if (name === DEFAULT_KAFKA_CONTEXT) {
    throw new UsageError(`"${DEFAULT_KAFKA_CONTEXT}" is the name of the plain kafka settings; pick another name for a context.`);
  }
}

/** Writes (or replaces) context `name` with `settings`; with `use`, makes it the one in effect. */
export async function addKafkaContext(path: string, name: string, settings: KafkaFileSettings, use: boolean): Promise<ConfigFile> {
  checkName(name);
  if (!settings.bootstrap) throw new UsageError(`A Kafka context needs --bootstrap (where its brokers are).`, `Example: firehose config add-context ${name} --bootstrap host:9092`);
  parseBrokers(settings.bootstrap, '--bootstrap');
  return updateConfigFile(path, { kafkaContexts: { [name]: settings }, ...(use ? { kafkaContext: name } : {}) }, [['kafkaContexts', name]]);
}

/** Makes `name` the context in effect; `default` goes back to the plain `kafka` settings. */
export async function useKafkaContext(path: string, file: ConfigFile, name: string): Promise<ConfigFile> {
  if (name === DEFAULT_KAFKA_CONTEXT) return updateConfigFile(path, {}, [['kafkaContext']]);
  if (!file.kafkaContexts?.[name]) {
    const known = Object.keys(file.kafkaContexts ?? {});
    throw new UsageError(`There is no Kafka context "${name}" in ${path}; it has ${known.length ? known.join(', ') : 'none'}.`, `Add it first: firehose config add-context ${name} --bootstrap host:port`);
  }
  return updateConfigFile(path, { kafkaContext: name });
}

/** Every context, `default` (the plain kafka settings) first; `current` names the one in effect. */
export function listKafkaContexts(file: ConfigFile, current: string | undefined): KafkaContextSummary[] {
  return [
    { name: DEFAULT_KAFKA_CONTEXT, bootstrap: file.kafka?.bootstrap ?? null, current: current === undefined },
    ...Object.entries(file.kafkaContexts ?? {}).map(([name, settings]) => ({ name, bootstrap: settings.bootstrap ?? null, current: current === name })),
  ];
}
