import { Command, Option } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { ENV } from '../../config/env.js';
import { UsageError } from '../../errors.js';
import { collect, runtimeOf, withExamples } from '../action.js';
import { parsePositiveInt } from '../flags.js';

export function bridgeCommand(): Command<any, any, any> {
  const mqtt = new Command('mqtt')
    .description('MQTT → Kafka, as seed 002\'s mqtt2kafka route: each message to the Kafka topic its MQTT topic maps to, acknowledged to MQTT (QoS 1) only after Kafka has it')
    .option('--config <file>', 'the seed\'s mqtt2kafka ConfigMap: routes (mqtt.broker.topic.X → kafka.broker.topic.X), broker URI and client id from its application.properties')
    .option('--map <filter=topic>', 'a route: MQTT topic filter (+ and # allowed) = Kafka topic, repeatable', collect, [])
    .option('--mqtt <url>', 'MQTT broker (mqtt:// or mqtts://; default: the ConfigMap\'s, else mqtt://localhost:1883)')
    .option('--mqtt-username <name>', `MQTT user; password from ${ENV.mqttPassword} or a prompt`)
    .option('--mqtt-client-id <id>', 'MQTT client id: the persistent session is kept under it (default: the ConfigMap\'s, else firehose-mqtt2kafka)')
    .addOption(new Option('--mqtt-version <version>', 'MQTT protocol: 4 (3.1.1) or 5').choices(['4', '5']).default('4'))
    .option('--mqtt-ca-file <file>', 'TLS (mqtts://): CA of the MQTT broker\'s certificate')
    .option('--mqtt-insecure', 'TLS without verifying the MQTT broker\'s certificate (insecure)')
    .option('--clean-session', 'start a clean session (messages published while the bridge was away are lost) instead of the persistent one')
    .addOption(new Option('--qos <qos>', 'subscription QoS: 1 = at-least-once into Kafka, 0 = at-most-once').choices(['0', '1']).default('1'))
    .option('--key <spec>', 'record key: none, mqtt-topic or json:FIELD (a field of the JSON payload)', 'none')
    .option('--topic-header <name>', 'record header holding the MQTT topic', 'mqtt_topic')
    .option('--count <n>', 'stop after this many messages (default: until Ctrl-C)')
    .option('--mqtt-timeout <duration>', 'give up reaching the MQTT broker after this long', '10s')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const { parseKeySpec, parseRouteFlag, routesFromConfigMap, runBridge } = await import('../../edge/bridge.js');
      let fromConfig: Awaited<ReturnType<typeof routesFromConfigMap>> | undefined;
      if (options.config !== undefined) {
        const { readFile } = await import('node:fs/promises');
        const text = await readFile(options.config, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new UsageError(`--config ${options.config}: cannot read: ${error.code ?? error.message}`, undefined, { code: 'DATA_FILE_UNREADABLE' });
        });
        fromConfig = await routesFromConfigMap(text, options.config);
      }
      const routes = [...(fromConfig?.routes ?? []), ...options.map.map(parseRouteFlag)];
      if (routes.length === 0) throw new UsageError('No routes: nothing to bridge.', 'Give --config mqtt2kafka-cm.yaml (the seed\'s ConfigMap) or --map MQTT-FILTER=KAFKA-TOPIC.');
      const key = parseKeySpec(options.key);
      const count = options.count === undefined ? undefined : parsePositiveInt(options.count, '--count');
      const settings = {
        url: options.mqtt ?? fromConfig?.mqttUrl ?? 'mqtt://localhost:1883',
        protocolVersion: Number(options.mqttVersion) as 4 | 5,
        clientId: options.mqttClientId ?? fromConfig?.clientId ?? 'firehose-mqtt2kafka',
        clean: Boolean(options.cleanSession),
        username: options.mqttUsername,
        caFile: options.mqttCaFile,
        insecure: Boolean(options.mqttInsecure),
        connectTimeoutMs: parseDuration(options.mqttTimeout, '--mqtt-timeout'),
      };
      const kafka = await rt.kafka();
      const result = await runBridge(kafka, { mqtt: settings, routes, qos: Number(options.qos) as 0 | 1, key, topicHeader: options.topicHeader, count, signal: rt.signal },
        { env: rt.env, log: rt.out.logger(), askSecret: rt.askSecret() },
        (event) => {
          if (event.kind === 'subscribed') {
            if (rt.out.structured) return rt.out.data({ event: 'subscribed', url: event.url, clientId: event.clientId, routes });
            rt.out.info(`Bridging ${event.url} → Kafka (${routes.map((r) => `${r.filter} → ${r.topic}`).join(', ')}) as client ${event.clientId}, ${event.clean ? 'clean session' : 'persistent session'}, QoS ${options.qos}; Ctrl-C to stop.`);
          } else if (event.kind === 'forwarded') rt.out.debug(`${event.mqttTopic} → ${event.kafkaTopic}${event.redelivered ? ' (redelivered)' : ''}`);
          else if (event.kind === 'unrouted') rt.out.warn(`${event.mqttTopic}: no route (acknowledged, not forwarded)`);
          else if (event.kind === 'reconnecting') rt.out.warn(`${event.reason}: reconnecting (the persistent session keeps what is published meanwhile)`);
        });
      const summary = { forwarded: result.forwarded, redelivered: result.redelivered };
      if (rt.out.structured) return rt.out.data({ event: 'stopped', ...summary });
      rt.out.info(`Forwarded ${result.forwarded} message${result.forwarded === 1 ? '' : 's'} to Kafka${result.redelivered ? `; ${result.redelivered} redelivered by the MQTT broker (may be in Kafka twice)` : ''}.`);
    });
  withExamples(mqtt, [
    'firehose bridge mqtt --config mqtt2kafka-cm.yaml --mqtt mqtt://localhost:1883   # the seed\'s routes',
    "firehose bridge mqtt --map 'iot-sensor/+/temperature=iot-sensor-sw-temperature' --key json:sensor",
  ]);
  return withExamples(new Command('bridge').description('Bridges into Kafka (seed 002\'s edge)').addCommand(mqtt), ['firehose bridge mqtt --config mqtt2kafka-cm.yaml']);
}
