// `npm run lab:edge` (scripts/lab-edge.ts): seed 002's flow in the background, the mirrored
// topic read on the central Kafka and the lake's objects listed, every command echoed exactly
// as it runs (pasteable from the clone), and the edge lab stopped at the end: the script ends
// by itself.
import { execa } from 'execa';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/local/up-state.js';
import { buildCli } from '../support/build.js';
import { cleanEnv } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run lab:edge', () => {
  beforeAll(() => buildCli());

  it('shows mirrored records and lake objects, echoing the commands it runs, and stops the edge lab', { timeout: 180_000 }, async () => {
    const lab = await execa(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/lab-edge.ts'], {
      cwd: ROOT, env: cleanEnv() as NodeJS.ProcessEnv, extendEnv: false, reject: false, all: true, timeout: 170_000,
    });
    const dir = /--dir (\/\S+firehose-lab-edge-\w+) --detach/.exec(lab.all!)?.[1] ?? expect.fail(lab.all);
    try {
      expect(lab.exitCode, lab.all).toBe(0);
      const central = /central Kafka (127\.0\.0\.1:\d+),/.exec(lab.all!)?.[1] ?? expect.fail(lab.all);
      const echoed = lab.all!.split('\n').filter((line) => line.startsWith('$ '));
      expect(echoed).toEqual([
        `$ bin/firehose edge up --mqtt-port 0 --factory-kafka-port 0 --central-kafka-port 0 --dir ${dir} --detach`,
        `$ bin/firehose consume manuela-factory.iot-sensor-sw-temperature --from-beginning --max-messages 5 --bootstrap ${central}`,
        `$ bin/firehose lake ls --dir ${dir}`,
        '$ bin/firehose edge down',
      ]);
      // The mirrored topic holds the sensors' first temperature readings, in order.
      const readings = [...lab.all!.matchAll(/^\{"id":"(floor-1-line-1-extruder-1-temperature-1-\d+)".*"type":"temperature".*\}$/gm)].map((m) => m[1]);
      expect(readings).toEqual([1, 2, 3, 4, 5].map((i) => `floor-1-line-1-extruder-1-temperature-1-${i}`));
      expect(lab.all).toContain('Consumed 5 records from manuela-factory.iot-sensor-sw-temperature');
      // lake ls: the first object of each mirrored topic, 10 records (the seed's aggregation count).
      expect(lab.all).toMatch(/^OBJECT\s+RECORDS\s+BYTES\s+MODIFIED$/m);
      expect(lab.all).toMatch(/^manuela-factory\.iot-sensor-sw-temperature\/0\/00000000000000000000\.jsonl\s+10\s+\d+\s+\S+$/m);
      expect(lab.all).toMatch(/^manuela-factory\.iot-sensor-sw-vibration\/0\/00000000000000000000\.jsonl\s+10\s+\d+\s+\S+$/m);
      const pid = /^Stopped the edge lab \(pid (\d+)\)\.$/m.exec(lab.all!)?.[1] ?? expect.fail(lab.all);
      expect(processAlive(Number(pid))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
