import { Command, Option } from '@commander-js/extra-typings';
import { readFile } from 'node:fs/promises';
import { parseDuration } from '../../config/duration.js';
import { ENV } from '../../config/env.js';
import { FirehoseError, UsageError } from '../../errors.js';
import { collect, runtimeOf, withExamples } from '../action.js';
import { parseKeyValue } from '../flags.js';
import type { Runtime } from '../runtime.js';
import type { Duplex } from 'node:stream';
import type { SendTo } from '../../cluster/send-target.js';


/** `--data @file` reads the file; anything else is the data itself. */
async function readData(data: string | undefined): Promise<string | undefined> {
  if (data === undefined || !data.startsWith('@')) return data;
  const path = data.slice(1);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`Cannot read --data file ${path}: ${why}.`, 'Check the path after --data @ (or pass the data itself).', { code: 'DATA_FILE_UNREADABLE' });
  }
}

/** The data must parse when it is labelled JSON: say so here, before the CloudEvent is built. */
function checkJsonData(data: string | undefined, contentType: string | undefined, from: string): void {
  if (data === undefined || contentType === undefined) return;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json' && !media.endsWith('+json')) return;
  try {
    JSON.parse(data);
  } catch (error) {
    throw new UsageError(
      `${from} is not valid JSON (--content-type ${contentType}): ${(error as Error).message}.`,
      'Fix the JSON (quote it in single quotes in the shell), or pass --content-type text/plain to send it as text.',
    );
  }
}

/** CloudEvents extension attribute names: lower-case letters and digits, at most 20. */
function parseExtension(text: string): [string, string] {
  const [name, value] = parseKeyValue(text, '--extension');
  if (!/^[a-z0-9]{1,20}$/.test(name)) {
    throw new UsageError(`--extension name "${name}" is not a CloudEvents attribute name.`, 'Extension names are lower-case letters and digits only (at most 20).');
  }
  return [name, value];
}

/**
 * `--to` (kn's reference or a URL), or a URL argument whose host is a cluster name that does
 * not resolve here: the receiver's address and a port-forward to the pod behind it.
 */
