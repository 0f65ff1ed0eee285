import { join } from 'node:path';
import { stateDir } from '../../config/state-dir.js';
import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { runtimeOf, withExamples, withTopicOption } from '../action.js';
import { parseOffsetReset, parsePositiveInt } from '../flags.js';

function offsetsDemoCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('offsets'))
    .description('Two fresh groups side by side: auto.offset.reset earliest vs latest')
    .argument('[topic]', 'topic (default: my-topic-<N>)')
    .option('--new-records <n>', 'records to send once both have joined', '3')
    .option('--timeout <duration>', 'how long to wait for the records', '30s')
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { runOffsetsDemo } = await import('../../kafka/demo-offsets.js');
      const topic = await rt.topicOrDefault(topicArg);
      const out = rt.out;
      const result = await runOffsetsDemo(
        await rt.kafka(),
        { topic, newRecords: parsePositiveInt(options.newRecords, '--new-records'), timeoutMs: parseDuration(options.timeout, '--timeout'), signal: rt.signal },
        (event) => {
          if (out.structured) return;
          if (event.kind === 'existing') out.line(`${topic} holds ${event.count} record${event.count === 1 ? '' : 's'} already.`);
          if (event.kind === 'joined') out.line(`[${event.reset.padEnd(8)}] group ${event.group} assigned partitions [${event.partitions.join(', ')}]`);
          if (event.kind === 'produced') out.line(`Sent ${event.count} new records now that both groups have joined.`);
          if (event.kind === 'record') out.line(`[${event.reset.padEnd(8)}] ${out.paint('gray', `p${event.record.partition}@${event.record.offset}`)} ${event.record.value ?? ''}`);
        },
      );
      if (out.structured) return out.data(result);
      out.line('');
      out.line(`earliest read ${result.earliest.consumed}: ${result.earliest.oldRecords} old + ${result.earliest.newRecords} new. A group with no commits and auto.offset.reset=earliest starts at the oldest record.`);
      out.line(`latest   read ${result.latest.consumed}: ${result.latest.oldRecords} old + ${result.latest.newRecords} new. With latest it skips everything written before it joined.`);
      if (!result.complete) out.warn('Not every expected record arrived before --timeout.');
    });
  return withExamples(command, ['firehose demo offsets', 'firehose demo offsets my-topic-7 --new-records 5']);
}

function commitDemoCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('commit'))
    .description('Store-then-commit, one message at a time: stop it mid-store, run again, see the re-read')
    .argument('[topic]', 'topic (default: my-topic-<N>)')
    .requiredOption('-g, --group <group>', 'consumer group (reuse it to resume)')
    .option('--store-ms <ms>', 'how long storing one message takes', '10000')
    .option('--commit-before-store', 'commit first, then store (at-most-once: a stop mid-store loses the message)')
    .option('--offset-reset <where>', 'earliest or latest, for a group with no commits', 'earliest')
    .option('--max-messages <n>', 'stop after this many messages')
    .option('--idle-timeout <duration>', 'stop when nothing arrived for this long')
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { runCommitDemo } = await import('../../kafka/demo-commit.js');
      const topic = await rt.topicOrDefault(topicArg);
      const out = rt.out;
      const order = options.commitBeforeStore
        ? 'Order: commit, then store. At-most-once: a message whose store is interrupted is already committed, so it is lost to this group.'
        : 'Order: store, then commit. At-least-once: a message whose store is interrupted is not committed, so it is read again.';
      if (!out.structured) out.info(order);
      const result = await runCommitDemo(
        await rt.kafka(),
        {
          topic,
          group: options.group,
          storeMs: parsePositiveInt(options.storeMs, '--store-ms', { allowZero: true }),
          commitBeforeStore: Boolean(options.commitBeforeStore),
          offsetReset: parseOffsetReset(options.offsetReset) ?? 'earliest',
          maxMessages: options.maxMessages === undefined ? undefined : parsePositiveInt(options.maxMessages, '--max-messages'),
          idleTimeoutMs: options.idleTimeout === undefined ? undefined : parseDuration(options.idleTimeout, '--idle-timeout'),
          signal: rt.signal,
          inFlightFile: join(stateDir(rt.env), 'demo-commit', `${encodeURIComponent(options.group)}.json`),
        },
        (event) => {
          if (out.structured) {
            if (event.kind === 'start') return out.data({ event: 'start', ...event.position });
            if (event.kind === 'assign') return out.data({ event: 'assign', partitions: event.partitions });
            if (event.kind === 'lost') return out.data({ event: 'lost', partition: event.inFlight.partition, offset: event.inFlight.offset });
            return out.data({ event: event.kind, partition: event.record.partition, offset: event.record.offset, value: event.record.value });
          }
          if (event.kind === 'start') out.info(out.paint('gray', `Start: ${event.position.reason}.`));
          if (event.kind === 'assign') out.info(out.paint('gray', `Assigned partitions: [${event.partitions.join(', ')}]`));
          if (event.kind === 'reread') {
            out.line(out.paint('yellow', `Reading p${event.record.partition}@${event.record.offset} again: the last run stopped while storing it, before its offset was committed (at-least-once).`));
          }
          if (event.kind === 'lost') {
            out.line(out.paint('yellow', `The last run stopped while storing p${event.inFlight.partition}@${event.inFlight.offset}, after committing it: this group will not read it again (at-most-once: it is lost).`));
          }
          if (event.kind === 'message') out.line(`${out.paint('gray', `p${event.record.partition}@${event.record.offset}`)} ${event.record.value ?? ''}`);
          if (event.kind === 'store-start') out.line('Start Storing');
          if (event.kind === 'store-end') out.line('End Storing');
          if (event.kind === 'committed') out.line('Message committed');
        },
      );
      if (out.structured) return out.data({ event: 'result', ...result });
      out.info(`Processed ${result.processed} message${result.processed === 1 ? '' : 's'} (${result.order}, ${result.guarantee}); stopped by ${result.stoppedBy}.`);
    });
  return withExamples(command, [
    'firehose demo commit --group demo-7          # Ctrl-C between Start and End Storing, then run it again',
    'firehose demo commit --group demo-7 --commit-before-store',
  ]);
}

export function demoCommand(): Command<any, any, any> {
  const demo = new Command('demo')
    .description("Seed 004's offset demos: offsets (earliest vs latest) and commit (at-least-once)")
    .addCommand(offsetsDemoCommand())
    .addCommand(commitDemoCommand());
  return withExamples(demo, ['firehose demo offsets', 'firehose demo commit --group demo-7']);
}
