/**
 * The one way firehose connects to an MQTT broker (the bridge, the sensors): MQTT.js with the
 * settings the edge commands share: URL (mqtt://, mqtts://), protocol 3.1.1 or 5, client id,
 * clean or persistent session, username with the password from FIREHOSE_MQTT_PASSWORD or a
 * prompt (never a flag), TLS with a CA file and verification on unless turned off. A broker
 * that refuses, is not there or never answers is a one-line FirehoseError, never a hang.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { ENV, type EnvSource } from '../config/env.js';
import { secretFrom } from '../config/secret.js';
import { readTlsFile } from '../config/tls-file.js';
import { FirehoseError, UsageError } from '../errors.js';
import type { AskSecret, Logger } from '../logger.js';

/** Where firehose's own MQTT broker listens unless told otherwise (`firehose mqtt start`). */
export const DEFAULT_MQTT_URL = 'mqtt://localhost:1883';

export interface MqttSettings {
  /** mqtt://host:port or mqtts://host:port (default port 1883 / 8883). */
  url: string;
  /** 4 = MQTT 3.1.1, 5 = MQTT 5. */
  protocolVersion: 4 | 5;
  clientId?: string;
  /** false: a persistent session (the broker keeps subscriptions and queued QoS 1 messages for this client id). */
  clean: boolean;
  username?: string;
  /** TLS: the CA that signed the broker's certificate (mqtts://). */
  caFile?: string;
  /** TLS without verifying the broker's certificate: insecure, with a warning. */
  insecure?: boolean;
  connectTimeoutMs: number;
}

export interface MqttDeps {
  env: EnvSource;
  log: Logger;
  askSecret?: AskSecret;
}

/** Checks an MQTT URL; a bad one is a usage error naming the flag. */
export function parseMqttUrl(text: string, flag = '--mqtt'): URL {
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `mqtt://${text}`);
  } catch {
    throw new UsageError(`${flag} "${text}" is not a URL.`, 'Example: mqtt://localhost:1883 (mqtts:// for TLS).');
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:'].includes(url.protocol)) throw new UsageError(`${flag} "${text}": use mqtt:// or mqtts://, not ${url.protocol}//.`);
  if (url.username || url.password) throw new UsageError(`${flag} must not carry credentials.`, `Use --mqtt-username and ${ENV.mqttPassword} (passwords never go in flags or URLs).`);
  return url;
}

/** What a refused or failed connection means, as one line with the next step. */
function connectError(settings: MqttSettings, error: Error & { code?: string | number }): FirehoseError {
  const where = settings.url;
  const code = error.code;
  if (code === 'ECONNREFUSED') {
    return new FirehoseError('MQTT_UNREACHABLE', `Cannot reach the MQTT broker at ${where}: connection refused.`, { hint: 'Start one with `firehose mqtt start`, or give its address with --mqtt.', cause: error });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new FirehoseError('MQTT_UNREACHABLE', `Cannot reach the MQTT broker at ${where}: the host name does not resolve.`, { hint: 'Check the host in --mqtt.', cause: error });
  }
  // CONNACK 1 (3.1.1) / 132 (5.0): the broker does not speak this protocol version (aedes, and so
  // `firehose mqtt start`, speaks 3.1.1 only).
  if (code === 1 || code === 132) {
    const version = settings.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
    return new FirehoseError('MQTT_VERSION_UNSUPPORTED', `The MQTT broker at ${where} does not accept ${version} clients.`, {
      hint: settings.protocolVersion === 5 ? 'Use --mqtt-version 4 (firehose mqtt start speaks MQTT 3.1.1 only; Mosquitto speaks both).' : 'Use --mqtt-version 5.',
      cause: error,
    });
  }
  // CONNACK return codes (3.1.1: 4 bad user name or password, 5 not authorized; 5.0: 134, 135).
  if (code === 4 || code === 5 || code === 134 || code === 135) {
    return new FirehoseError('MQTT_AUTH_FAILED', `The MQTT broker at ${where} refused the credentials${settings.username ? ` of ${settings.username}` : ' (none given)'}: ${error.message.replace(/^Connection refused: /, '')}.`, { hint: `Check --mqtt-username and ${ENV.mqttPassword}.`, cause: error });
  }
  if (/certificate|self.signed|unable to verify/i.test(error.message)) {
    return new FirehoseError('TLS_UNTRUSTED', `The MQTT broker's certificate at ${where} is not trusted: ${error.message}.`, { hint: 'Give the CA with --mqtt-ca-file.', cause: error });
  }
  return new FirehoseError('MQTT_UNREACHABLE', `Cannot connect to the MQTT broker at ${where}: ${error.message}.`, { cause: error });
}

/**
 * Connects (once; no reconnect loop until connected) and resolves with the client, or throws
 * one line. `prepare` gets the client before the first packet arrives: a persistent session's
 * queued messages come right after the broker accepts the connection.
 */
export async function connectMqtt(settings: MqttSettings, deps: MqttDeps, extra: Partial<IClientOptions> = {}, prepare: (client: MqttClient) => void = () => {}): Promise<MqttClient> {
  const url = parseMqttUrl(settings.url);
  const password = settings.username === undefined ? undefined : await secretFrom(ENV.mqttPassword, `MQTT password for ${settings.username}:`, deps, `Set ${ENV.mqttPassword}.`);
  const tls = url.protocol === 'mqtts:' || url.protocol === 'ssl:' || url.protocol === 'tls:';
  if (tls && settings.insecure) deps.log.warn('TLS verification of the MQTT broker is off (--mqtt-insecure): anyone in between can read and change the messages.');
  const options: IClientOptions = {
    protocolVersion: settings.protocolVersion,
    clean: settings.clean,
    clientId: settings.clientId ?? `firehose-${Math.random().toString(16).slice(2, 10)}`,
    connectTimeout: settings.connectTimeoutMs,
    reconnectPeriod: 0,
    ...(settings.username === undefined ? {} : { username: settings.username, password }),
    ...(tls ? { rejectUnauthorized: !settings.insecure, ...(settings.caFile ? { ca: await readTlsFile(settings.caFile, '--mqtt-ca-file') } : {}) } : {}),
    ...extra,
  };
  const mqtt = await import('mqtt');
  const client = mqtt.connect(url.href.replace(/^tcp:/, 'mqtt:').replace(/^(ssl|tls):/, 'mqtts:'), options);
  prepare(client);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new FirehoseError('MQTT_UNREACHABLE', `The MQTT broker at ${settings.url} did not answer within ${settings.connectTimeoutMs} ms.`, { hint: 'Check --mqtt (host and port) and that the broker runs.' }));
    }, settings.connectTimeoutMs + 1000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      client.end(true);
      reject(connectError(settings, error as Error & { code?: string | number }));
    };
    const closed = () => fail(Object.assign(new Error('the broker closed the connection before it accepted this client'), { code: 'CLOSED' }));
    client.once('connect', () => {
      clearTimeout(timer);
      client.removeListener('error', fail);
      client.removeListener('close', closed);
      resolve();
    });
    client.once('error', fail);
    client.once('close', closed);
  });
  return client;
}