async function clusterRoute(rt: Runtime, to: string | undefined, urlArg: string | undefined): Promise<{ url: string; connect: () => Promise<Duplex> } | undefined> {
  let target: SendTo;
  if (to !== undefined) {
    const { knReference } = await import('../../templates/values.js');
    const ref = /^https?:\/\//i.test(to) ? undefined : knReference('--to', to, { apiVersions: {} });
    if (!ref && !/^https?:\/\//i.test(to)) throw new UsageError(`--to "${to}" is neither kn's prefix:name[:namespace] nor a URL.`, 'Examples: --to broker:default, --to ksvc:eventinghello, --to svc:js-example-service:lab-7, --to http://event-display.lab-7.svc.cluster.local');
    if (ref) {
      const kind = ref.kind === 'Service' && ref.apiVersion === 'v1' ? 'CoreService' : ref.kind;
      if (!['Broker', 'Service', 'CoreService', 'Channel'].includes(kind)) throw new UsageError(`--to takes broker:, ksvc:, svc: or channel: (or a URL), not ${to.split(':')[0]}:.`, 'A KafkaSink is reached through a broker or channel that delivers to it.');
      target = { kind, name: ref.name, namespace: ref.namespace };
    } else target = { url: to };
  } else {
    if (urlArg === undefined) return undefined;
    let host: string;
    try {
      host = new URL(urlArg).hostname;
    } catch {
      return undefined; // sendCloudEvent says it is not a URL
    }
    const { looksInCluster, resolvesLocally } = await import('../../cluster/port-forward.js');
    if (!looksInCluster(host) || await resolvesLocally(host)) return undefined;
    target = { url: urlArg };
  }
  const client = await rt.cluster();
  const { resolveSendTarget } = await import('../../cluster/send-target.js');
  const { openPortForward } = await import('../../cluster/port-forward.js');
  const resolved = await resolveSendTarget(client, target);
  rt.out.info(`Reaching ${resolved.url.host} through the API server: port-forward to pod ${resolved.pod.namespace}/${resolved.pod.pod} port ${resolved.pod.port} (${resolved.pod.via}).`);
  return { url: resolved.url.href, connect: () => openPortForward(client, resolved.pod) };
}

/** The Knative-style broker's ingress of the user's running `firehose up`, if there is one. */
async function runningLabBrokerUrl(rt: Runtime): Promise<string | undefined> {
  let user: number;
  try {
    user = (await rt.user()).number;
  } catch (error) {
    if (error instanceof FirehoseError && error.code === 'USER_UNKNOWN') return undefined; // then "No URL to send to"
    throw error;
  }
  const { runningLab } = await import('../../local/lab-process.js');
  return (await runningLab({ env: rt.env, user }))?.brokerUrl ?? undefined;
}

export function sendCommand(): Command<any, any, any> {
  const command = new Command('send')
    .description('POST a CloudEvent to a URL (binary or structured mode) and show the reply')
    .argument('[url]', `receiver URL (default: ${ENV.brokerUrl}, else the broker of your running \`firehose up\`)`)
    .requiredOption('--type <type>', 'CloudEvent type')
    .requiredOption('--source <source>', 'CloudEvent source')
    .option('--id <id>', 'CloudEvent id (default: a random UUID)')
    .option('--data <data>', 'event data, or @file to read it from a file')
    .option('--content-type <type>', 'datacontenttype (default: application/json when the data parses as JSON, else text/plain)')
    .option('--extension <key=value>', 'extension attribute, repeatable', collect, [])
    .addOption(new Option('--mode <mode>', 'HTTP content mode').choices(['binary', 'structured']).default('binary'))
    .addOption(new Option('--specversion <version>', 'CloudEvents spec version').choices(['1.0', '0.3']).default('1.0'))
    .option('--to <ref>', "an in-cluster receiver, reached through the API server (port-forward): kn's broker:NAME, ksvc:NAME, svc:NAME or channel:NAME (optional :NAMESPACE), or a cluster-local URL")
    .option('--timeout <duration>', 'give up after this long', '10s')
    .action(async (urlArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { sendCloudEvent } = await import('../../events/send.js');
      if (urlArg !== undefined && options.to !== undefined) throw new UsageError('Give either a URL or --to, not both.', '--to names an in-cluster receiver (broker:default); the URL argument any other.');
      const cluster = await clusterRoute(rt, options.to, urlArg);
      const url = cluster?.url ?? urlArg ?? rt.env[ENV.brokerUrl] ?? await runningLabBrokerUrl(rt);
      if (!url) throw new UsageError('No URL to send to.', `Give one (firehose send http://localhost:8080 ...), set ${ENV.brokerUrl}, or start the lab with its broker (firehose up --detach).`);
      const data = await readData(options.data);
      checkJsonData(data, options.contentType, options.data?.startsWith('@') ? `--data file ${options.data.slice(1)}` : '--data');
      const extensions = Object.fromEntries(options.extension.map(parseExtension));
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      const result = await sendCloudEvent({
        url,
        type: options.type,
        source: options.source,
        id: options.id,
        data,
        datacontenttype: options.contentType,
        extensions,
        mode: options.mode as 'binary' | 'structured',
        specversion: options.specversion as '1.0' | '0.3',
        timeoutMs,
        connect: cluster?.connect,
      });
      if (rt.out.structured) rt.out.data(result);
      else {
        rt.out.line(`${result.status >= 200 && result.status < 300 ? rt.out.paint('green', '✓') : rt.out.paint('red', '✗')} ${result.status} from ${result.url} for event ${result.sent.attributes.id}`);
        if (result.reply) {
          rt.out.line('Reply event:');
          for (const [name, value] of Object.entries(result.reply.attributes)) rt.out.line(`  ${name}: ${value}`);
          rt.out.line(`  data: ${result.reply.data ?? ''}`);
        } else if (result.body.trim()) rt.out.line(result.body.trim());
      }
      if (result.status >= 300) {
        throw new FirehoseError('SEND_REJECTED', `The receiver answered ${result.status}.`, { hint: result.body.trim().split('\n')[0] || undefined });
      }
    });
  return withExamples(command, [
    "firehose send http://localhost:8080 --type dev.nodeshift.samples.js-example --source dev.nodeshift.samples/js-example-source --data '{\"name\":\"firehose\"}'",
    'firehose send http://localhost:8080 --type my.type --source /me --data @event.json --mode structured --specversion 0.3',
    'firehose send --type dev.nodeshift.samples.js-example --source dev.nodeshift.samples/js-example-source --data @examples/js-example-data.json   # to your running lab\'s broker',
    'firehose send --to broker:default --type dev.nodeshift.samples.js-example --source dev.nodeshift.samples/js-example-source --data @examples/js-example-data.json   # the cluster\'s broker, from a laptop',
  ]);
}
