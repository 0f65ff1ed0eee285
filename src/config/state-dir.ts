import { homedir } from 'node:os';
import { join } from 'node:path';
import { ENV, type EnvSource } from './env.js';

/** Where firehose keeps state between runs: $XDG_STATE_HOME/firehose, else ~/.local/state/firehose. */
export function stateDir(env: EnvSource): string {
  return join(env[ENV.xdgStateHome] || join(env[ENV.home] || homedir(), '.local', 'state'), 'firehose');
}
