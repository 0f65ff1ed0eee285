import { Command, Option } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { labDefaults, labNames } from '../../config/user.js';
import { UsageError } from '../../errors.js';
import type { LabEvent, LocalService } from '../../local/lab.js';
import type { LabKafka } from '../../local/lab-kafka.js';
import type { UpState } from '../../local/up-state.js';
import { collect, runtimeOf, withExamples, withTopicOption } from '../action.js';
import { parsePort, parsePositiveInt } from '../flags.js';
import type { Runtime } from '../runtime.js';
import type { ResolvedUser } from '../../config/user.js';

function printLabEvent(rt: Runtime, e: LabEvent): void {
  const out = rt.out;
  if (out.structured) return out.data(e);
  const tag = (name: string) => out.paint('cyan', `[${name}]`);
  switch (e.from) {
    case 'topic':
      return out.info(`${tag('topic')} ${e.topic} ${e.created ? 'created' : 'already there'}`);
    case 'sink':
      if (e.event.kind === 'log') return out.line(`${out.paint('gray', e.event.worker)} ${e.event.line}`);
      if (e.event.kind === 'scaled') return out.info(`${tag('autoscaler')} ${e.event.from} → ${e.event.to} workers (${e.event.reason})`);
      if (e.event.kind === 'worker') return out.info(`${tag('pods')} ${e.event.worker} ${e.event.status}`);
      if (e.event.kind === 'rejected') return out.warn(`sink rejected a request (${e.event.status}): ${e.event.reason}`);
      return;
    case 'dispatcher': {
      const d = e.event;
      if (d.kind === 'assign') return out.info(`${tag('source')} assigned partitions [${d.partitions.join(', ')}]`);
      if (d.kind === 'delivered') return out.debug(`[source] ${d.id} → ${d.status} (${d.attempts} attempt${d.attempts === 1 ? '' : 's'})`);
      if (d.kind === 'retry') return out.warn(`${d.id}: sink answered ${d.status}, retry ${d.attempt} in ${d.delayMs} ms`);
      if (d.kind === 'dead-letter') return out.warn(`${d.id}: sent to the dead-letter sink after ${d.status}`);
      if (d.kind === 'dropped') return out.warn(`${d.id}: dropped after ${d.status} (no dead-letter sink)`);
      return;
    }
    case 'channel':
    case 'broker': {
      const b = e.event;
      if (b.kind === 'received') return out.info(`${tag(e.from)} ${b.type} from ${b.source} → ${b.matched.length ? b.matched.join(', ') : 'no trigger matched'}`);
      if (b.kind === 'loop') return out.warn(b.message);
      if (b.kind === 'dead-letter' || b.kind === 'dropped') return out.warn(`broker: ${b.id} ${b.kind} via ${b.trigger} (${b.status})`);
      if (b.kind === 'rejected') return out.warn(`broker rejected a request (${b.status}): ${b.reason}`);
      return;
    }
  }
}

/** What `up --data-dir`, the old name of --kafka-data-dir kept for one release, says on stderr. */
export const UP_DATA_DIR_RENAMED = '`up --data-dir` is now `up --kafka-data-dir`; the old name goes away in the next release.';

/** The options runLab() reads (commander's inferred type does not leave upCommand()). */
interface UpOptions {
  sink?: string;
  maxScale: string;
  idle: string;
  coldStart: string;
  sinkCommand?: string;
  sinkPort: string;
  initialOffset: string;
  ordering: string;
  retries: string;
  backoff: string;
  deadLetter?: string;
  broker: boolean;
  brokerPort: string;
  triggers: string[];
  trigger: string[];
  subscribe: string[];
  channelPort: string;
  service: string[];
  functionTimeout: string;
}

function printDetached(rt: Runtime, state: UpState, logFile: string): void {
  if (rt.out.structured) return rt.out.data(state);
  rt.out.line(`Lab running in the background (pid ${state.pid}); sink ${state.sinkUrl}${state.brokerUrl ? `, broker ${state.brokerUrl}` : ''}; log ${logFile}. Stop it with \`firehose down\`.`);
}

