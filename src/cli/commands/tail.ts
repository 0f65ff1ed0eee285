import { Command, Option } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { FirehoseError, UsageError } from '../../errors.js';
import type { LogEvent } from '../../cluster/logs.js';
import type { ObserveMessage } from '../../local/observe-server.js';
import { collect, runtimeOf, withExamples } from '../action.js';
import { parsePositiveInt } from '../flags.js';
import { paintPod } from '../../ui/pods.js';
import { allNamespacesOption, checkAllNamespaces, DEFAULT_SERVICE, hiddenWatchTimeout, localLab, parseWatchTimeout, selectorFor } from '../observed-pods.js';

/** A --include/--exclude regex; a bad one is a usage error naming the flag. */
function lineRegex(text: string, flag: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new UsageError(`${flag} "${text}" is not a regular expression: ${(error as Error).message}.`);
  }
}

export function tailCommand(): Command<any, any, any> {
  const logs = new Command('logs')
    .description('Follow the logs of every pod of a Knative Service (default eventinghello), like stern: new pods are picked up (--no-follow: print what is there and exit)')
    .argument('[service]', `Knative Service name (default ${DEFAULT_SERVICE})`)
    .option('--container <name>', 'container to follow (default user-container, or the only one)')
    .option('--all-containers', 'follow every container of each pod')
    .option('--selector <labels>', 'label selector instead of the service\'s (e.g. app=foo,tier=web)')
    .option('--pod <regex>', 'only pods whose name matches')
    .option('-i, --include <regex>', 'only lines matching this regex, repeatable (stern --include)', collect, [])
    .option('-e, --exclude <regex>', 'leave out lines matching this regex, repeatable (stern --exclude)', collect, [])
    .option('--timestamps', 'print each line\'s timestamp')
    .option('--since <duration>', 'only lines newer than this (e.g. 5m)')
    .option('--tail <n>', 'only the last N lines of each container to start with')
    .option('--no-follow', 'print the logs there are now and exit, watching no pods (stern --no-follow; not with --local)')
    .addOption(allNamespacesOption())
    .option('--local', 'the sink workers of `firehose up` on this machine instead of the cluster')
    .addOption(hiddenWatchTimeout())
    .addOption(new Option('--log-stream-timeout <seconds>', 'drop and reopen each log stream after this long').hideHelp())
    .action(async (service, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { followLocalLab } = await import('../../local/observe-client.js');
      if (options.container && options.allContainers) throw new UsageError('Use --container or --all-containers, not both.');
      if (!options.follow && options.local) throw new UsageError('--no-follow needs the cluster: the local lab (--local) keeps no log history.', 'Leave out --no-follow to follow the local lab from now on.');
      const allNamespaces = checkAllNamespaces(options);
      const { podNameRegex } = await import('../../cluster/pods.js');
      const nameRegex = podNameRegex(options.pod);
      const sinceSeconds = options.since === undefined ? undefined : Math.max(1, Math.ceil(parseDuration(options.since, '--since') / 1000));
      const tailLines = options.tail === undefined ? undefined : parsePositiveInt(options.tail, '--tail', { allowZero: true });
      const watchTimeoutSeconds = parseWatchTimeout(options.watchTimeout);
      const showContainer = Boolean(options.allContainers);
      const include = options.include.map((r: string) => lineRegex(r, '--include'));
      const exclude = options.exclude.map((r: string) => lineRegex(r, '--exclude'));
      const shown = (line: string) => (include.length === 0 || include.some((r) => r.test(line))) && !exclude.some((r) => r.test(line));
      const status = (text: string) => rt.out.info(rt.out.paint('gray', text));
      // With -A, stern's "namespace pod" (and the namespace in each JSON object).
      const podOf = (event: { namespace?: string; pod: string }) => paintPod(rt.out.style, event.pod, allNamespaces ? event.namespace : undefined);
      const onLogEvent = (event: LogEvent) => {
        switch (event.kind) {
          case 'line':
            if (!shown(event.line)) break;
            if (rt.out.structured) {
              rt.out.data({ ...(allNamespaces ? { namespace: event.namespace } : {}), pod: event.pod, container: event.container, time: event.time, line: event.line });
            } else {
              const prefix = `${podOf(event)}${showContainer ? ` ${rt.out.paint('gray', event.container)}` : ''}`;
              rt.out.line(`${prefix} ${options.timestamps && event.time ? `${event.time} ` : ''}${event.line}`);
            }
            break;
          case 'pod-added':
            rt.out.info(`${rt.out.paint('green', '+')} ${podOf(event)}${event.containers.length ? ` (${event.containers.join(', ')})` : ' (no such container)'}`);
            break;
          case 'pod-gone':
            rt.out.info(`${rt.out.paint('red', '-')} ${podOf(event)}`);
            break;
          case 'waiting':
            status('waiting for pods...');
            break;
          case 'stream-error':
            rt.out.warn(`${allNamespaces && event.namespace ? `${event.namespace}/` : ''}${event.pod}/${event.container}: ${event.message}${options.follow ? ' (retrying)' : ''}`);
            break;
          case 'resumed':
            rt.out.debug(`pod watch resumed: ${event.reason}`);
            break;
          case 'stream-ended':
            rt.out.debug(`log stream of ${event.pod}/${event.container} ended: reopening`);
            break;
        }
      };
      // --no-follow and -A are about the cluster: no falling back to the local lab.
      const local = !options.follow || allNamespaces ? undefined : await localLab(rt, Boolean(options.local));
      if (local) {
        status(`Following the local lab's sink workers; Ctrl-C to stop.`);
        await followLocalLab(local, rt.signal, localLogEvents(onLogEvent));
        return;
      }
      const cluster = await rt.cluster();
      const labelSelector = selectorFor(service, options.selector);
      const { followPodLogs, printPodLogs } = await import('../../cluster/logs.js');
      const { namespacesText } = await import('../../cluster/pods.js');
      const namespace = allNamespaces ? undefined : cluster.namespace;
      const which = `${labelSelector}${nameRegex ? `, name ~ /${nameRegex.source}/` : ''}`;
      if (!options.follow) {
        const container = options.allContainers ? 'all' : options.container;
        const { pods, failed } = await printPodLogs(cluster, { namespace, labelSelector, nameRegex, container, sinceSeconds, tailLines, signal: rt.signal }, onLogEvent);
        if (pods === 0) status(`No running pods match (${which}) in ${namespacesText(namespace)}.`);
        if (failed > 0) throw new FirehoseError('CLUSTER_ERROR', `${failed} log${failed === 1 ? '' : 's'} could not be read (see the warnings above).`, {
          hint: 'A container that has not started yet has no log: leave out --no-follow to wait for it.',
        });
        return;
      }
      status(`Following pods (${which}) in ${namespacesText(namespace)}; Ctrl-C to stop.`);
      await followPodLogs(cluster, {
        namespace,
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
    "firehose tail logs --include 'Sending Message' --exclude 'health'",
    'firehose tail logs --no-follow --tail 20    # the last 20 lines of each pod, then exit',
    'firehose tail logs -A                       # eventinghello pods in every namespace: "namespace pod line"',
  ]);
  return withExamples(new Command('tail').description('Follow things on the cluster').addCommand(logs), ['firehose tail logs', 'firehose tail logs event-display --since 5m']);
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
