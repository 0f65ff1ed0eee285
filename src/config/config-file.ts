import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FirehoseError } from '../errors.js';
import { ENV, type EnvSource } from './env.js';

/** What `~/.config/firehose/config.yaml` may hold. Every field is optional. */
export interface ConfigFile {
  user?: number;
  namespace?: string;
  context?: string;
  kafka?: {
    bootstrap?: string;
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    keystore?: string;
    skipHostnameVerification?: boolean;
    sasl?: { mechanism?: string; username?: string };
    connectTimeoutMs?: number;
  };
}

export function configFilePath(env: EnvSource = process.env): string {
  const explicit = env[ENV.config];
  if (explicit) return explicit;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
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
  return parsed as ConfigFile;
}