export function upCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('up'))
    .description('Run the lab on this machine: KafkaSource dispatcher → sink workers that scale 0..N, plus a Knative-style broker; its own Kafka unless --bootstrap')
    .argument('[topic]', 'topic (default: my-topic-<N>; created if missing)')
    .option('--sink <url>', 'deliver to this URL instead of local sink workers')
    .option('--max-scale <n>', 'most sink workers', String(labDefaults.maxScale))
    .option('--idle <duration>', 'scale a worker down after this long idle', labDefaults.idle)
    .option('--cold-start <duration>', 'time for a new worker to become ready', labDefaults.coldStart)
    .option('--sink-command <cmd>', 'each worker runs this per event (event JSON on stdin) instead of the event display')
    .option('--sink-port <port>', 'port of the sink ingress (0 = any)', '0')
    .addOption(new Option('--initial-offset <where>', 'where a new group starts').choices(['earliest', 'latest']).default('latest'))
    .addOption(new Option('--ordering <mode>', 'delivery order').choices(['ordered', 'unordered']).default('ordered'))
    .option('--retries <n>', 'delivery retries after the first try', String(labDefaults.retries))
    .option('--backoff <duration>', 'first retry delay (doubles each time)', labDefaults.backoff)
    .option('--dead-letter <url>', 'where undeliverable events go')
    .option('--no-broker', 'do not start the Knative-style broker (the one --triggers and --trigger route through)')
    .option('--broker-port <port>', 'port of the Knative-style broker\'s ingress (0 = any)', '0')
    .option('--triggers <file>', 'Knative Trigger YAML for the broker, repeatable', collect, [])
    .option('--trigger <spec>', 'a trigger: subscriber=URL|eventinghello,type=T,source=S (exact filters), repeatable', collect, [])
    .option('--service <name=target>', 'run another Service for Trigger and Subscription refs: NAME=FOLDER (a function, see `func create`), NAME=URL (forward) or NAME=COMMAND (per event); scales like the sink, repeatable', collect, [])
    .option('--function-timeout <duration>', 'a --service function that takes longer to answer gets 504', '30s')
    .option('--subscribe <url>', 'start a channel that sends every event to this subscriber (URL, eventinghello or a --service), repeatable', collect, [])
    .option('--channel-port <port>', 'port of the channel ingress (0 = any)', '0')
    .option('--kafka-port <port>', 'without --bootstrap: port of the embedded Kafka broker (0 = any)', String(labDefaults.kafkaPort))
    .option('--kafka-data-dir <dir>', 'without --bootstrap: keep the embedded Kafka broker\'s records and offsets here (default: in memory)')
    .addOption(new Option('--data-dir <dir>', 'old name of --kafka-data-dir').hideHelp())
    .option('--detach', 'run in the background; `firehose down` stops it')
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { detachLab, refuseIfRunning } = await import('../../local/lab-process.js');
      const resolvedUser = await rt.user();
      const user = resolvedUser.number;
      if (options.detach) {
        const command = rt.relaunch((rt.io.argv ?? []).filter((a) => a !== '--detach'));
        const { state, logFile } = await detachLab({ user, env: rt.env, command, timeoutMs: labDefaults.detachTimeoutMs });
        return printDetached(rt, state, logFile);
      }
      await refuseIfRunning({ user, env: rt.env });
      if (options.dataDir !== undefined) rt.out.warn(UP_DATA_DIR_RENAMED);
      const kafka = await startKafkaIfNeeded(rt, options);
      try {
        await runLab(rt, resolvedUser, await rt.topicOrDefault(topicArg), options, kafka !== undefined);
      } finally {
        await kafka?.stop();
      }
    });
  return withExamples(command, [
    'firehose up --user 7                       # then: firehose spam --times 100',
    'firehose up --max-scale 3 --idle 10s --initial-offset earliest',
    'firehose up --bootstrap my-kafka:9092      # your Kafka instead of the embedded Kafka broker',
    'firehose up --triggers examples/trigger-eventinghello.yaml --detach && firehose down',
    'firehose up --service js-example-service=examples/functions/js-example-service --service wasm-example-service=examples/functions/wasm-example-service --triggers examples/faas-js-trigger.yaml --triggers examples/faas-wasm-trigger.yaml',
  ]);
}

