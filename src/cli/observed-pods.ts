// What `tail logs` and `watch pods` share: which pods they follow, on the cluster or in the
// local lab (`firehose up`), and the hidden --watch-timeout flag.
import { Option } from '@commander-js/extra-typings';
import { ENV } from '../config/env.js';
import { UsageError, type FirehoseError } from '../errors.js';
import type { Runtime } from './runtime.js';
import { parsePositiveInt } from './flags.js';

export const DEFAULT_SERVICE = 'eventinghello';

/** `--selector` wins; else the Knative Service's pods. */
export function selectorFor(service: string | undefined, selector: string | undefined): string {
  if (selector) return selector;
  return `serving.knative.dev/service=${service ?? DEFAULT_SERVICE}`;
}

/** -A, as kubectl and stern spell it (and `firehose cleanup`). */
export function allNamespacesOption(): Option<'-A, --all-namespaces'> {
  return new Option('-A, --all-namespaces', 'pods in every namespace, not just the current one (kubectl -A; not with --local)');
}

/** Whether -A was given; with --local it is a usage error (the local lab has no namespaces). */
export function checkAllNamespaces(options: { allNamespaces?: boolean; local?: boolean }): boolean {
  if (options.allNamespaces && options.local) throw new UsageError('--all-namespaces is for the cluster: the local lab (--local) has no namespaces.', 'Leave out --all-namespaces for the local lab, or --local for the cluster.');
  return Boolean(options.allNamespaces);
}

export function hiddenWatchTimeout(): Option<'--watch-timeout <seconds>'> {
  // For tests and debugging: the server ends each watch after this long, and it is resumed.
  return new Option('--watch-timeout <seconds>', 'end each API watch after this many seconds (it is resumed)').hideHelp();
}

export function parseWatchTimeout(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parsePositiveInt(text, '--watch-timeout');
}

/**
 * The local lab to observe: with --local, the user's running `firehose up`; without it,
 * that lab too when there is no kubeconfig at all (no cluster to watch). Else undefined.
 */
export async function localLab(rt: Runtime, forced: boolean): Promise<string | undefined> {
  const { findLocalLab, findOnlyLocalLab } = await import('../local/observe-client.js');
  if (forced) {
    // No user number known (nor asked): the one lab running here, whoever's it is.
    if (await userKnown(rt)) return findLocalLab(rt.env, (await rt.user()).number);
    return (await findOnlyLocalLab(rt.env)).observeUrl;
  }
  try {
    await rt.cluster();
    return undefined;
  } catch (error) {
    if ((error as FirehoseError).code !== 'KUBECONFIG_MISSING') throw error;
    const fallbackUser = (await userKnown(rt)) ? await rt.user().catch(() => undefined) : undefined;
    if (fallbackUser) return findLocalLab(rt.env, fallbackUser.number).catch(() => { throw error; });
    return (await findOnlyLocalLab(rt.env).catch(() => { throw error; })).observeUrl;
  }
}

/** A user number given (flag, environment, config file), so nothing would be asked for it. */
async function userKnown(rt: Runtime): Promise<boolean> {
  return rt.flags.user !== undefined || Boolean(rt.env[ENV.user]) || (await rt.config()).user !== undefined;
}
