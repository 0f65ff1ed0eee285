// `firehose bridge mqtt` (MQTT → Kafka) against the rate mosquitto_pub publishes at, into the
// same Mosquitto, QoS 0 and QoS 1. `npm run bench:bridge` (also part of `npm run bench`).
//
//   BENCH_BRIDGE_MESSAGES=50000 (per run)  BENCH_REPEAT=3
//
// For each QoS: mosquitto_pub alone publishes the messages (-l, one line each) into Mosquitto
// with nobody subscribed: its rate is the peer figure. Then the bridge subscribes (persistent
// session) and mosquitto_pub publishes the same messages again: the bridge's rate is from the
// first publish to the bridge's exit after --count messages, every one acknowledged by Kafka
// (acks=all; with QoS 1 each PUBACK only after that). Kafka is then checked to hold them all.
// The ratio bridge/mosquitto_pub says how much of what an MQTT publisher can push the bridge
// carries into Kafka. Replaces the "bridge" section of bench/RESULTS.md.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto } from '../test/support/mosquitto.js';
import {
  benchEnv, benchKafka, benchTopics, BIN, check, cleanUpBench, firehose, fmt, markdownTable, median, REPEAT, replaceResultsSection, runMain, seconds, timed, topicRecords,
} from './support.js';

const MESSAGES = Number(process.env.BENCH_BRIDGE_MESSAGES ?? 50_000);
const QOS = [0, 1] as const;

/** One message a line: a sensor reading of the size `firehose sensors` publishes. */
async function writeMessages(file: string): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < MESSAGES; i++) lines.push(JSON.stringify({ id: `bench-${i}`, sensor: 'floor-1-line-1-extruder-1-temperature-1', type: 'temperature', value: 20 + (i % 600) / 10, unit: 'C' }));
  await writeFile(file, `${lines.join('\n')}\n`);
}

const publish = (port: number, topic: string, qos: number, file: string) =>
  timed('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-q', String(qos), '-l'], { stdinFile: file });

/** The bridge runs until --count messages are in Kafka; ms from mosquitto_pub's start to the bridge's exit. */
async function bridgeRun(url: string, port: number, bootstrap: string, kafkaTopic: string, qos: number, file: string, run: string): Promise<number> {
  const args = firehose(['bridge', 'mqtt', '--map', `bench/${run}=${kafkaTopic}`, '--mqtt', url, '--mqtt-client-id', `bench-${run}`, '--qos', String(qos), '--count', String(MESSAGES)], bootstrap);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: benchEnv() });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (s: string) => {
      stderr += s;
      if (stderr.includes('Bridging')) resolve();
    });
    void exited.then((code) => reject(new Error(`the bridge exited (${code}) before it subscribed:\n${stderr}`)));
  });
  const started = performance.now();
  check(await publish(port, `bench/${run}`, qos, file), 'mosquitto_pub');
  const code = await exited;
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`the bridge exited with ${code}:\n${stderr}`);
  return ms;
}

runMain(async () => {
  const { bootstrap, kafkaVersion, kafka } = await benchKafka();
  const work = await mkdtemp(join(tmpdir(), 'firehose-bench-bridge-'));
  const topics = benchTopics(bootstrap, `bench-bridge-${Date.now()}`);
  const mosquitto = await startMosquitto({});
  try {
    const file = join(work, 'messages.txt');
    await writeMessages(file);
    const rows: string[][] = [];
    for (const qos of QOS) {
      const pubMs: number[] = [];
      const bridgeMs: number[] = [];
      for (let r = 0; r < REPEAT; r++) {
        // Alternated, so load on the machine hits both alike.
        pubMs.push(check(await publish(mosquitto.port, `bench/alone-${qos}-${r}`, qos, file), 'mosquitto_pub').ms);
        const topic = await topics.fresh(`q${qos}-${r}`);
        bridgeMs.push(await bridgeRun(mosquitto.url, mosquitto.port, bootstrap, topic, qos, file, `q${qos}-${r}`));
        const stored = await topicRecords(bootstrap, topic);
        if (stored < MESSAGES) throw new Error(`the bridge forwarded ${stored} of ${MESSAGES} messages to ${topic}`);
      }
      const pubRate = MESSAGES / (median(pubMs) / 1000);
      const bridgeRate = MESSAGES / (median(bridgeMs) / 1000);
      rows.push([`QoS ${qos}`, `${fmt(Math.round(pubRate))} (${seconds(pubMs)} s)`, `${fmt(Math.round(bridgeRate))} (${seconds(bridgeMs)} s)`, (bridgeRate / pubRate).toFixed(2)]);
      console.error(`QoS ${qos}: mosquitto_pub ${fmt(Math.round(pubRate))}/s, bridge ${fmt(Math.round(bridgeRate))}/s`);
    }
    const table = markdownTable(['', 'mosquitto_pub msg/s (alone)', 'bridge MQTT → Kafka msg/s', 'bridge/mosquitto_pub'], rows);
    const body = [
      '## MQTT → Kafka bridge vs mosquitto_pub',
      '',
      table,
      '',
      `- date: ${new Date().toISOString()}; ${MESSAGES.toLocaleString('en-US')} messages per run (~110-byte JSON readings), one MQTT topic, a 10-partition Kafka topic, median of ${REPEAT}`,
      `- Mosquitto (Debian's, started by the bench on loopback); Kafka ${kafkaVersion}; Node ${process.version}; nproc ${cpus().length}; firehose ${BIN}`,
      '- mosquitto_pub -l publishes into Mosquitto with nobody subscribed; the bridge time runs from the same publish to the bridge\'s exit after every message is acknowledged by Kafka (acks=all; QoS 1: each PUBACK after that)',
      `- load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ].join('\n');
    console.log(body);
    await replaceResultsSection('bridge', body);
  } finally {
    await mosquitto.stop();
    await cleanUpBench(work, kafka, topics);
  }
});