/** The embedded Kafka broker when no Kafka is configured (see local/lab-kafka.ts); every later Kafka client uses it. */
async function startKafkaIfNeeded(rt: Runtime, options: { kafkaPort: string; kafkaDataDir?: string; dataDir?: string }): Promise<LabKafka | undefined> {
  const { needsLabKafka, startLabKafka } = await import('../../local/lab-kafka.js');
  if (!needsLabKafka(await rt.connection())) return undefined;
  const kafka = await startLabKafka({
    port: parsePort(options.kafkaPort, '--kafka-port'),
    portFlag: '--kafka-port',
    dataDir: options.kafkaDataDir ?? options.dataDir,
    // Topic creation and group changes are the lab's own story; only trouble is worth a line.
    log: { debug: (m) => rt.out.debug(`[kafka] ${m}`), info: (m) => rt.out.debug(`[kafka] ${m}`), warn: (m) => rt.out.warn(`[kafka] ${m}`) },
  });
  rt.useBootstrap(kafka.bootstrap);
  const kept = kafka.dataDir ? `data in ${kafka.dataDir}` : 'in memory';
  if (!rt.out.structured) rt.out.info(`${rt.out.paint('cyan', '[kafka]')} embedded broker on ${kafka.bootstrap} (${kept}; --bootstrap uses another Kafka)`);
  return kafka;
}

/**
 * `firehose spam --times 10` as another terminal must type it to reach this lab: with --user
 * when the user number came from a flag, and --bootstrap when the embedded Kafka is not on
 * the default localhost:9092.
 */
export function spamFromAnotherTerminal(user: ResolvedUser, bootstrap: string, embeddedKafka: boolean, bootstrapFromFlag: boolean): string {
  const args = ['firehose spam --times 10'];
  if (user.source === 'flag' || user.source === 'prompt') args.push(`--user ${user.number}`);
  const onDefault = bootstrap === 'localhost:9092' || bootstrap === '127.0.0.1:9092';
  if (bootstrapFromFlag || (embeddedKafka && !onDefault)) args.push(`--bootstrap ${bootstrap}`);
  return args.join(' ');
}

