import { Command } from '@commander-js/extra-typings';
import { configFilePath } from '../../config/config-file.js';
import { addKafkaContext, listKafkaContexts, useKafkaContext } from '../../config/kafka-contexts.js';
import { runtimeOf, withExamples } from '../action.js';

export function configCommand(): Command<any, any, any> {
  const view = new Command('view')
    .description('Show the settings in effect and where each came from (never secrets)')
    .action(async (_options, cmd) => {
      const rt = runtimeOf(cmd);
      const path = configFilePath(rt.env);
      const connection = await rt.connection();
      const user = await rt.user().catch(() => undefined);
      const view = {
        configFile: path,
        user: user ? { number: user.number, source: user.source } : null,
        kafka: {
          context: connection.kafkaContext ?? null,
          bootstrap: connection.brokers.join(','),
          bootstrapSource: connection.bootstrapSource,
          tls: connection.tls ?? null,
          sasl: connection.sasl ? { mechanism: connection.sasl.mechanism, username: connection.sasl.username } : null,
          connectTimeoutMs: connection.connectTimeoutMs,
          viaCluster: connection.viaCluster,
        },
      };
      if (rt.out.structured) return rt.out.data(view);
      rt.out.line(`config file:  ${path}`);
      rt.out.line(`user:         ${user ? `${user.number} (from ${user.source})` : 'not set'}`);
      const context = connection.kafkaContext;
      rt.out.line(`kafka context: ${context ? `${context.name} (from ${context.source})` : 'default (the file\'s kafka settings)'}`);
      rt.out.line(`bootstrap:    ${view.kafka.bootstrap} (from ${connection.bootstrapSource})`);
      rt.out.line(`tls:          ${connection.tls ? JSON.stringify(connection.tls) : 'off'}`);
      rt.out.line(`sasl:         ${connection.sasl ? `${connection.sasl.mechanism} as ${connection.sasl.username}` : 'off'}`);
    });
  const path = new Command('path').description('Print the config file path').action(async (_options, cmd) => {
    runtimeOf(cmd).out.line(configFilePath(runtimeOf(cmd).env));
  });
  const addContext = new Command('add-context')
    .description('Save a named Kafka connection (--bootstrap and the TLS/SASL flags given) in the config file')
    .argument('<name>', 'context name (e.g. factory, central)')
    .option('--use', 'also make it the context in effect')
    .action(async (name, options, cmd) => {
      const rt = runtimeOf(cmd);
      const file = configFilePath(rt.env);
      const f = rt.flags;
      await addKafkaContext(file, name, {
        bootstrap: f.bootstrap,
        caFile: f.caFile,
        certFile: f.certFile,
        keyFile: f.keyFile,
        keystore: f.keystore,
        skipHostnameVerification: f.skipHostnameVerification,
        sasl: f.saslMechanism ? { mechanism: f.saslMechanism, username: f.saslUsername } : undefined,
      }, Boolean(options.use));
      if (rt.out.structured) return rt.out.data({ context: name, configFile: file, inEffect: Boolean(options.use) });
      rt.out.line(`${rt.out.paint('green', '✓')} Saved Kafka context ${name} (${f.bootstrap}) in ${file}${options.use ? '; it is in effect now' : `; use it with --kafka-context ${name} or \`firehose config use-context ${name}\``}`);
    });
  const useContext = new Command('use-context')
    .description('Make a named Kafka context the one in effect (default: the file\'s plain kafka settings)')
    .argument('<name>', 'a context from `config contexts`, or default')
    .action(async (name, _options, cmd) => {
      const rt = runtimeOf(cmd);
      const file = configFilePath(rt.env);
      await useKafkaContext(file, await rt.config(), name);
      if (rt.out.structured) return rt.out.data({ context: name, configFile: file });
      rt.out.line(`${rt.out.paint('green', '✓')} Kafka context ${name} is in effect (${file})`);
    });
  const contexts = new Command('contexts')
    .description('List the named Kafka contexts; * marks the one in effect')
    .action(async (_options, cmd) => {
      const rt = runtimeOf(cmd);
      const current = (await rt.connection()).kafkaContext?.name;
      const list = listKafkaContexts(await rt.config(), current);
      if (rt.out.structured) return rt.out.data(list);
      for (const c of list) rt.out.line(`${c.current ? '*' : ' '} ${c.name.padEnd(16)} ${c.bootstrap ?? '(no bootstrap: localhost:9092)'}`);
    });
  const config = new Command('config').description('Show firehose settings; named Kafka contexts')
    .addCommand(view).addCommand(path).addCommand(contexts).addCommand(addContext).addCommand(useContext);
  withExamples(view, ['firehose config view', 'firehose config view --output json']);
  withExamples(path, ['firehose config path', '$EDITOR "$(firehose config path)"']);
  withExamples(addContext, ['firehose config add-context central --bootstrap central-kafka:9092 --ca-file central-ca.pem', 'firehose config add-context factory --bootstrap factory-kafka:9092 --use']);
  withExamples(useContext, ['firehose config use-context central', 'firehose config use-context default']);
  withExamples(contexts, ['firehose config contexts']);
  return withExamples(config, ['firehose config view', 'firehose config add-context central --bootstrap central-kafka:9092', 'firehose spam --kafka-context central --times 10']);
}
