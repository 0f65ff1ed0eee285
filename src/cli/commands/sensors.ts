import { Command, Option } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { ENV } from '../../config/env.js';
import { DEFAULT_MQTT_URL } from '../../edge/mqtt.js';
import { formatCount } from '../../util/count.js';
import { ProgressBar, ProgressCounter } from '../../ui/progress.js';
import { runtimeOf, withExamples } from '../action.js';
import { parseNonNegativeNumber, parsePositiveInt } from '../flags.js';

const FORMAT_NOTES = `
Sensors: --sensors N is N sensors on machines floor-1-line-1-extruder-K, each machine a
temperature-1 then a vibration-1 sensor (2 = one machine with one of each; 3 adds a temperature
sensor on extruder-2). Readings go round the sensors in turn; values are a random walk
(temperature 20-80 C, vibration 0-10 mm/s).
Topics: iot-sensor/sw/temperature and iot-sensor/sw/vibration (seed 002, MANUela).
Payloads (--format):
  json     {"id":"floor-1-line-1-extruder-1-temperature-1-1","sensor":"floor-1-line-1-extruder-1-temperature-1",
            "type":"temperature","value":45.27,"unit":"C","timestamp":"2024-05-01T12:00:00.000Z"}
           (id = sensor-seq, unique in a run)
  manuela  MANUela's software sensor's CSV, what its iot-consumer reads (3rd field = the value):
           floor-1-line-1-extruder-1,temperature-1,45.27,1714564800000
           (machine,device,value,epoch ms; no message id)
With --qos 1 (default) every reading is acknowledged by the broker (at most 100 in flight), so
--count N ending means the broker has all N.
`;

export function sensorsCommand(): Command<any, any, any> {
  const command = new Command('sensors')
    .description('Simulated factory sensors: temperature and vibration readings published to MQTT (seed 002\'s edge), until Ctrl-C or --count')
    .option('--mqtt <url>', 'MQTT broker (mqtt:// or mqtts://)', DEFAULT_MQTT_URL)
    .option('--mqtt-username <name>', `MQTT user; password from ${ENV.mqttPassword} or a prompt`)
    .option('--mqtt-client-id <id>', 'MQTT client id (default: firehose-sensors-<random>)')
    .addOption(new Option('--mqtt-version <version>', 'MQTT protocol: 4 (3.1.1) or 5 (firehose mqtt start speaks 4 only)').choices(['4', '5']).default('4'))
    .option('--mqtt-ca-file <file>', 'TLS (mqtts://): CA of the MQTT broker\'s certificate')
    .option('--mqtt-insecure', 'TLS without verifying the MQTT broker\'s certificate (insecure)')
    .option('--mqtt-timeout <duration>', 'give up reaching the MQTT broker after this long', '10s')
    .addOption(new Option('--qos <qos>', '1 = each reading acknowledged by the broker, 0 = fire and forget').choices(['0', '1']).default('1'))
    .option('--sensors <n>', 'how many sensors (temperature and vibration in turn; see below)', '2')
    .option('--rate <per-second>', 'readings per second, all sensors together (0 = as fast as the broker takes them)', '1')
    .option('--count <n>', 'stop after this many readings (default: until Ctrl-C)')
    .addOption(new Option('--format <format>', 'payload: json or manuela (CSV; see below)').choices(['json', 'manuela']).default('json'))
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const count = options.count === undefined ? undefined : parsePositiveInt(options.count, '--count');
      const sensors = parsePositiveInt(options.sensors, '--sensors');
      const rate = parseNonNegativeNumber(options.rate, '--rate');
      const mqtt = {
        url: options.mqtt,
        protocolVersion: Number(options.mqttVersion) as 4 | 5,
        clientId: options.mqttClientId ?? `firehose-sensors-${Math.random().toString(16).slice(2, 10)}`,
        clean: true,
        username: options.mqttUsername,
        caFile: options.mqttCaFile,
        insecure: Boolean(options.mqttInsecure),
        connectTimeoutMs: parseDuration(options.mqttTimeout, '--mqtt-timeout'),
      };
      const { runSensors } = await import('../../edge/sensors.js');
      const qos = Number(options.qos) as 0 | 1;
      const progress = count === undefined ? new ProgressCounter(rt.out, 'sensors', 'readings') : new ProgressBar(rt.out, 'sensors', count);
      const result = await runSensors(
        { mqtt, qos, sensors, rate, count, format: options.format as 'json' | 'manuela', signal: rt.signal },
        { env: rt.env, log: rt.out.logger(), askSecret: rt.askSecret() },
        (p) => {
          progress.update(p.published, p.elapsedMs);
          rt.out.debug(`${p.topic} ${p.payload}`);
        },
      ).finally(() => progress.done());
      if (rt.out.structured) return rt.out.data({ event: 'done', published: result.published, url: result.url, qos: result.qos, sensors: result.sensors, elapsedMs: Math.round(result.elapsedMs), interrupted: result.interrupted });
      rt.out.info(`Published ${formatCount(result.published)} reading${result.published === 1 ? '' : 's'} to ${result.url} (QoS ${result.qos}).`);
    });
  command.addHelpText('after', FORMAT_NOTES.trimEnd());
  return withExamples(command, [
    'firehose sensors --count 10                          # to firehose mqtt start on localhost:1883',
    'firehose sensors --rate 100 --sensors 10 --format manuela',
    `${ENV.mqttPassword}=secret firehose sensors --mqtt mqtt://broker:1883 --mqtt-username iotuser`,
  ]);
}
