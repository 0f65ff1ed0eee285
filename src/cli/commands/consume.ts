import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { parseGroupProtocol } from '../../kafka/group-member.js';
import type { ConsumedRecord } from '../../kafka/records.js';
import { parseOffsetSpec } from '../../kafka/offset-spec.js';
import { parseKcatFormat } from '../../ui/kcat-format.js';
import { collect, runtimeOf, withExamples, withTopicOption } from '../action.js';
import { parseIsolationLevel, parseOffsetReset, parsePositiveInt } from '../flags.js';

/** value, json, or a kcat format string (its own line ends). */
export type RecordFormat = 'value' | 'json' | ((record: ConsumedRecord) => string);

function parseRecordFormat(text: string): RecordFormat {
  if (text === 'value' || text === 'json') return text;
  if (text.includes('%')) return parseKcatFormat(text, '--format');
  throw new UsageError(`--format must be value, json or a kcat format string such as '%p:%o %k=%s\\n', not "${text}".`, 'Tokens: %t %p %o %T %k %K %s %S %h (see consume --help).');
}

/** One record as --format says: the value alone (a line), every field as JSON (a line), or a kcat format string as it is. */
export function formatRecord(record: ConsumedRecord, format: RecordFormat): string {
  if (typeof format === 'function') return format(record);
  return `${format === 'json' ? JSON.stringify(record) : (record.value ?? '')}\n`;
}

export function consumeCommand(): Command<any, any, any> {
  const command = withTopicOption(new Command('consume'))
    .description('Print records from a topic (default my-topic-<N>) until stopped')
    .argument('[topic]', 'topic (default: my-topic-<N>)')
    .option('--from-beginning', 'start at the earliest offset (where the group has no commits)')
    .option('-g, --group <group>', 'consumer group; commits what was printed (default: no group, every partition, nothing committed)')
    .option('-p, --partition <n>', 'without a group: read only this partition (repeatable; kcat -p)', collect, [])
    .option('--offset <where>', 'without a group: beginning, end, an offset (42), N before the end (-10) or a time in ms (@1700000000000) (kcat -o)')
    .option('-e, --exit', 'stop at the end of the partitions, as they were when it started (with a group: when they were assigned to it; kcat -e, -G -e)')
    .option('--group-protocol <protocol>', 'classic (default) or consumer: KIP-848, the coordinator assigns (Kafka 4.0+)')
    .option('--isolation-level <level>', 'read_uncommitted (default, as Kafka\'s console consumer) or read_committed: records of aborted transactions skipped, open transactions waited for (kcat -X isolation.level)')
    .option('--offset-reset <where>', 'earliest or latest, for a group with no committed offsets')
    .option('-c, --max-messages <n>', 'stop after this many records (kcat -c)')
    .option('--idle-timeout <duration>', 'stop when nothing arrived for this long (e.g. 5s)')
    .option('-f, --format <format>', "value, json (topic, partition, offset, timestamp, key, headers, value; YAML documents with --output yaml), or a kcat format string: %t topic, %p partition, %o offset, %T timestamp, %k key, %K key length, %s value, %S value length, %h headers, \\n newline (e.g. '%p:%o %s\\n')")
    .action(async (topicArg, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { consumeTopic } = await import('../../kafka/consume.js');
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
          partitions: options.partition.length ? options.partition.map((p) => parsePositiveInt(p, '--partition', { allowZero: true })) : undefined,
          offset: options.offset === undefined ? undefined : parseOffsetSpec(options.offset),
          exitAtEnd: Boolean(options.exit),
          isolationLevel: parseIsolationLevel(options.isolationLevel),
        },
        {
          onStart: (position) => rt.out.info(rt.out.paint('gray', `Start: ${position.reason}.`)),
          onAssign: (t, partitions) => rt.out.info(rt.out.paint('gray', `Assigned ${t} partitions [${partitions.join(', ')}]`)),
          // --format json with --output yaml: each record a YAML document.
          onRecords: (batch) => {
            // The default, values one per line: their bytes as they are, no string per record.
            if (format === 'value') return rt.out.write(batch.valueLines());
            return rt.out.write(batch.records().map((r) => (rt.out.structured && format === 'json' ? rt.out.document(r) : formatRecord(r, format))).join(''));
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
    "firehose consume -t my-topic-7 -p 3 --offset -10 -e -f '%p:%o %k %s\\n'   # kcat -C -t my-topic-7 -p 3 -o -10 -e -f ...",
    'firehose consume my-topic-7 -g lab --offset-reset earliest -e   # kcat -G lab my-topic-7 -o beginning -e: what the group has not read yet, committed',
  ]);
}
