import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { consumeTopic } from '../../kafka/consume.js';
import { parseGroupProtocol } from '../../kafka/group-member.js';
import type { ConsumedRecord } from '../../kafka/records.js';
import { runtimeOf, withExamples } from '../action.js';
import { parseOffsetReset, parsePositiveInt } from '../flags.js';

export type RecordFormat = 'value' | 'json';

function parseRecordFormat(text: string): RecordFormat {
  if (text === 'value' || text === 'json') return text;
  throw new UsageError(`--format must be value or json, not "${text}".`);
}

/** One line per record: the value alone, or every field as JSON. */
export function formatRecord(record: ConsumedRecord, format: RecordFormat): string {
  return format === 'json' ? JSON.stringify(record) : (record.value ?? '');
}

export function consumeCommand(): Command<any, any, any> {
  const command = new Command('consume')
    .description('Print records from a topic (default my-topic-<N>) until stopped')
    .argument('[topic]', 'topic (default: my-topic-<N>)')
    .option('--from-beginning', 'start at the earliest offset (where the group has no commits)')
    .option('--group <group>', 'consumer group; commits what was printed (default: no group, every partition, nothing committed)')
    .option('--group-protocol <protocol>', 'classic (default) or consumer: KIP-848, the coordinator assigns (Kafka 4.0+)')
    .option('--offset-reset <where>', 'earliest or latest, for a group with no committed offsets')
    .option('--max-messages <n>', 'stop after this many records')
    .option('--idle-timeout <duration>', 'stop when nothing arrived for this long (e.g. 5s)')
    .option('--format <format>', 'value or json (topic, partition, offset, timestamp, key, headers, value; YAML documents with --output yaml)')
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const topic = await rt.topicOrDefault(topicArg);
      const format = parseRecordFormat(options.format ?? (rt.out.structured ? 'json' : 'value'));
      const client = await rt.kafka();
      const result = await consumeTopic(
        client,
        {
          topic,
          group: options.group,
          groupProtocol: parseGroupProtocol(options.groupProtocol),
          fromBeginning: Boolean(options.fromBeginning),
          offsetReset: parseOffsetReset(options.offsetReset),
          maxMessages: options.maxMessages === undefined ? undefined : parsePositiveInt(options.maxMessages, '--max-messages'),
          idleTimeoutMs: options.idleTimeout === undefined ? undefined : parseDuration(options.idleTimeout, '--idle-timeout'),
          signal: rt.signal,
        },
        {
          onStart: (position) => rt.out.info(rt.out.paint('gray', `Start: ${position.reason}.`)),
          onAssign: (t, partitions) => rt.out.info(rt.out.paint('gray', `Assigned ${t} partitions [${partitions.join(', ')}]`)),
          // --format json with --output yaml: each record a YAML document.
          onRecords: (batch) => {
            // The default, values one per line: their bytes as they are, no string per record.
            if (format === 'value') return rt.out.write(batch.valueLines());
            return rt.out.write(batch.records().map((r) => (rt.out.structured ? rt.out.document(r) : `${formatRecord(r, format)}\n`)).join(''));
          },
        },
      );
      const committed = result.anonymous ? 'nothing committed (no group)' : `offsets committed for group ${result.group}`;
      rt.out.info(rt.out.paint('gray', `Consumed ${result.consumed} record${result.consumed === 1 ? '' : 's'} from ${topic}; ${committed}; stopped by ${result.stoppedBy}.`));
    });
  return withExamples(command, [
    'firehose consume --from-beginning',
    'firehose consume my-topic-7 --group lab --offset-reset earliest',
    'firehose consume --from-beginning --max-messages 10 --format json',
    'firehose consume --from-beginning --idle-timeout 5s | wc -l',
  ]);
}
