import { Command } from '@commander-js/extra-typings';
import type { PodEvent, PodSummary } from '../../cluster/pods.js';
import { runtimeOf, withExamples } from '../action.js';
import { allNamespacesOption, checkAllNamespaces, DEFAULT_SERVICE, hiddenWatchTimeout, localLab, parseWatchTimeout, selectorFor } from '../observed-pods.js';
import type { Runtime } from '../runtime.js';
import { LiveBlock, podTable } from '../../ui/pods.js';

/** Counts of ready pods: now, and the most seen at once. */
export class ReadyCounter {
  readonly pods = new Map<string, PodSummary>();
  max = 0;

  apply(event: PodEvent): void {
    // By namespace and name: with -A, two pods can share a name.
    const key = `${event.pod.namespace ?? ''}/${event.pod.name}`;
    if (event.type === 'deleted') this.pods.delete(key);
    else this.pods.set(key, event.pod);
    this.max = Math.max(this.max, this.ready);
  }

  get ready(): number {
    let n = 0;
    for (const p of this.pods.values()) if (p.allReady) n++;
    return n;
  }

  summary(): string {
    return `ready ${this.ready} (max ${this.max})`;
  }
}

/** Streams the local lab's pod events until the signal aborts or the lab stops. */
async function localPods(observeUrl: string, signal: AbortSignal, onPodEvent: (event: PodEvent) => void): Promise<void> {
  const { followLocalLab } = await import('../../local/observe-client.js');
  return followLocalLab(observeUrl, signal, (message) => {
    if (message.stream === 'pod') onPodEvent(message.event);
  });
}

async function watchPodsAction(rt: Runtime, service: string | undefined, options: { selector?: string; pod?: string; watchTimeout?: string; local?: boolean; allNamespaces?: boolean }): Promise<void> {
  const { podNameRegex, watchPods, formatAge, namespacesText } = await import('../../cluster/pods.js');
  const allNamespaces = checkAllNamespaces(options);
  const nameRegex = podNameRegex(options.pod);
  const watchTimeoutSeconds = parseWatchTimeout(options.watchTimeout);
  const counter = new ReadyCounter();
  const live = rt.out.interactive && Boolean(rt.out.stdout.isTTY);
  const block = new LiveBlock(rt.out.stdout);
  let synced = false;
  const redraw = () => block.draw([...podTable([...counter.pods.values()], Date.now(), formatAge, { namespaces: allNamespaces }), '', rt.out.paint('bold', counter.summary())]);
  const onSync = (pods: unknown[]) => {
    if (!synced && pods.length === 0) rt.out.info(rt.out.paint('gray', 'waiting for pods...'));
    synced = true;
    if (live) redraw();
  };
  const onPodEvent = (event: PodEvent) => {
      counter.apply(event);
      if (rt.out.structured) {
        rt.out.data({ type: event.type, pod: event.pod, ready: counter.ready, maxReady: counter.max });
      } else if (live) {
        if (synced) redraw();
      } else {
        const p = event.pod;
        rt.out.line(`${event.type.toUpperCase()} ${allNamespaces ? `${p.namespace} ` : ''}${p.name} ${p.status} ${p.ready}  ${counter.summary()}`);
      }
  };
  // The AGE column moves on its own: refresh the live table every second.
  const ticker = live ? setInterval(() => { if (synced) redraw(); }, 1000) : undefined;
  try {
    // -A is about the cluster's namespaces: no falling back to the local lab.
    const local = allNamespaces ? undefined : await localLab(rt, Boolean(options.local));
    if (local) {
      rt.out.info(rt.out.paint('gray', 'Watching the local lab\'s sink workers; Ctrl-C to stop.'));
      // The lab sends its current workers first, then every change: nothing to list.
      synced = true;
      await localPods(local, rt.signal, onPodEvent);
    } else {
      const cluster = await rt.cluster();
      const labelSelector = selectorFor(service, options.selector);
      const namespace = allNamespaces ? undefined : cluster.namespace;
      rt.out.info(rt.out.paint('gray', `Watching pods (${labelSelector}) in ${namespacesText(namespace)}; Ctrl-C to stop.`));
      await watchPods(cluster, {
        namespace,
        labelSelector,
        nameRegex,
        signal: rt.signal,
        watchTimeoutSeconds,
        onSync,
        onResume: (reason) => rt.out.debug(`pod watch resumed: ${reason}`),
      }, onPodEvent);
    }
  } finally {
    if (ticker) clearInterval(ticker);
  }
  if (!rt.out.structured) rt.out.info(rt.out.paint('gray', `Stopped: ${counter.summary()}.`));
}

export function watchCommand(): Command<any, any, any> {
  const pods = new Command('pods')
    .description('Watch the pods of a Knative Service (default eventinghello) scale: a live table, and the ready count and its maximum')
    .argument('[service]', `Knative Service name (default ${DEFAULT_SERVICE})`)
    .option('--selector <labels>', 'label selector instead of the service\'s')
    .option('--pod <regex>', 'only pods whose name matches')
    .addOption(allNamespacesOption())
    .option('--local', 'the sink workers of `firehose up` on this machine instead of the cluster')
    .addOption(hiddenWatchTimeout())
    .action(async (service, options, cmd) => {
      await watchPodsAction(runtimeOf(cmd), service, options);
    });
  withExamples(pods, [
    'firehose watch pods                 # eventinghello scaling 0 → 10 → 0 while you spam',
    'firehose watch pods --output json   # one object per change',
    'firehose watch pods -A              # eventinghello pods in every namespace (a NAMESPACE column)',
    'firehose watch pods | tee scale.log',
  ]);
  return withExamples(new Command('watch').description('Watch things on the cluster change').addCommand(pods), ['firehose watch pods', 'firehose watch pods --output json']);
}
