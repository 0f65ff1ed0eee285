/**
 * The local lab as an operating-system process: `up --detach` starts it again in the
 * background and waits until it is up, `up` refuses a second lab for the same user, the
 * running lab records itself in a state file, and `down` stops it. The command line and
 * the environment are passed in: nothing here reads process.argv or process.env. Another
 * kind of lab (`edge up`, `edge down`) uses the same machinery with its own state file.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ENV, type EnvSource } from '../config/env.js';
import { FirehoseError } from '../errors.js';
import { labStatePath, processAlive, readUpState, removeUpState, upStatePath, writeUpState, type UpState } from './up-state.js';

/**
 * A kind of background lab other than `up`'s (which is one per user): where it records
 * itself and how messages name it. One of a kind runs per machine.
 */
export interface LabKind {
  /** Its state file's name in the state dir, without `.json` (the log beside it ends `.log`). */
  stateName: string;
  /** "The edge lab is already running (pid 123)." */
  alreadyRunning: (pid: number) => string;
  /** "No background edge lab is running." */
  notRunning: string;
  /** The commands that stop it and that start it in the background, for hints. */
  stopCommand: string;
  startCommand: string;
}

/**
 * Which lab: `up`'s for a user (one lab per user and machine), or another kind. The
 * environment is the one firehose runs in: where state files go, and what a background lab inherits.
 */
export type LabProcessOptions = { env: EnvSource } & ({ user: number; kind?: undefined } | { kind: LabKind; user?: undefined });

export type DetachOptions = LabProcessOptions & {
  /** Runs the same lab in the foreground: node, its flags, firehose's script, the arguments without --detach. */
  command: readonly string[];
  /** How long to wait for the background lab to record itself. */
  timeoutMs: number;
};

export interface DetachedLab<S = UpState> {
  state: S;
  /** Where the background lab's output goes. */
  logFile: string;
}

/** `up`'s lab for a user, in the words of `up` and `down`. */
function upKind(user: number): LabKind {
  return {
    stateName: `up-user${user}`,
    alreadyRunning: (pid) => `A lab for user ${user} is already running (pid ${pid}).`,
    notRunning: `No background lab is running for user ${user}.`,
    stopCommand: 'firehose down',
    startCommand: 'firehose up --detach',
  };
}

function kindOf(options: LabProcessOptions): LabKind {
  return options.kind ?? upKind(options.user);
}

function statePathOf(options: LabProcessOptions): string {
  return options.kind ? labStatePath(options.env, options.kind.stateName) : upStatePath(options.env, options.user);
}

/** What the running lab records, besides what lab-process knows itself (pid, user, log, start time). */
export type LabRecord = Omit<UpState, 'pid' | 'user' | 'logFile' | 'startedAt'>;

/** Every lab running on this machine (any user), as their state files have them. */
export async function runningLabs(env: EnvSource): Promise<UpState[]> {
  const dir = dirname(upStatePath(env, 0));
  const names = await readdir(dir).catch(() => [] as string[]);
  const labs: UpState[] = [];
  for (const name of names) {
    const user = /^up-user(\d+)\.json$/.exec(name)?.[1];
    if (user === undefined) continue;
    const state = await runningLab({ env, user: Number(user) }).catch(() => undefined);
    if (state) labs.push(state);
  }
  return labs.sort((a, b) => a.user - b.user);
}

/** The user's lab (or the kind's) as its state file has it, when that process is alive. */
export async function runningLab<S extends { pid: number } = UpState>(options: LabProcessOptions): Promise<S | undefined> {
  const state = await readUpState<S>(statePathOf(options));
  return state && processAlive(state.pid) ? state : undefined;
}

async function assertNotRunning(options: LabProcessOptions): Promise<void> {
  const existing = await runningLab(options);
  if (existing && existing.pid !== process.pid) {
    const kind = kindOf(options);
    throw new FirehoseError('LAB_RUNNING', kind.alreadyRunning(existing.pid), { hint: `Stop it first (Ctrl-C there, or \`${kind.stopCommand}\`).` });
  }
}

/**
 * Fails when another process already runs a lab for the user. A lab that `up --detach`
 * started skips the check: its parent made it, and is waiting for this one.
 */
export async function refuseIfRunning(options: LabProcessOptions): Promise<void> {
  if (options.env[ENV.upState]) return;
  await assertNotRunning(options);
}

/** Starts `options.command` in the background, its output to a log file, and waits until it records itself. */
export async function detachLab<S extends { pid: number } = UpState>(options: DetachOptions): Promise<DetachedLab<S>> {
  await assertNotRunning(options);
  const statePath = statePathOf(options);
  await removeUpState(statePath);
  const logFile = statePath.replace(/\.json$/, '.log');
  await mkdir(dirname(logFile), { recursive: true });
  const [file, ...args] = options.command;
  if (!file) throw new Error('detachLab: no command to run');
  const log = openSync(logFile, 'a');
  let failed = false;
  try {
    const child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...options.env, [ENV.upState]: statePath, [ENV.upLog]: logFile, ...(options.user === undefined ? {} : { [ENV.user]: String(options.user) }) },
    });
    child.on('error', () => { failed = true; });
    child.unref();
    const deadline = Date.now() + options.timeoutMs;
    while (Date.now() < deadline) {
      const state = await readUpState<S>(statePath);
      if (state) return { state, logFile };
      if (failed || child.exitCode !== null) break;
      await delay(100);
    }
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(log);
  }
  throw new FirehoseError('LAB_START_FAILED', `The background lab did not start; see ${logFile}.`);
}

/**
 * Writes the state file by which `down`, `tail logs --local` and `watch pods --local` find
 * this lab (the one a detaching parent named, else the user's or the kind's); returns its removal.
 */
export async function recordLab<R extends object = LabRecord>(options: LabProcessOptions, lab: R): Promise<() => Promise<void>> {
  const statePath = options.env[ENV.upState] ?? statePathOf(options);
  const state = { pid: process.pid, ...(options.user === undefined ? {} : { user: options.user }), ...lab, logFile: options.env[ENV.upLog] ?? '', startedAt: new Date().toISOString() };
  try {
    await writeUpState(statePath, state);
  } catch (error) {
    throw new FirehoseError('UP_STATE_UNWRITABLE', `Cannot write ${statePath} (${(error as Error).message})`, { cause: error });
  }
  return () => removeUpState(statePath);
}

/** Stops the user's (or the kind's) background lab: SIGTERM, then SIGKILL after `timeoutMs`. */
export async function stopLab(options: LabProcessOptions & { timeoutMs: number }): Promise<{ pid: number }> {
  const statePath = statePathOf(options);
  const state = await runningLab(options);
  if (!state) {
    await removeUpState(statePath);
    const kind = kindOf(options);
    throw new FirehoseError('LAB_NOT_RUNNING', kind.notRunning, { hint: `Start one with \`${kind.startCommand}\`.` });
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + options.timeoutMs;
  while (processAlive(state.pid) && Date.now() < deadline) await delay(100);
  if (processAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  await removeUpState(statePath);
  return { pid: state.pid };
}
