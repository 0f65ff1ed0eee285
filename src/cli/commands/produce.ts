import { Command } from '@commander-js/extra-typings';
import { acksLabel, parseAcks } from '../../kafka/acks.js';
import { readLineGroups } from '../../util/lines.js';
import { collect, runtimeOf, withExamples, withTopicOption } from '../action.js';
import { parseKeyValue, parsePositiveInt } from '../flags.js';
import type { Runtime } from '../runtime.js';


/** Typed lines, one at a time, with a "> " prompt that comes back after each ack. */
async function* promptedLines(rt: Runtime, prompt: () => void): AsyncGenerator<string[]> {
  // The signal closes the interface: the first Ctrl-C ends the input (then flush, summary, 130).
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: rt.io.stdin, terminal: false, signal: rt.signal });
  prompt();
  try {
    for await (const line of rl) yield [line];
  } finally {
    rl.close();
  }
}

export function produceCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('produce'))
    .description('Send one record per line of stdin (Enter sends it on a terminal)')
    .argument('[topic]', 'topic (default: my-topic-<N>)')
    .option('--key <key>', 'the same key for every record')
    .option('--key-separator <sep>', 'split each line into key<sep>value')
    .option('--header <key=value>', 'record header, repeatable', collect, [])
    .option('--partition <n>', 'write to this partition only')
    .option('--acks <acks>', 'acknowledgements: 0, 1 or all', 'all')
    .option('-z, --compression <codec>', 'record batches compressed with none, gzip, snappy, lz4 or zstd (kcat -z)', 'none')
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { parseCompression } = await import('../../kafka/compression.js');
      const { produceLines } = await import('../../kafka/produce.js');
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
        compression: parseCompression(options.compression),
        interactive,
      };
      const client = await rt.kafka();
      const prompt = () => { if (interactive && !rt.out.structured) rt.io.stderr.write('> '); };
      if (interactive) rt.out.info(`Producing to ${topic}: type a line and press Enter to send it; Ctrl-D to finish.`);
      const lines = interactive ? promptedLines(rt, prompt) : readLineGroups(rt.io.stdin as AsyncIterable<Buffer>, rt.signal);
      const result = await produceLines(client, lines, produceOptions, (ack) => {
        // With --output json/yaml the one document is the summary at the end (one shape).
        if (!rt.out.structured) rt.out.info(rt.out.paint('gray', `  sent to partition ${ack.partition}${ack.offset === null ? '' : `, offset ${ack.offset}`}`));
        prompt();
      });
      if (interactive && !rt.out.structured) rt.io.stderr.write('\n');
      if (rt.out.structured) return rt.out.data(result);
      rt.out.info(`Sent ${result.sent} record${result.sent === 1 ? '' : 's'} to ${topic} (acks=${acksLabel(acks)})`);
    });
  return withExamples(command, [
    'firehose produce                       # type lines, Enter sends each',
    'seq 100 | firehose produce my-topic-7',
    "echo 'id-1:hello' | firehose produce --key-separator : --header source=cli",
  ]);
}
