// Seed 003 as written, on one machine: the seed's Trigger files unchanged (v1alpha1, refs to core
// v1 Services), the JavaScript and WebAssembly functions as local Services, and the seed's own
// curl request to the broker. The js function logs its context and replies; the broker routes
// the reply to the wasm function, which logs "returned 18". Nothing here uses the suite's Kafka.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startInProcess } from '../support/cli.js';
import { randomUser } from '../support/cli-kafka.js';
import { waitFor } from '../support/wait.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** Every line the lab printed for pods of this Service, without the pod-name prefix. */
function podLines(output: string, service: string): string[] {
  const prefix = new RegExp(`^${service}-00001-deployment-[a-z0-9]{5} `);
  return output.split('\n').filter((line) => prefix.test(line)).map((line) => line.replace(prefix, ''));
}

describe('seed 003 on the local lab', () => {
  it('curl → broker → js-example-service → reply (still 0.3) → broker → wasm-example-service: "returned 18"', { timeout: 90_000 }, async () => {
    const up = startInProcess([
      'up', '--user', String(randomUser()), '--kafka-port', '0', '--verbose',
      '--service', `js-example-service=${EXAMPLES}functions/js-example-service`,
      '--service', `wasm-example-service=${EXAMPLES}functions/wasm-example-service`,
      '--triggers', `${EXAMPLES}faas-js-trigger.yaml`,
      '--triggers', `${EXAMPLES}faas-wasm-trigger.yaml`,
    ]);
    try {
      const ingress = /Broker ingress (http:\/\/127\.0\.0\.1:\d+\/) \(triggers: js-example-service, wasm-trigger\)/;
      await waitFor(() => ingress.exec(up.output.stderr), { timeoutMs: 30_000, what: 'the broker ingress line' });
      const broker = ingress.exec(up.output.stderr)![1]!;
      // The seed's request, as the seed sends it (curl, binary mode, CloudEvents 0.3).
      const curl = await execa('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', broker, '-X', 'POST',
        '-H', 'Ce-Id: 536808d3-88be-4077-9d7a-a3f162705f79', '-H', 'Ce-specversion: 0.3',
        '-H', 'Ce-Type: dev.nodeshift.samples.js-example', '-H', 'Ce-Source: dev.nodeshift.samples/js-example-source',
        '-H', 'Content-Type: application/json', '-d', '{"msg":"Message to js-example-service"}'], { reject: false });
      expect(curl.stdout, curl.stderr).toBe('202');

      await waitFor(() => podLines(up.output.stdout, 'wasm-example-service').some((line) => line.includes('returned 18: i32')), { timeoutMs: 30_000, what: 'the wasm function\'s result' });
      const js = podLines(up.output.stdout, 'js-example-service').join('\n');
      expect(js).toContain('simple example. context: Context {');
      expect(js).toContain("'ce-type': 'dev.nodeshift.samples.js-example'");
      expect(js).toContain("data: { msg: 'Message to js-example-service' }");
      expect(js).toMatch(/"res":\{"statusCode":200\}.*"msg":"request completed"/);
      const wasm = podLines(up.output.stdout, 'wasm-example-service').join('\n');
      // The reply kept the request's spec version, and came from the js function.
      expect(wasm).toContain("'ce-specversion': '0.3'");
      expect(wasm).toContain("'ce-type': 'dev.nodeshift.samples.fromjs'");
      expect(wasm).toContain("'ce-source': 'nodeshift/samples/js-example-service'");
      expect(wasm).toMatch(/module: .*\/functions\/wasm-example-service\/add\.wasm, function: add, returned 18: i32/);
      expect(up.output.stderr).toMatch(/\[broker\] dev\.nodeshift\.samples\.fromjs from nodeshift\/samples\/js-example-service → wasm-trigger/);

      // The functions' pods are what `watch pods --local` and `tail logs --local` see.
      const observe = /observe: (http:\/\/127\.0\.0\.1:\d+\/)watch/.exec(up.output.stderr)?.[1];
      expect(observe, up.output.stderr).toBeDefined();
      const controller = new AbortController();
      const response = await fetch(`${observe}watch`, { signal: controller.signal });
      const reader = response.body!.getReader();
      let text = '';
      await waitFor(async () => {
        const { value } = await reader.read();
        text += Buffer.from(value ?? []).toString();
        return /"name":"js-example-service-00001-deployment-/.test(text) && /"name":"wasm-example-service-00001-deployment-/.test(text);
      }, { timeoutMs: 10_000, what: 'both functions\' pods in the observe stream' });
      controller.abort();
    } finally {
      expect(await up.stop()).toBe(130);
    }
  });
});
