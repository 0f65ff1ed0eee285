import { Command } from '@commander-js/extra-typings';
import { configFilePath } from '../../config/config-file.js';
import { parseBrokers } from '../../config/connection.js';
import { parseUserNumber } from '../../config/user.js';
import { updateConfigFile } from '../../config/write-config.js';
import { UsageError } from '../../errors.js';
import { runtimeOf, withExamples } from '../action.js';

/**
 * `firehose init`: asks once for the user number, namespace, context and Kafka connection
 * and writes them to the config file. Flags given on the command line are taken as answers;
 * in a non-interactive shell only flags are used.
 */
export function initCommand(): Command<any, any, any> {
  const command = new Command('init')
    .description('Write the config file: user number, namespace, context, Kafka connection (asks on a terminal)')
    .action(async (_options, cmd) => {
      const rt = runtimeOf(cmd);
      const path = configFilePath(rt.env);
      const current = await rt.config();
      const flags = rt.flags;
      const ask = rt.canPrompt ? await import('@inquirer/prompts') : undefined;
      const answer = async (flag: string | undefined, known: string | undefined, message: string, validate?: (v: string) => true | string) => {
        if (flag !== undefined) return flag;
        if (!ask) return known;
        const value = await ask.input({ message, default: known, validate: validate ? (v) => (v === '' ? true : validate(v)) : undefined }, { signal: rt.signal });
        return value === '' ? undefined : value;
      };
      if (!ask && flags.user === undefined && flags.bootstrap === undefined && flags.namespace === undefined && flags.context === undefined && current.user === undefined) {
        throw new UsageError('firehose init needs a terminal to ask, or the values as flags.', 'Example: firehose init --user 7 --bootstrap localhost:9092 --namespace user7');
      }
      const userText = await answer(flags.user, current.user?.toString(), 'Your user number (N in userN):', (v) => {
        try { parseUserNumber(v, 'the prompt'); return true; } catch (error) { return (error as Error).message; }
      });
      const bootstrap = await answer(flags.bootstrap, current.kafka?.bootstrap, 'Kafka bootstrap servers (host:port,...):', (v) => {
        try { parseBrokers(v, 'the prompt'); return true; } catch (error) { return (error as Error).message; }
      });
      const written = await updateConfigFile(path, {
        user: userText === undefined ? undefined : parseUserNumber(userText, '--user'),
        namespace: await answer(flags.namespace, current.namespace, 'Kubernetes namespace (empty: the context\'s):'),
        context: await answer(flags.context, current.context, 'kubeconfig context (empty: the current one):'),
        kafka: {
          bootstrap: bootstrap === undefined ? undefined : parseBrokers(bootstrap, '--bootstrap').join(','),
          caFile: flags.caFile,
          certFile: flags.certFile,
          keyFile: flags.keyFile,
          keystore: flags.keystore,
          skipHostnameVerification: flags.skipHostnameVerification,
          sasl: flags.saslMechanism ? { mechanism: flags.saslMechanism, username: flags.saslUsername } : undefined,
        },
      });
      if (rt.out.structured) return rt.out.data({ path, config: written });
      rt.out.line(`${rt.out.paint('green', '✓')} Wrote ${path}`);
      rt.out.info('Passwords are not stored: set FIREHOSE_KEYSTORE_PASSWORD / FIREHOSE_SASL_PASSWORD, or firehose will ask.');
    });
  return withExamples(command, ['firehose init', 'firehose init --user 7 --bootstrap my-cluster-kafka-bootstrap.kafka:9092 --namespace user7']);
}
