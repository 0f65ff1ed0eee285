import { Command } from '@commander-js/extra-typings';
import { configFilePath } from '../../config/config-file.js';
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
      rt.out.line(`bootstrap:    ${view.kafka.bootstrap} (from ${connection.bootstrapSource})`);
      rt.out.line(`tls:          ${connection.tls ? JSON.stringify(connection.tls) : 'off'}`);
      rt.out.line(`sasl:         ${connection.sasl ? `${connection.sasl.mechanism} as ${connection.sasl.username}` : 'off'}`);
    });
  const path = new Command('path').description('Print the config file path').action(async (_options, cmd) => {
    runtimeOf(cmd).out.line(configFilePath(runtimeOf(cmd).env));
  });
  const config = new Command('config').description('Show firehose settings').addCommand(view).addCommand(path);
  withExamples(view, ['firehose config view', 'firehose config view --output json']);
  withExamples(path, ['firehose config path', '$EDITOR "$(firehose config path)"']);
  return withExamples(config, ['firehose config view', 'firehose config path']);
}
