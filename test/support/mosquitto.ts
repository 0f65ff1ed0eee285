// A real MQTT broker for the edge tests: Eclipse Mosquitto (Debian's `mosquitto`, installed by
// .ci/run), started on a free loopback port with its own config, optionally with one user.
// The clients `mosquitto_pub` / `mosquitto_sub` (Debian's `mosquitto-clients`) are the peers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePorts } from './kafka.js';
import { waitFor } from './wait.js';

export interface MosquittoHandle {
  /** mqtt://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Everything mosquitto logged. */
  log(): string;
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  /** Require this user (and no anonymous clients). */
  user?: { username: string; password: string };
  /** Keep QoS 1 sessions and queued messages on disk across restarts (same dir). */
  persistenceDir?: string;
  /** Listen on this port (default: a free one). */
  port?: number;
}

/** The mosquitto binary (Debian puts it in /usr/sbin, often not on a user's PATH). */
export function mosquittoBin(): string {
  return process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'firehose-mosquitto-'));
  const port = options.port ?? (await freePorts(1))[0]!;
  // Started as root (CI), mosquitto drops to its own user, who could not read this temp dir.
  const lines = [...(process.getuid?.() === 0 ? ['user root'] : []), `listener ${port} 127.0.0.1`, 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information', 'max_queued_messages 100000'];
  if (options.user) {
    const passwords = join(dir, 'passwords');
    await writeFile(passwords, '');
    await execa('mosquitto_passwd', ['-b', passwords, options.user.username, options.user.password]);
    lines.push('allow_anonymous false', `password_file ${passwords}`);
  } else lines.push('allow_anonymous true');
  if (options.persistenceDir) lines.push('persistence true', `persistence_location ${options.persistenceDir}/`, 'autosave_interval 1');
  const config = join(dir, 'mosquitto.conf');
  await writeFile(config, `${lines.join('\n')}\n`);
  let output = '';
  const child: ChildProcess = spawn(mosquittoBin(), ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${output.trim().split('\n').pop()}`);
      return portOpen(port);
    }, { timeoutMs: 10_000, what: `mosquitto to listen on ${port}`, intervalMs: 50 });
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      process.removeListener('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
