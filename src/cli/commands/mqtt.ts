import { Command } from '@commander-js/extra-typings';
import { ENV } from '../../config/env.js';
import { secretFrom } from '../../config/secret.js';
import { untilAborted } from '../../util/deadline.js';
import { runtimeOf, withExamples } from '../action.js';
import { UsageError } from '../../errors.js';
import { parsePort } from '../flags.js';

/** What --help says about the embedded broker's limits (aedes 1.x). */
const BROKER_NOTES = `
The embedded broker is aedes: MQTT 3.1.1 only (clients must use --mqtt-version 4; an MQTT 5
client is refused at once). Persistent sessions (clean session off, QoS 1) keep their
subscriptions and queued messages in memory while the broker runs, and lose them when it
stops: for MQTT 5 or sessions that survive a restart, run Mosquitto (mosquitto -c conf with
persistence true) and point --mqtt at it.
`;

export function mqttCommand(): Command<any, any, any> {
  const start = new Command('start')
    .description('Run an embedded MQTT broker on this machine (until Ctrl-C): `firehose sensors` publishes to it, `firehose bridge mqtt` reads from it')
    .option('--port <port>', 'port to listen on (0 = any free port)', '1883')
    .option('--host <host>', 'interface to listen on (anything but loopback lets other machines in)', '127.0.0.1')
    .option('--username <name>', `require this user name from every client; its password from ${ENV.mqttPassword} or a prompt (default: anyone may connect)`)
    .option('--tls-cert <file>', 'serve MQTT over TLS (mqtts://) with this PEM certificate (with --tls-key); clients trust it with --mqtt-ca-file')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together.', 'Give the PEM certificate and its private key (firehose certs --cert-out makes the certificate).');
      const tls = options.tlsCert === undefined ? undefined : { certFile: options.tlsCert, keyFile: options.tlsKey! };
      // MQTT over TLS has its own port (8883) unless --port says otherwise.
      const port = parsePort(tls && cmd.getOptionValueSource('port') === 'default' ? '8883' : options.port, '--port');
      const password = options.username === undefined ? undefined
        : await secretFrom(ENV.mqttPassword, `Password clients must give for ${options.username}:`, { env: rt.env, askSecret: rt.askSecret() }, `Set ${ENV.mqttPassword}.`);
      const { isLoopback, startMqttBroker } = await import('../../edge/mqtt-broker.js');
      if (!isLoopback(options.host)) {
        rt.out.warn(`Listening on ${options.host}: other machines that reach this one can publish and subscribe${options.username === undefined ? ' without credentials (--username requires them)' : ''}, in clear text.`);
      }
      const broker = await startMqttBroker({ host: options.host, port, username: options.username, password, tls, log: rt.out.logger() });
      if (rt.out.structured) rt.out.data({ event: 'listening', url: broker.url });
      else rt.out.info(`MQTT broker listening on ${tls ? broker.url : broker.url.replace(/^mqtt:\/\//, '')} (MQTT 3.1.1${tls ? ' over TLS' : ''}, sessions in memory${options.username === undefined ? '' : `, user ${options.username}`}). Ctrl-C stops it.`);
      await untilAborted(rt.signal);
      await broker.close();
      if (rt.out.structured) rt.out.data({ event: 'stopped' });
      else rt.out.info('MQTT broker stopped.');
    });
  start.addHelpText('after', BROKER_NOTES.trimEnd());
  withExamples(start, [
    'firehose mqtt start &                     # then: firehose sensors --count 10',
    'firehose mqtt start --port 0 --output json # prints the address it picked',
    `${ENV.mqttPassword}=secret firehose mqtt start --username iotuser`,
    'firehose mqtt start --tls-cert broker.pem --tls-key broker.key   # mqtts://127.0.0.1:8883; firehose sensors --mqtt mqtts://localhost:8883 --mqtt-ca-file broker.pem',
  ]);
  const mqtt = new Command('mqtt')
    .description('MQTT on this machine: an embedded broker for the edge (start)')
    .addCommand(start);
  return withExamples(mqtt, ['firehose mqtt start', "mosquitto_sub -t 'iot-sensor/#' -v   # watch what firehose sensors publishes"]);
}
