import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ENV, type EnvSource } from '../config/env.js';
import { stateDir } from '../config/state-dir.js';
import { FirehoseError } from '../errors.js';
import type { LabHandle } from './lab.js';

/** What a running `firehose up` leaves for `down`, `tail logs --local` and people: its lab, and how to reach it. */
export interface UpState extends Omit<LabHandle, 'done'> {
  pid: number;
  user: number;
  /** Where the lab's Kafka is; embedded when `up` started its own broker. */
  bootstrap: string;
  embeddedKafka: boolean;
  /** Empty for a lab in the foreground. */
  logFile: string;
  startedAt: string;
}

export function upStatePath(env: EnvSource, user: number): string {
  return labStatePath(env, `up-user${user}`);
}

/** A background lab's state file in the state dir: `up-user7` (up's, per user), `edge` (edge up's). */
export function labStatePath(env: EnvSource, name: string): string {
  return join(stateDir(env), `${name}.json`);
}

/** Written whole or not at all: `up --detach` polls for this file while the lab writes it. */
export async function writeUpState<S extends { pid: number } = UpState>(path: string, state: S): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(state, null, 2)}\n`);
  await rename(partial, path);
}

export async function readUpState<S extends { pid: number } = UpState>(path: string): Promise<S | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as S;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FirehoseError('UP_STATE_UNREADABLE', `Cannot read ${path}: ${(error as Error).message}`, { hint: `Delete ${path} if no lab is running.` });
  }
}

export async function removeUpState(path: string): Promise<void> {
  await rm(path, { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
