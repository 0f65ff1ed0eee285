import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { formatTable } from '../../ui/table.js';
import { runtimeOf, withExamples } from '../action.js';
import { parsePositiveInt } from '../flags.js';
import { openStore as store, storeTarget, withStoreOptions, type StoreFlags } from '../lake-flags.js';

export function lakeCommand(): Command<any, any, any> {
  const run = withStoreOptions(new Command('run')
    .description('Store topics as objects of N records in a folder or an S3 bucket, as seed 002\'s kafka-to-s3 route does (the default subcommand), until Ctrl-C')
    .argument('[topics...]', 'topics to store (or --config)')
    .option('--config <file>', 'the seed\'s kafka-to-s3 ConfigMap: topics (kafka.broker.topic.*), records per object, bootstrap (kafka.broker.uri) unless --bootstrap'), 'go to')
    .option('--s3', 'store in the ConfigMap\'s bucket (s3.bucket.name, s3.region, s3.custom.endpoint.url) instead of a folder')
    .option('--create-bucket', 'make the bucket if it does not exist (s3cmd mb)')
    .option('--records <n>', 'records per object (s3.message.aggregation.count; default 10)')
    .option('--max-wait <duration>', 'store what a partition has after this long, even fewer records', '30s')
    .option('--group <id>', 'consumer group: what it has stored is committed there', 'firehose-lake')
    .option('--offset-reset <where>', 'where a group with nothing committed starts: earliest or latest', 'earliest')
    .action(async (topicArgs, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { lakeConfigFromConfigMap, runLake } = await import('../../edge/lake.js');
      let config: Awaited<ReturnType<typeof lakeConfigFromConfigMap>> | undefined;
      if (options.config !== undefined) {
        const { readFile } = await import('node:fs/promises');
        const text = await readFile(options.config, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new UsageError(`--config ${options.config}: cannot read it (${error.code ?? error.message}).`, 'Give the path of the kafka-to-s3 ConfigMap YAML.');
        });
        config = await lakeConfigFromConfigMap(text, options.config);
      }
      const topics = topicArgs.length > 0 ? topicArgs : config?.topics ?? [];
      if (topics.length === 0) throw new UsageError('lake run needs topics: as arguments, or --config kafka-to-s3-cm.yaml.', 'Example: firehose lake manuela-factory.iot-sensor-sw-temperature');
      if (options.offsetReset !== 'earliest' && options.offsetReset !== 'latest') throw new UsageError(`--offset-reset must be earliest or latest, not "${options.offsetReset}".`);
      // The ConfigMap's Kafka, unless --bootstrap (or the environment, or the config file) says where.
      if (config?.bootstrap && (await rt.connection()).bootstrapSource === 'default') rt.useBootstrap(config.bootstrap);
      const records = options.records !== undefined ? parsePositiveInt(options.records, '--records') : config?.records ?? 10;
      const maxWaitMs = parseDuration(options.maxWait, '--max-wait');
      const flags = options as typeof options & StoreFlags; // withStoreOptions's flags (commander's typings do not follow a helper)
      if (options.s3 && flags.bucket === undefined && config?.bucket === undefined) {
        throw new UsageError('--s3 needs a bucket: --config with s3.bucket.name, or --bucket.');
      }
      const target = storeTarget(flags, rt, options.s3 ? config : {}, Boolean(options.createBucket));
      const objects = await store(target, rt);
      const client = await rt.kafka();
      const result = await runLake(client, { topics, store: objects, records, maxWaitMs, group: options.group, fromBeginning: options.offsetReset === 'earliest', signal: rt.signal }, (event) => {
        if (rt.out.structured) rt.out.data(event);
        else if (event.kind === 'started') rt.out.info(`Storing ${topics.join(', ')} in ${event.where}: ${records} records per object (or what there is after ${options.maxWait}), group ${options.group}; Ctrl-C to stop.`);
        else rt.out.debug(`lake: stored ${event.name} (${event.records} records)`);
      });
      if (rt.out.structured) rt.out.data({ event: 'stopped', objects: result.objects, records: result.records });
      else rt.out.info(`Stored ${result.objects} objects (${result.records} records) in ${objects.where}.`);
    });
  const ls = withStoreOptions(new Command('ls')
    .description('List the stored objects: name, bytes, records (folders), time (s3cmd ls)')
    .argument('[prefix]', 'only names starting with this (a topic, topic/partition)'), 'are in')
    .action(async (prefix, options, cmd) => {
      const rt = runtimeOf(cmd);
      const lake = await store(storeTarget(options as StoreFlags, rt), rt);
      const objects = await lake.list(prefix ?? '');
      if (rt.out.structured) return rt.out.data(objects);
      if (objects.length === 0) return rt.out.info(`No objects${prefix ? ` starting with ${prefix}` : ''} in ${lake.where}.`);
      rt.out.line(formatTable(['OBJECT', 'RECORDS', 'BYTES', 'MODIFIED'], objects.map((o) => [o.name, o.records ?? '-', o.bytes, o.modified])));
    });
  const get = withStoreOptions(new Command('get')
    .description('Print one stored object: a JSON line per record (s3cmd get)')
    .argument('<object>', 'its name, as lake ls shows it'), 'are in')
    .action(async (name, options, cmd) => {
      const rt = runtimeOf(cmd);
      const lake = await store(storeTarget(options as StoreFlags, rt), rt);
      await rt.out.write(await lake.get(name));
    });
  withExamples(run, [
    'firehose lake --config kafka-to-s3-cm.yaml          # the seed\'s topics, 10 records an object, into ./data-lake',
    'firehose lake run manuela-factory.iot-sensor-sw-temperature --records 100 --dir /tmp/lake',
    'firehose lake --config kafka-to-s3-cm.yaml --bucket manuela-data-lake --s3-endpoint http://127.0.0.1:7070',
    'firehose lake --config kafka-to-s3-cm.yaml --s3 --no-verify-tls   # the ConfigMap\'s bucket and endpoint, certificate unchecked as in the seed',
  ]);
  withExamples(ls, ['firehose lake ls', 'firehose lake ls manuela-factory.iot-sensor-sw-temperature/0', 'firehose lake ls --bucket manuela-data-lake --s3-endpoint http://127.0.0.1:7070']);
  withExamples(get, ['firehose lake get manuela-factory.iot-sensor-sw-temperature/0/00000000000000000000.jsonl']);
  const lake = new Command('lake')
    .description('The data lake (seed 002\'s kafka-to-s3): store topics as objects of N records in a folder or S3 bucket (run, the default), list (ls) and read (get) them')
    .addCommand(run, { isDefault: true })
    .addCommand(ls)
    .addCommand(get);
  return withExamples(lake, ['firehose lake --config kafka-to-s3-cm.yaml', 'firehose lake ls', 'firehose lake get <object>']);
}
