import { Command } from '@commander-js/extra-typings';
import { createInterface } from 'node:readline';
import { parseDuration, parseKeyValue, parsePositiveInt } from '../../config/duration.js';
import { acksLabel, parseAcks } from '../../kafka/acks.js';
import { produceLines } from '../../kafka/produce.js';
import { spamTopic } from '../../kafka/spam.js';
import { ProgressBar } from '../../ui/progress.js';
import { readLineGroups } from '../../util/lines.js';
import { collect, runtimeOf, withExamples } from '../action.js';
import type { Runtime } from '../runtime.js';


/** Typed lines, one at a time, with a "> " prompt that comes back after each ack. */
async function* promptedLines(rt: Runtime, prompt: () => void): AsyncGenerator<string[]> {
  const rl = createInterface({ input: rt.io.stdin, terminal: false });
  prompt();
  try {
    for await (const line of rl) yield [line];
  } finally {
    rl.close();
  }
}

export function produceCommand(): Command<any, any, any> {
  const command = new Command('produce')
    .description('Send one record per line of stdin (Enter sends it on a terminal)')
    .argument('[topic]', 'topic (default: my-topic-<N>)')
    .option('--key <key>', 'the same key for every record')
    .option('--key-separator <sep>', 'split each line into key<sep>value')
    .option('--header <key=value>', 'record header, repeatable', collect, [])
    .option('--partition <n>', 'write to this partition only')
    .option('--acks <acks>', 'acknowledgements: 0, 1 or all', 'all')
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(topicArg);
      const interactive = Boolean(rt.io.stdin.isTTY);
      const acks = parseAcks(options.acks);
      const produceOptions = {
        topic,
        key: options.key,
        keySeparator: options.keySeparator,
        headers: Object.fromEntries(options.header.map((h) => parseKeyValue(h, '--header'))),
        partition: options.partition === undefined ? undefined : parsePositiveInt(options.partition, '--partition', { allowZero: true }),
        acks,
        interactive,
      };
      const client = await rt.kafka();
      const prompt = () => { if (interactive && !rt.out.json) rt.io.stderr.write('> '); };
      if (interactive) rt.out.info(`Producing to ${topic}: type a line and press Enter to send it; Ctrl-D to finish.`);
      const lines = interactive ? promptedLines(rt, prompt) : readLineGroups(rt.io.stdin as AsyncIterable<Buffer>);
      const result = await produceLines(client, lines, produceOptions, (ack, line) => {
        if (rt.out.json) rt.out.data({ topic, partition: ack.partition, offset: ack.offset, value: line });
        else rt.out.info(rt.out.paint('gray', `  sent to partition ${ack.partition}${ack.offset === null ? '' : `, offset ${ack.offset}`}`));
        prompt();
      });
      if (interactive && !rt.out.json) rt.io.stderr.write('\n');
      if (rt.out.json) return rt.out.data(result);
      rt.out.info(`Sent ${result.sent} record${result.sent === 1 ? '' : 's'} to ${topic} (acks=${acksLabel(acks)})`);
    });
  return withExamples(command, [
    'firehose produce                       # type lines, Enter sends each',
    'seq 100 | firehose produce my-topic-7',
    "echo 'id-1:hello' | firehose produce --key-separator : --header source=cli",
  ]);
}

export function spamCommand(): Command<any, any, any> {
  const command = new Command('spam')
    .description('The workshop spammer: send { "message": "Sending Message: i" } N times')
    .argument('[topic]', 'topic (default: my-topic-<N>)')
    .option('--times <n>', 'how many messages', '1')
    .option('--acks <acks>', 'acknowledgements: 0, 1 or all (all = idempotent producer)', 'all')
    .option('--rate <n>', 'at most this many messages per second')
    .option('--delivery-timeout <duration>', 'give up when a batch is not acknowledged within this long, retries included; rides out a broker restart', '60s')
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(topicArg);
      const times = parsePositiveInt(options.times, '--times');
      const rate = options.rate === undefined ? undefined : parsePositiveInt(options.rate, '--rate');
      const acks = parseAcks(options.acks);
      const deliveryTimeoutMs = parseDuration(options.deliveryTimeout, '--delivery-timeout');
      const client = await rt.kafka();
      const bar = new ProgressBar(rt.out, 'spam', times);
      const result = await spamTopic(client, { topic, times, acks, rate, deliveryTimeoutMs, signal: rt.signal }, (p) => bar.update(p.sent, p.elapsedMs));
      bar.done();
      if (rt.out.json) return rt.out.data(result);
      const rounded = Math.round(result.rate).toLocaleString('en-US');
      rt.out.line(`Sent ${result.sent} messages to ${topic} in ${result.seconds.toFixed(2)} s (${rounded} msg/s)`);
      if (result.interrupted) rt.out.warn(`Interrupted after ${result.sent} of ${times} messages.`);
    });
  return withExamples(command, ['firehose spam --times 10', 'firehose spam my-topic-7 --times 1000000 --acks 1', 'firehose spam --times 100 --rate 10']);
}
