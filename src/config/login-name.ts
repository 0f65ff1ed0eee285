import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ENV, type EnvSource } from './env.js';

/**
 * The user name of the kubeconfig's current (or given) context, read as kubectl would
 * find the file (first KUBECONFIG entry, else ~/.kube/config). undefined when absent.
 */
export async function kubeContextUserName(env: EnvSource, context?: string): Promise<string | undefined> {
  const path = env[ENV.kubeconfig]?.split(delimiter).find(Boolean) ?? join(env[ENV.home] || homedir(), '.kube', 'config');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const { parse } = await import('yaml');
  const config = parse(text) as { 'current-context'?: string; contexts?: Array<{ name: string; context?: { user?: string } }> } | null;
  const name = context ?? config?.['current-context'];
  return config?.contexts?.find((c) => c.name === name)?.context?.user;
}

/** `oc whoami`, when the oc binary is on the PATH and answers within a few seconds. */
export async function ocWhoami(env: EnvSource): Promise<string | undefined> {
  const { execa } = await import('execa');
  const result = await execa('oc', ['whoami'], { env: env as NodeJS.ProcessEnv, timeout: 5000, reject: false, stdin: 'ignore' });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}
