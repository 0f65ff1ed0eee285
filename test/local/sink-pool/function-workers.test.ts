// A local Service whose workers run a function (`up --service NAME=FOLDER`): each worker is a
// function runtime process, started as the worker starts and stopped as it leaves.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSinkPool, type SinkPoolEvent } from '../../../src/local/sink-pool/pool.js';
import { waitFor } from '../../support/wait.js';

const WASM = fileURLToPath(new URL('../../../examples/functions/wasm-example-service', import.meta.url));

describe('function workers', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('start a runtime process per worker on demand, answer through it, and stop it when idle (scale to zero)', { timeout: 30_000 }, async () => {
    const events: SinkPoolEvent[] = [];
    const pool = await startSinkPool({ service: 'wasm-example-service', idleMs: 500, function: { path: WASM, timeoutMs: 5000 } }, (e) => events.push(e));
    closers.push(() => pool.close());
    expect(pool.workers()).toEqual([]);
    const response = await fetch(pool.url, {
      method: 'POST',
      headers: { 'ce-specversion': '0.3', 'ce-id': 'f-1', 'ce-type': 'dev.nodeshift.samples.fromjs', 'ce-source': 'nodeshift/samples/js-example-service', 'content-type': 'application/json' },
      body: '{"a":8,"b":10}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: 18 });
    const logs = () => events.flatMap((e) => (e.kind === 'log' ? [`${e.worker} ${e.line}`] : []));
    await waitFor(() => logs().some((line) => line.includes('returned 18: i32')), { timeoutMs: 5000, what: 'the result in the worker\'s log' });
    const started = logs().map((line) => /^(wasm-example-service-00001-deployment-\w{5}) WASI Runtime started\. Port: (\d+)/.exec(line)).find(Boolean);
    expect(started, logs().join('\n')).toBeTruthy();
    const port = started![2]!;

    await waitFor(() => events.some((e) => e.kind === 'worker' && e.status === 'terminated' && e.worker === started![1]), { timeoutMs: 10_000, what: 'the idle worker to leave' });
    // Its process is gone with it: nothing answers on its port any more.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).then(() => false, () => true)), { timeoutMs: 5000, what: 'the runtime process to stop' });
    expect(pool.workers()).toEqual([]);
  });
});
