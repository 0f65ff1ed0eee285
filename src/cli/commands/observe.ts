import { Command, Option } from '@commander-js/extra-typings';
import type { ChalkInstance } from 'chalk';
import { parseDuration, parsePositiveInt } from '../../config/duration.js';
import { FirehoseError, UsageError } from '../../errors.js';
import type { LogEvent } from '../../cluster/logs.js';
import { followLocalLab } from '../../local/observe-client.js';
import type { ObserveMessage } from '../../local/observe-server.js';
import type { PodEvent, PodSummary } from '../../cluster/pods.js';
import { runtimeOf, withExamples } from '../action.js';
import type { Runtime } from '../runtime.js';

const DEFAULT_SERVICE = 'eventinghello';

/** chalk colours a pod name can get (readable on dark and light terminals). */
const POD_COLOURS = ['cyan', 'green', 'yellow', 'blue', 'magenta', 'red', 'cyanBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'redBright'] as const;

/** The same pod always gets the same colour (FNV-1a of its name). */
export function podColour(name: string): (typeof POD_COLOURS)[number] {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return POD_COLOURS[h % POD_COLOURS.length]!;
}

export function paintPod(style: ChalkInstance, name: string): string {
  return style[podColour(name)](name);
}

/** `--selector` wins; else the Knative Service's pods. */
export function selectorFor(service: string | undefined, selector: string | undefined): string {
  if (selector) return selector;
  return `serving.knative.dev/service=${service ?? DEFAULT_SERVICE}`;
}

function hiddenWatchTimeout(): Option<'--watch-timeout <seconds>'> {
  // For tests and debugging: the server ends each watch after this long, and it is resumed.
  return new Option('--watch-timeout <seconds>', 'end each API watch after this many seconds (it is resumed)').hideHelp();
}

function parseWatchTimeout(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parsePositiveInt(text, '--watch-timeout');
}

export function tailCommand(): Command<any, any, any> {
  const logs = new Command('logs')
    .description('Follow the logs of every pod of a Knative Service (default eventinghello), like stern: new pods are picked up')
    .argument('[service]', `Knative Service name (default ${DEFAULT_SERVICE})`)
    .option('--container <name>', 'container to follow (default user-container, or the only one)')
    .option('--all-containers', 'follow every container of each pod')
    .option('--selector <labels>', 'label selector instead of the service\'s (e.g. app=foo,tier=web)')
    .option('--pod <regex>', 'only pods whose name matches')
    .option('--timestamps', 'print each line\'s timestamp')
    .option('--since <duration>', 'only lines newer than this (e.g. 5m)')
    .option('--tail <n>', 'only the last N lines of each container to start with')
    .option('--local', 'the sink workers of `firehose up` on this machine instead of the cluster')
    .addOption(hiddenWatchTimeout())
    .addOption(new Option('--log-stream-timeout <seconds>', 'drop and reopen each log stream after this long').hideHelp())
    .action(async (service, options, cmd) => {
      const rt = runtimeOf(cmd);
      if (options.container && options.allContainers) throw new UsageError('Use --container or --all-containers, not both.');
      const { podNameRegex } = await import('../../cluster/pods.js');
      const nameRegex = podNameRegex(options.pod);
      const sinceSeconds = options.since === undefined ? undefined : Math.max(1, Math.ceil(parseDuration(options.since, '--since') / 1000));
      const tailLines = options.tail === undefined ? undefined : parsePositiveInt(options.tail, '--tail', { allowZero: true });
      const watchTimeoutSeconds = parseWatchTimeout(options.watchTimeout);
      const showContainer = Boolean(options.allContainers);
      const status = (text: string) => rt.out.info(rt.out.paint('gray', text));
      const onLogEvent = (event: LogEvent) => {
        switch (event.kind) {
          case 'line':
            if (rt.out.json) {
              rt.out.data({ pod: event.pod, container: event.container, time: event.time, line: event.line });
            } else {
              const prefix = `${paintPod(rt.out.style, event.pod)}${showContainer ? ` ${rt.out.paint('gray', event.container)}` : ''}`;
              rt.out.line(`${prefix} ${options.timestamps && event.time ? `${event.time} ` : ''}${event.line}`);
            }
            break;
          case 'pod-added':
            rt.out.info(`${rt.out.paint('green', '+')} ${paintPod(rt.out.style, event.pod)}${event.containers.length ? ` (${event.containers.join(', ')})` : ' (no such container)'}`);
            break;
          case 'pod-gone':
            rt.out.info(`${rt.out.paint('red', '-')} ${paintPod(rt.out.style, event.pod)}`);
            break;
          case 'waiting':
            status('waiting for pods...');
            break;
          case 'stream-error':
            rt.out.warn(`${event.pod}/${event.container}: ${event.message} (retrying)`);
            break;
          case 'resumed':
            rt.out.debug(`pod watch resumed: ${event.reason}`);
            break;
          case 'stream-ended':
            rt.out.debug(`log stream of ${event.pod}/${event.container} ended: reopening`);
            break;
        }
      };
      const local = await localLab(rt, Boolean(options.local));
      if (local) {
        status(`Following the local lab's sink workers; Ctrl-C to stop.`);
        await followLocalLab(local, rt.signal, localLogEvents(onLogEvent));
        return;
      }
      const cluster = await rt.cluster();
      const labelSelector = selectorFor(service, options.selector);
      const { followPodLogs } = await import('../../cluster/logs.js');
      status(`Following pods (${labelSelector}${nameRegex ? `, name ~ /${nameRegex.source}/` : ''}) in ${cluster.namespace}; Ctrl-C to stop.`);
      await followPodLogs(cluster, {
        namespace: cluster.namespace,
        labelSelector,
        nameRegex,
        container: options.allContainers ? 'all' : options.container,
        sinceSeconds,
        tailLines,
        signal: rt.signal,
        watchTimeoutSeconds,
        logStreamMaxSeconds: options.logStreamTimeout === undefined ? undefined : parsePositiveInt(options.logStreamTimeout, '--log-stream-timeout'),
      }, onLogEvent);
    });
  withExamples(logs, [
    'firehose tail logs                          # every eventinghello pod, as they come and go',
    'firehose tail logs --since 5m --timestamps',
    'firehose tail logs --selector app=event-display --all-containers',
    'firehose tail logs --output json | jq -r .line',
  ]);
  return withExamples(new Command('tail').description('Follow things on the cluster').addCommand(logs), ['firehose tail logs', 'firehose tail logs event-display --since 5m']);
}

/** Counts of ready pods: now, and the most seen at once. */
export class ReadyCounter {
  readonly pods = new Map<string, PodSummary>();
  max = 0;

  apply(event: PodEvent): void {
    if (event.type === 'deleted') this.pods.delete(event.pod.name);
    else this.pods.set(event.pod.name, event.pod);
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

export function podTable(pods: PodSummary[], now = Date.now(), formatAge: (start: string, now: number) => string): string[] {
  const rows = [['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], ...[...pods]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => [p.name, p.ready, p.status, String(p.restarts), formatAge(p.startTime, now)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join(''));
}

/**
 * The local lab to observe: with --local, the user's running `firehose up`; without it,
 * that lab too when there is no kubeconfig at all (no cluster to watch). Else undefined.
 */
async function localLab(rt: Runtime, forced: boolean): Promise<string | undefined> {
  const { findLocalLab } = await import('../../local/observe-client.js');
  const user = forced ? (await rt.user()).number : undefined;
  if (user !== undefined) return findLocalLab(rt.env, user);
  try {
    await rt.cluster();
    return undefined;
  } catch (error) {
    if ((error as FirehoseError).code !== 'KUBECONFIG_MISSING') throw error;
    const fallbackUser = await rt.user().catch(() => undefined);
    if (!fallbackUser) throw error;
    return findLocalLab(rt.env, fallbackUser.number).catch(() => { throw error; });
  }
}

/** Log lines and pod comings and goings of the local lab, as followPodLogs reports them. */
function localLogEvents(onLogEvent: (event: LogEvent) => void): (message: ObserveMessage) => void {
  return (message) => {
    if (message.stream === 'log') return onLogEvent(message.event);
    const { type, pod } = message.event;
    if (type === 'added') onLogEvent({ kind: 'pod-added', pod: pod.name, containers: pod.containers });
    if (type === 'deleted') onLogEvent({ kind: 'pod-gone', pod: pod.name });
  };
}

/** Streams the local lab's pod events until the signal aborts or the lab stops. */
function localPods(observeUrl: string, signal: AbortSignal, onPodEvent: (event: PodEvent) => void): Promise<void> {
  return followLocalLab(observeUrl, signal, (message) => {
    if (message.stream === 'pod') onPodEvent(message.event);
  });
}

async function watchPodsAction(rt: Runtime, service: string | undefined, options: { selector?: string; pod?: string; watchTimeout?: string; local?: boolean }): Promise<void> {
  const { podNameRegex, watchPods, formatAge } = await import('../../cluster/pods.js');
  const nameRegex = podNameRegex(options.pod);
  const watchTimeoutSeconds = parseWatchTimeout(options.watchTimeout);
  const counter = new ReadyCounter();
  const live = rt.out.interactive && Boolean(rt.out.stdout.isTTY);
  let drawn = 0;
  let synced = false;
  const redraw = () => {
    const lines = [...podTable([...counter.pods.values()], Date.now(), formatAge), '', rt.out.paint('bold', counter.summary())];
    rt.out.stdout.write(`${drawn ? `\x1b[${drawn}A\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const onSync = (pods: unknown[]) => {
    if (!synced && pods.length === 0) rt.out.info(rt.out.paint('gray', 'waiting for pods...'));
    synced = true;
    if (live) redraw();
  };
  const onPodEvent = (event: PodEvent) => {
      counter.apply(event);
      if (rt.out.json) {
        rt.out.data({ type: event.type, pod: event.pod, ready: counter.ready, maxReady: counter.max });
      } else if (live) {
        if (synced) redraw();
      } else {
        const p = event.pod;
        rt.out.line(`${event.type.toUpperCase()} ${p.name} ${p.status} ${p.ready}  ${counter.summary()}`);
      }
  };
  // The AGE column moves on its own: refresh the live table every second.
  const ticker = live ? setInterval(() => { if (synced) redraw(); }, 1000) : undefined;
  try {
    const local = await localLab(rt, Boolean(options.local));
    if (local) {
      rt.out.info(rt.out.paint('gray', 'Watching the local lab\'s sink workers; Ctrl-C to stop.'));
      // The lab sends its current workers first, then every change: nothing to list.
      synced = true;
      await localPods(local, rt.signal, onPodEvent);
    } else {
      const cluster = await rt.cluster();
      const labelSelector = selectorFor(service, options.selector);
      rt.out.info(rt.out.paint('gray', `Watching pods (${labelSelector}) in ${cluster.namespace}; Ctrl-C to stop.`));
      await watchPods(cluster, {
        namespace: cluster.namespace,
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
  if (!rt.out.json) rt.out.info(rt.out.paint('gray', `Stopped: ${counter.summary()}.`));
}

export function watchCommand(): Command<any, any, any> {
  const pods = new Command('pods')
    .description('Watch the pods of a Knative Service (default eventinghello) scale: a live table, and the ready count and its maximum')
    .argument('[service]', `Knative Service name (default ${DEFAULT_SERVICE})`)
    .option('--selector <labels>', 'label selector instead of the service\'s')
    .option('--pod <regex>', 'only pods whose name matches')
    .option('--local', 'the sink workers of `firehose up` on this machine instead of the cluster')
    .addOption(hiddenWatchTimeout())
    .action(async (service, options, cmd) => {
      await watchPodsAction(runtimeOf(cmd), service, options);
    });
  withExamples(pods, [
    'firehose watch pods                 # eventinghello scaling 0 → 10 → 0 while you spam',
    'firehose watch pods --output json   # one object per change',
    'firehose watch pods | tee scale.log',
  ]);
  return withExamples(new Command('watch').description('Watch things on the cluster change').addCommand(pods), ['firehose watch pods', 'firehose watch pods --output json']);
}
