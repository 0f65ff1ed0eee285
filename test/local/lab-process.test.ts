// The lab as a process: detach, refuse a second lab, record, stop. The "lab" here is a tiny
// node script that writes the state file the way `up` does, so no Kafka is needed.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FirehoseError } from '../../src/errors.js';
import { detachLab, recordLab, refuseIfRunning, runningLab, stopLab, type LabRecord } from '../../src/local/lab-process.js';
import { processAlive, readUpState, upStatePath } from '../../src/local/up-state.js';

const RECORD: LabRecord = {
  bootstrap: '127.0.0.1:9092', embeddedKafka: false, topic: 'my-topic-7', group: 'knative-group-7',
  sinkUrl: 'http://127.0.0.1:1/', services: [], brokerUrl: null, channelUrl: null, observeUrl: null, triggers: [],
};

/** A background "lab": writes its state file from the environment `detachLab` gives it, then waits (or ignores SIGTERM). */
function fakeLab(options: { ignoreTerm?: boolean; exitAtOnce?: boolean } = {}): string[] {
  const script = options.exitAtOnce
    ? 'console.log("no lab today"); process.exit(3);'
    : `${options.ignoreTerm ? 'process.on("SIGTERM", () => {});' : ''}
       const fs = require('node:fs');
       const state = { pid: process.pid, user: Number(process.env.FIREHOSE_USER), ...${JSON.stringify(RECORD)}, logFile: process.env.FIREHOSE_UP_LOG, startedAt: new Date().toISOString() };
       console.log('lab up');
       fs.writeFileSync(process.env.FIREHOSE_UP_STATE, JSON.stringify(state));
       setInterval(() => {}, 1000);`;
  return [process.execPath, '-e', script];
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FirehoseError);
  return (error as FirehoseError).code;
}

describe('the lab as a process', () => {
  let env: Record<string, string>;
  const user = 7;
  const pids: number[] = [];

  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firehose-lab-process-'));
    env = { HOME: dir, XDG_STATE_HOME: dir, PATH: process.env.PATH ?? '' };
  });
  afterEach(async () => {
    for (const pid of pids.splice(0)) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(env.HOME!, { recursive: true, force: true });
  });

  it('detaches a lab, refuses a second one, and stops it', { timeout: 20_000 }, async () => {
    const { state, logFile } = await detachLab({ user, env, command: fakeLab(), timeoutMs: 10_000 });
    pids.push(state.pid);
    expect(state).toMatchObject({ user: 7, topic: 'my-topic-7', logFile });
    expect(processAlive(state.pid)).toBe(true);
    expect(logFile).toBe(upStatePath(env, user).replace(/\.json$/, '.log'));
    expect(await readFile(logFile, 'utf8')).toContain('lab up');
    expect((await runningLab({ user, env }))?.pid).toBe(state.pid);

    expect(await codeOf(refuseIfRunning({ user, env }))).toBe('LAB_RUNNING');
    expect(await codeOf(detachLab({ user, env, command: fakeLab(), timeoutMs: 10_000 }))).toBe('LAB_RUNNING');
    // The lab a detach started does not refuse itself: its parent checked.
    await refuseIfRunning({ user, env: { ...env, FIREHOSE_UP_STATE: upStatePath(env, user) } });

    expect(await stopLab({ user, env, timeoutMs: 5_000 })).toEqual({ pid: state.pid });
    expect(processAlive(state.pid)).toBe(false);
    expect(await readUpState(upStatePath(env, user))).toBeUndefined();
    expect(await codeOf(stopLab({ user, env, timeoutMs: 5_000 }))).toBe('LAB_NOT_RUNNING');
  });

  it('kills a lab that ignores SIGTERM once the timeout is over', { timeout: 20_000 }, async () => {
    const { state } = await detachLab({ user, env, command: fakeLab({ ignoreTerm: true }), timeoutMs: 10_000 });
    pids.push(state.pid);
    const started = Date.now();
    await stopLab({ user, env, timeoutMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await expect.poll(() => processAlive(state.pid)).toBe(false);
  });

  it('says where to look when the background lab exits before it is up', { timeout: 20_000 }, async () => {
    const error = await detachLab({ user, env, command: fakeLab({ exitAtOnce: true }), timeoutMs: 10_000 }).catch((e: FirehoseError) => e);
    expect(error).toMatchObject({ code: 'LAB_START_FAILED', message: expect.stringMatching(/^The background lab did not start; see .*up-user7\.log\.$/) });
    expect(await readFile(upStatePath(env, user).replace(/\.json$/, '.log'), 'utf8')).toContain('no lab today');
  });

  it('records the lab in this process where the detaching parent said, and forgets it', async () => {
    const statePath = join(env.HOME!, 'named-by-parent.json');
    const forget = await recordLab({ user, env: { ...env, FIREHOSE_UP_STATE: statePath, FIREHOSE_UP_LOG: '/tmp/lab.log' } }, RECORD);
    expect(await readUpState(statePath)).toMatchObject({ pid: process.pid, user: 7, logFile: '/tmp/lab.log', ...RECORD });
    await forget();
    expect(await readUpState(statePath)).toBeUndefined();
  });

  it('says which state file it cannot write', async () => {
    const inAFile = join(env.HOME!, 'a-file');
    await writeFile(inAFile, '');
    const error = await recordLab({ user, env: { ...env, FIREHOSE_UP_STATE: join(inAFile, 'up.json') } }, RECORD).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^Cannot write .*a-file\/up\.json \(/);
  });
});
