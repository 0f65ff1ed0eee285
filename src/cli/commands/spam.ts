import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { parseAcks } from '../../kafka/acks.js';
import { ProgressBar } from '../../ui/progress.js';
import { runtimeOf, withExamples, withTopicOption } from '../action.js';
import { parsePositiveInt } from '../flags.js';
import { formatCount } from '../../util/count.js';

export function spamCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('spam'))
    .description('The workshop spammer: send { "message": "Sending Message: i" } N times')
    .argument('[topic]', 'topic (default: my-topic-<N>)')
    .option('--times <n>', 'how many messages', '1')
    .option('--acks <acks>', 'acknowledgements: 0, 1 or all (all = idempotent producer)', 'all')
    .option('-z, --compression <codec>', 'record batches compressed with none, gzip, snappy, lz4 or zstd (kcat -z)', 'none')
    .option('--rate <n>', 'at most this many messages per second')
    .option('--delivery-timeout <duration>', 'give up when a batch is not acknowledged within this long, retries included; rides out a broker restart', '60s')
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { parseCompression } = await import('../../kafka/compression.js');
      const { spamTopic } = await import('../../kafka/spam.js');
      const topic = await rt.topicOrDefault(topicArg);
      const times = parsePositiveInt(options.times, '--times');
      const rate = options.rate === undefined ? undefined : parsePositiveInt(options.rate, '--rate');
      const acks = parseAcks(options.acks);
      const compression = parseCompression(options.compression);
      const deliveryTimeoutMs = parseDuration(options.deliveryTimeout, '--delivery-timeout');
      const client = await rt.kafka();
      const bar = new ProgressBar(rt.out, 'spam', times);
      const result = await spamTopic(client, { topic, times, acks, compression, rate, deliveryTimeoutMs, signal: rt.signal }, (p) => bar.update(p.sent, p.elapsedMs));
      bar.done();
      if (rt.out.structured) return rt.out.data(result);
      const rounded = formatCount(result.rate);
      // A summary is status, not data: stderr (stdout stays empty for pipes), as produce does.
      rt.out.info(`Sent ${result.sent} messages to ${topic} in ${result.seconds.toFixed(2)} s (${rounded} msg/s)`);
      if (result.interrupted) rt.out.warn(`Interrupted after ${result.sent} of ${times} messages.`);
    });
  return withExamples(command, ['firehose spam --times 10', 'firehose spam my-topic-7 --times 1000000 --acks 1', 'firehose spam --times 100 --rate 10']);
}
