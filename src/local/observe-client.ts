import type { EnvSource } from '../config/env.js';
import { FirehoseError, UsageError } from '../errors.js';
import type { ObserveMessage } from './observe-server.js';
import { runningLab, runningLabs } from './lab-process.js';

/** The observe URL of the user's running `firehose up`; LAB_NOT_RUNNING when there is none. */
export async function findLocalLab(env: EnvSource, user: number): Promise<string> {
  const state = await runningLab({ env, user });
  if (!state?.observeUrl) {
    throw new FirehoseError('LAB_NOT_RUNNING', `No local lab with sink workers is running for user ${user}.`, {
      hint: 'Start one with `firehose up` (without --sink), or drop --local to watch the cluster.',
    });
  }
  return state.observeUrl;
}

/**
 * The observe URL of the one lab with sink workers running on this machine, whoever's it
 * is (`tail logs --local` without a user number); LAB_NOT_RUNNING when there is none, a
 * usage error naming the users when there are several.
 */
export async function findOnlyLocalLab(env: EnvSource): Promise<{ user: number; observeUrl: string }> {
  const labs = (await runningLabs(env)).filter((lab) => lab.observeUrl);
  if (labs.length === 1) return { user: labs[0]!.user, observeUrl: labs[0]!.observeUrl! };
  if (labs.length === 0) {
    throw new FirehoseError('LAB_NOT_RUNNING', 'No local lab with sink workers is running on this machine.', {
      hint: 'Start one with `firehose up` (without --sink), or drop --local to watch the cluster.',
    });
  }
  throw new UsageError(`Local labs of users ${labs.map((l) => l.user).join(', ')} are running here: say which one.`, `Pass --user ${labs[0]!.user} (or another of them).`);
}

/**
 * Streams the local lab's workers (as pod events) and their log lines until the signal
 * aborts or the lab stops. `onConnected` runs once the current workers have been sent.
 */
export async function followLocalLab(observeUrl: string, signal: AbortSignal, onMessage: (message: ObserveMessage) => void): Promise<void> {
  let response: Response;
  try {
    response = await fetch(new URL('watch', observeUrl), { signal });
  } catch (error) {
    if (signal.aborted) return;
    throw new FirehoseError('LAB_UNREACHABLE', `Cannot reach the local lab at ${observeUrl}: ${(error as Error).message}`, { hint: 'Is `firehose up` still running?' });
  }
  if (!response.ok || !response.body) throw new FirehoseError('LAB_UNREACHABLE', `The local lab at ${observeUrl} answered ${response.status}.`);
  const decoder = new TextDecoder();
  let rest = '';
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onMessage(JSON.parse(line) as ObserveMessage);
    }
  } catch (error) {
    if (!signal.aborted) throw new FirehoseError('LAB_UNREACHABLE', `Lost the local lab at ${observeUrl}: ${(error as Error).message}`);
  }
}
