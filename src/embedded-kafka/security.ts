// What `firehose kafka start --tls / --sasl` asks of the listener: the TLS files (made or
// taken, tls-files.ts) and the SASL users (a file, and one user from the environment). The
// command is thin; this returns the listener and what to tell the user, never a password.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { SASL_MECHANISMS, type SaslMechanism } from './sasl.js';
import type { ListenerOptions } from './server.js';
import { prepareTlsFiles, type TlsFiles } from './tls-files.js';

export type ClientAuth = 'required' | 'requested' | 'none';

export interface ListenerSecurityOptions {
  tls?: {
    dir: string;
    clientAuth: ClientAuth;
    /** The interface the broker listens on, named in a new server certificate. */
    host?: string;
    /** The password of a keystore made now (FIREHOSE_KEYSTORE_PASSWORD); default random. */
    keystorePassword?: string;
  };
  sasl?: {
    mechanisms: SaslMechanism[];
    /** `user:password` lines, or a JSON object {"user": "password"}. */
    usersFile?: string;
    /** One user from the environment (FIREHOSE_SASL_USERNAME / FIREHOSE_SASL_PASSWORD). */
    envUser?: { username: string; password: string };
  };
}

export interface ListenerSecurity {
  listener: Omit<ListenerOptions, 'host' | 'port'>;
  tlsFiles?: TlsFiles;
  /** User names (no passwords), for the start message. */
  users: string[];
}

/** `--sasl plain,scram-sha-256` (repeatable): Kafka's mechanism names. */
export function parseSaslMechanisms(values: string[]): SaslMechanism[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim().toUpperCase()).filter(Boolean);
  const unknown = names.filter((n) => !(SASL_MECHANISMS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new UsageError(`--sasl ${unknown.join(',') || '""'}: not a SASL mechanism the embedded broker has`, `Pick from ${SASL_MECHANISMS.map((m) => m.toLowerCase()).join(', ')}, e.g. --sasl scram-sha-512.`);
  }
  return [...new Set(names)] as SaslMechanism[];
}

/** Users from a file: `user:password` per line (# comments and blank lines skipped), or one JSON object {"user": "password"}. */
export function readUsersFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--users-file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'Give a file of user:password lines, or a JSON object {"user": "password"}.');
  }
  const users = new Map<string, string>();
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--users-file ${path} is not valid JSON: ${(error as Error).message.split('\n')[0]}`, 'Write one object {"user": "password", ...}, or user:password lines.');
    }
    for (const [user, password] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof password !== 'string' || !user) throw new UsageError(`--users-file ${path}: the entry for "${user}" is not a password string`, 'Write {"user": "password", ...}.');
      users.set(user, password);
    }
  } else {
    for (const [index, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      // The line itself may hold a password: name only its number.
      if (colon < 1) throw new UsageError(`--users-file ${path}, line ${index + 1}: not user:password`, 'One user per line, e.g. alice:some-password (# starts a comment).');
      users.set(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  return users;
}

/** The listener's TLS and SASL settings from the flags, making the TLS files that are missing. */
export async function resolveListenerSecurity(options: ListenerSecurityOptions): Promise<ListenerSecurity> {
  const listener: ListenerSecurity['listener'] = {};
  let tlsFiles: TlsFiles | undefined;
  let users: string[] = [];
  if (options.sasl) {
    const map = options.sasl.usersFile ? readUsersFile(options.sasl.usersFile) : new Map<string, string>();
    if (options.sasl.envUser) map.set(options.sasl.envUser.username, options.sasl.envUser.password);
    const needsUsers = options.sasl.mechanisms.some((m) => m !== 'OAUTHBEARER');
    if (needsUsers && map.size === 0) {
      throw new UsageError(
        `--sasl ${options.sasl.mechanisms.map((m) => m.toLowerCase()).join(',')} needs users, and none were given`,
        'Pass --users-file FILE (user:password lines), or set FIREHOSE_SASL_USERNAME and FIREHOSE_SASL_PASSWORD (passwords never go in flags).',
      );
    }
    listener.sasl = { mechanisms: options.sasl.mechanisms, users: map };
    users = [...map.keys()];
  }
  if (options.tls) {
    tlsFiles = await prepareTlsFiles({ dir: options.tls.dir, hosts: options.tls.host ? [options.tls.host] : [], ...(options.tls.keystorePassword === undefined ? {} : { keystorePassword: options.tls.keystorePassword }) });
    listener.tls = { ...tlsFiles.server, caPem: tlsFiles.caPem, clientAuth: options.tls.clientAuth };
  }
  return { listener, ...(tlsFiles ? { tlsFiles } : {}), users };
}