/** `--service NAME=FOLDER|URL|COMMAND`: a URL forwards, an existing file or folder is a function, anything else a command. */
async function parseServiceFlags(flags: string[]): Promise<LocalService[]> {
  const { stat } = await import('node:fs/promises');
  const services: LocalService[] = [];
  for (const flag of flags) {
    const at = flag.indexOf('=');
    const name = at > 0 ? flag.slice(0, at).trim() : '';
    const target = at > 0 ? flag.slice(at + 1).trim() : '';
    if (!name || !target) throw new UsageError(`--service "${flag}" is not NAME=TARGET.`, 'Example: --service js-example-service=./js-example-service (a function folder), NAME=http://host:port/ or NAME="command args".');
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new UsageError(`--service ${name}: not a Service name.`, 'Use lower-case letters, digits and dashes, as the Trigger\'s subscriber ref names it.');
    if (/^https?:\/\//.test(target)) services.push({ name, run: { url: target } });
    else if (await stat(target).then(() => true, () => false)) services.push({ name, run: { function: target } });
    else services.push({ name, run: { command: target } });
  }
  return services;
}

async function runLab(rt: Runtime, resolvedUser: ResolvedUser, topic: string, options: UpOptions, embeddedKafka: boolean): Promise<void> {
  const user = resolvedUser.number;
  const bootstrapFromFlag = rt.flags.bootstrap !== undefined;
  const { startLab } = await import('../../local/lab.js');
  const lab = await startLab(await rt.kafka(), {
    topic,
    group: labNames.sourceGroup(user),
    namespace: rt.flags.namespace ?? labNames.namespace(user),
    sourceName: labDefaults.sourceName,
    partitions: labDefaults.partitions,
    sinkUrl: options.sink,
    pool: {
      port: parsePort(options.sinkPort, '--sink-port'),
      portFlag: '--sink-port',
      maxScale: parsePositiveInt(options.maxScale, '--max-scale'),
      idleMs: parseDuration(options.idle, '--idle'),
      coldStartMs: parseDuration(options.coldStart, '--cold-start', { allowZero: true }),
      command: options.sinkCommand,
      env: rt.env,
    },
    services: await parseServiceFlags(options.service),
    functionTimeoutMs: parseDuration(options.functionTimeout, '--function-timeout'),
    initialOffset: options.initialOffset as 'earliest' | 'latest',
    ordering: options.ordering as 'ordered' | 'unordered',
    retry: { retries: parsePositiveInt(options.retries, '--retries', { allowZero: true }), backoffMs: parseDuration(options.backoff, '--backoff', { allowZero: true }), policy: 'exponential' },
    deadLetterUrl: options.deadLetter,
    requestTimeoutMs: labDefaults.requestTimeoutMs,
    broker: options.broker ? { port: parsePort(options.brokerPort, '--broker-port'), portFlag: '--broker-port', triggerFiles: options.triggers, triggerFlags: options.trigger } : null,
    channel: options.subscribe.length ? { port: parsePort(options.channelPort, '--channel-port'), portFlag: '--channel-port', subscribers: options.subscribe } : null,
    signal: rt.signal,
  }, (event) => printLabEvent(rt, event));
  // After useBootstrap() the connection names the embedded broker too.
  const bootstrap = (await rt.connection()).brokers.join(',');
  const summary = { bootstrap, embeddedKafka, topic, group: lab.group, sinkUrl: lab.sinkUrl, services: lab.services, brokerUrl: lab.brokerUrl, channelUrl: lab.channelUrl, triggers: lab.triggers };
  if (lab.observeUrl) rt.out.debug(`observe: ${lab.observeUrl}watch`);
  if (rt.out.structured) rt.out.data({ event: 'up', ...summary });
  else {
    rt.out.info(`Lab up for user ${user}: topic ${topic} → KafkaSource (group ${lab.group}) → sink ${lab.sinkUrl}`);
    for (const service of lab.services) rt.out.info(`Service ${service.name} ${service.url} (scales 0..${options.maxScale})`);
    if (lab.channelUrl) rt.out.info(`Channel ingress ${lab.channelUrl} (${options.subscribe.length} subscription${options.subscribe.length === 1 ? '' : 's'}: every event to each)`);
    if (lab.brokerUrl) rt.out.info(`Broker ingress ${lab.brokerUrl} (triggers: ${lab.triggers.join(', ') || 'none'}); try: firehose send ${lab.brokerUrl} --type t --source s`);
    rt.out.info(`Spam it from another terminal: ${spamFromAnotherTerminal(resolvedUser, bootstrap, embeddedKafka, bootstrapFromFlag)}. Ctrl-C stops the lab.`);
  }
  const { recordLab } = await import('../../local/lab-process.js');
  const forget = await recordLab({ user, env: rt.env }, { ...summary, observeUrl: lab.observeUrl }).catch((error: Error) => {
    rt.out.warn(`${error.message}: tail logs --local will not find this lab.`);
    return undefined;
  });
  try {
    const result = await lab.done;
    rt.out.info(`Lab stopped: ${result.delivered} delivered, ${result.deadLettered} dead-lettered, ${result.dropped} dropped.`);
  } finally {
    await forget?.();
  }
}

export function downCommand(): Command<any, any, any> {
  const command = new Command('down')
    .description('Stop a lab started with `firehose up --detach`')
    .option('--timeout <duration>', 'how long to wait for it to stop', labDefaults.stopTimeout)
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const { stopLab } = await import('../../local/lab-process.js');
      const user = (await rt.user()).number;
      const { pid } = await stopLab({ user, env: rt.env, timeoutMs: parseDuration(options.timeout, '--timeout') });
      rt.out.structured ? rt.out.data({ stopped: pid }) : rt.out.line(`Stopped the lab for user ${user} (pid ${pid}).`);
    });
  return withExamples(command, ['firehose down --user 7']);
}
