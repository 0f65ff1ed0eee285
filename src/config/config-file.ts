import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FirehoseError, UsageError } from '../errors.js';
import { parseBrokers, SASL_MECHANISMS } from './connection.js';
import { MAX_DURATION_MS } from './duration.js';
import { ENV, type EnvSource } from './env.js';

/** One Kafka connection as the config file holds it (no passwords, ever). */
export interface KafkaFileSettings {
  bootstrap?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  keystore?: string;
  skipHostnameVerification?: boolean;
  sasl?: { mechanism?: string; username?: string };
  connectTimeoutMs?: number;
}

/** What `~/.config/firehose/config.yaml` may hold. Every field is optional. */
export interface ConfigFile {
  user?: number;
  namespace?: string;
  /** The kubeconfig context. */
  context?: string;
  /** The Kafka connection when no named Kafka context is chosen. */
  kafka?: KafkaFileSettings;
  /** Named Kafka connections (seed 002's factory and central clusters), chosen with --kafka-context or kafkaContext. */
  kafkaContexts?: Record<string, KafkaFileSettings>;
  /** The named Kafka context in effect (config use-context). */
  kafkaContext?: string;
}

export function configFilePath(env: EnvSource): string {
  const explicit = env[ENV.config];
  if (explicit) return explicit;
  const base = env[ENV.xdgConfigHome] || join(homedir(), '.config');
  return join(base, 'firehose', 'config.yaml');
}

/** Reads the config file; a missing file is an empty config, a malformed one is an error. */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new FirehoseError('CONFIG_UNREADABLE', `Cannot read config file ${path}: ${(error as Error).message}`, {
      hint: `Check its permissions, or point ${ENV.config} at another file.`,
    });
  }
  const { parse } = await import('yaml');
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new FirehoseError('CONFIG_MALFORMED', `Config file ${path} is not valid YAML: ${reason}`, {
      hint: 'Fix the file, or delete it and run `firehose init` (or set values with flags).',
    });
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FirehoseError('CONFIG_MALFORMED', `Config file ${path} must hold a YAML mapping (key: value lines).`, {
      hint: 'Example:\n  user: 7\n  kafka:\n    bootstrap: localhost:9092',
    });
  }
  checkTypes(parsed as Record<string, unknown>, CONFIG_SCHEMA, '', path);
  return parsed as ConfigFile;
}

/** What a value must be, said the way the error message says it; undefined when it fits. */
type Expect = (value: unknown) => string | undefined;
interface Schema { [key: string]: Expect | Schema }
/** A mapping whose every key (a name the user chose) holds a value of `schema`. */
const EACH = '*';

const text: Expect = (value) => (typeof value === 'string' ? undefined : 'a string');
const flag: Expect = (value) => (typeof value === 'boolean' ? undefined : 'true or false');
const userNumber: Expect = (value) =>
  (typeof value === 'number' || typeof value === 'string') && /^(user)?\d{1,6}$/i.test(String(value).trim()) ? undefined : 'a number such as 7 (or user7)';
const mechanism: Expect = (value) =>
  typeof value === 'string' && (SASL_MECHANISMS as string[]).includes(value.toLowerCase()) ? undefined : `one of ${SASL_MECHANISMS.join(', ')}`;
const bootstrap: Expect = (value) => {
  try {
    if (typeof value === 'string' && parseBrokers(value, 'kafka.bootstrap')) return undefined;
  } catch {}
  return 'host:port[,host:port...] with ports from 1 to 65535, such as localhost:9092';
};
const milliseconds: Expect = (value) =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_DURATION_MS
    ? undefined
    : `a whole number of milliseconds from 1 to ${MAX_DURATION_MS}, such as 10000`;

/** The keys firehose reads and their types; other keys are left alone (`init` keeps them too). */
const KAFKA_SCHEMA: Schema = {
  bootstrap,
  caFile: text,
  certFile: text,
  keyFile: text,
  keystore: text,
  skipHostnameVerification: flag,
  sasl: { mechanism, username: text },
  connectTimeoutMs: milliseconds,
};

const CONFIG_SCHEMA: Schema = {
  user: userNumber,
  namespace: text,
  context: text,
  kafka: KAFKA_SCHEMA,
  kafkaContexts: { [EACH]: KAFKA_SCHEMA },
  kafkaContext: text,
};

/**
 * A wrong type in the file (`kafka.bootstrap: 5`) would otherwise surface later as a
 * crash or be silently ignored: name the key and the file instead, as bad usage.
 */
function checkTypes(values: Record<string, unknown>, schema: Schema, prefix: string, path: string): void {
  const each = schema[EACH];
  const entries = each === undefined ? Object.entries(schema) : Object.keys(values).map((key) => [key, each] as const);
  for (const [key, expect] of entries) {
    const value = values[key];
    // `key:` with nothing after it is null in YAML: the same as leaving the key out.
    if (value === null) delete values[key];
    if (value === undefined || value === null) continue;
    const name = `${prefix}${key}`;
    if (typeof expect === 'function') {
      const wanted = expect(value);
      if (wanted !== undefined) throw invalidValue(path, name, wanted, value);
    } else if (typeof value !== 'object' || Array.isArray(value)) {
      throw invalidValue(path, name, 'a mapping of keys under it', value);
    } else {
      checkTypes(value as Record<string, unknown>, expect, `${name}.`, path);
    }
  }
}

function invalidValue(path: string, key: string, wanted: string, value: unknown): FirehoseError {
  const shown = JSON.stringify(value) ?? String(value);
  return new UsageError(`${key} in config file ${path} must be ${wanted}, not ${shown}.`, `Fix or remove ${key} in that file.`, { code: 'CONFIG_INVALID' });
}
