// The function runtime (runtime/function-runtime.mjs) as `func run` and the lab's function
// services run it: a child process serving one function over HTTP.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirehoseError } from '../../src/errors.js';
import { parseHttpCloudEvent } from '../../src/events/cloudevent.js';
import { runtimeFile, startFunctionProcess, type FunctionProcess } from '../../src/functions/runtime-process.js';
import { createFunction } from '../../src/functions/scaffold.js';
import { INVALID_EVENTS, VALID_EVENTS, postCases, refusals } from '../support/cloudevent-cases.js';
import { waitFor } from '../support/wait.js';

const SEED_REQUEST = {
  'Ce-Id': '536808d3-88be-4077-9d7a-a3f162705f79',
  'Ce-specversion': '0.3',
  'Ce-Type': 'dev.nodeshift.samples.js-example',
  'Ce-Source': 'dev.nodeshift.samples/js-example-source',
  'Content-Type': 'application/json',
};

let dir: string;
const running: FunctionProcess[] = [];

async function serve(path: string, timeoutMs = 10_000) {
  const lines: string[] = [];
  const fn = await startFunctionProcess({ path, port: 0, timeoutMs, env: { PATH: process.env.PATH }, onLine: (line) => lines.push(line) });
  running.push(fn);
  return { fn, lines, log: () => lines.join('\n') };
}

function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries(response.headers.entries());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firehose-fn-'));
  await createFunction('js', 'js-example-service', join(dir, 'js'));
  await createFunction('wasm', 'wasm-example-service', join(dir, 'wasm'));
});

afterAll(async () => {
  await Promise.all(running.map((fn) => fn.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe('the JavaScript function', () => {
  it('answers the seed\'s binary 0.3 request with a 0.3 reply event and logs its context as the seed\'s runtime does', async () => {
    const { fn, log } = await serve(join(dir, 'js'));
    const response = await fetch(fn.url, { method: 'POST', headers: SEED_REQUEST, body: '{"msg":"Message to js-example-service"}' });
    expect(response.status).toBe(200);
    const reply = parseHttpCloudEvent(headersOf(response), Buffer.from(await response.arrayBuffer()));
    expect(reply.attributes).toMatchObject({ specversion: '0.3', type: 'dev.nodeshift.samples.fromjs', source: 'nodeshift/samples/js-example-service', datacontenttype: 'application/json' });
    expect(JSON.parse(reply.data!.toString())).toEqual({ a: 8, b: 10 });
    await waitFor(() => log().includes('"msg":"request completed"'), { timeoutMs: 5000, what: 'the request log' });
    expect(log()).toContain('"msg":"incoming request"');
    expect(log()).toContain('simple example. context: Context {');
    expect(log()).toContain("__ow_method: 'POST'");
    expect(log()).toContain("'ce-specversion': '0.3'");
    expect(log()).toContain("data: { msg: 'Message to js-example-service' }");
  });

  it('answers a structured 1.0 event in structured mode, 1.0', async () => {
    const { fn } = await serve(join(dir, 'js'));
    const body = JSON.stringify({ specversion: '1.0', id: 'e-1', type: 'dev.nodeshift.samples.js-example', source: 'test', data: { msg: 'hi' } });
    const response = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/cloudevents\+json/);
    const reply = parseHttpCloudEvent(headersOf(response), Buffer.from(await response.arrayBuffer()));
    expect(reply.attributes).toMatchObject({ specversion: '1.0', type: 'dev.nodeshift.samples.fromjs' });
    expect(JSON.parse(reply.data!.toString())).toEqual({ a: 8, b: 10 });
  });

  it('refuses what the other CloudEvents receivers refuse (400 with the reason) and takes what they take', async () => {
    const { fn } = await serve(join(dir, 'js'));
    // A request without ce-* headers is plain HTTP to a function (context.cloudevent is undefined), as in the seed's runtimes.
    const invalid = INVALID_EVENTS.filter((c) => c.name !== 'a JSON array, no ce-* headers');
    expect(await postCases(fn.url, invalid)).toEqual(refusals().filter((r) => invalid.some((c) => c.name === r.name)));
    for (const answer of await postCases(fn.url, VALID_EVENTS)) expect(answer.status, answer.name).toBe(200);
  });

  it('a function that throws: 500 with one line, and the runtime keeps serving', async () => {
    await writeFile(join(dir, 'throws.js'), "module.exports = (context) => { if (context.cloudevent.data.fail) throw new Error('boom\\nsecond line'); return { ok: true }; };\n");
    const { fn, log } = await serve(join(dir, 'throws.js'));
    const failed = await fetch(fn.url, { method: 'POST', headers: { ...SEED_REQUEST, 'Ce-specversion': '1.0' }, body: '{"fail":true}' });
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('The function failed: boom\n');
    const next = await fetch(fn.url, { method: 'POST', headers: SEED_REQUEST, body: '{"fail":false}' });
    expect(next.status).toBe(200);
    expect(await next.json()).toEqual({ ok: true });
    expect(log()).toContain('ERROR The function failed: boom');
  });

  it('a function that never returns: 504 after the timeout', async () => {
    await writeFile(join(dir, 'never.js'), 'module.exports = () => new Promise(() => {});\n');
    const { fn } = await serve(join(dir, 'never.js'), 300);
    const response = await fetch(fn.url, { method: 'POST', headers: SEED_REQUEST, body: '{}' });
    expect(response.status).toBe(504);
    expect(await response.text()).toBe('The function did not answer within 300 ms.\n');
  });

  it('a module that exports no function: a one-line error at start', async () => {
    await writeFile(join(dir, 'nofn.js'), 'module.exports = { answer: 42 };\n');
    const error = await startFunctionProcess({ path: join(dir, 'nofn.js'), port: 0, timeoutMs: 1000, env: {}, onLine: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FirehoseError);
    expect((error as FirehoseError).code).toBe('FUNCTION_INVALID');
    expect((error as FirehoseError).message).toMatch(/nofn\.js: exports no function; write module\.exports = function/);
    expect((error as FirehoseError).message).not.toContain('\n');
  });
});

describe('the runtime as a program', () => {
  it('leaves when the process that started it is gone, even SIGKILLed (--parent-pid)', { timeout: 20_000 }, async () => {
    const parent = spawn('sleep', ['60']);
    const runtime = spawn(process.execPath, [runtimeFile(), join(dir, 'js'), '--port', '0', '--parent-pid', String(parent.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    runtime.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => runtime.once('exit', (code) => resolve(code)));
    await waitFor(() => out.includes('Function runtime started.'), { timeoutMs: 10_000, what: 'the runtime to listen' });
    parent.kill('SIGKILL');
    expect(await exited).toBe(0);
  });
});

describe('the WebAssembly function', () => {
  it('runs add through its adapters: binary 1.0 and structured 0.3, logging "returned 18: i32"', async () => {
    const { fn, log } = await serve(join(dir, 'wasm'));
    const binary = await fetch(fn.url, { method: 'POST', headers: { 'ce-specversion': '1.0', 'ce-id': 'w-1', 'ce-type': 'dev.nodeshift.samples.fromjs', 'ce-source': 'nodeshift/samples/js-example-service', 'content-type': 'application/json' }, body: '{"a":8,"b":10}' });
    expect(binary.status).toBe(200);
    expect(await binary.json()).toEqual({ result: 18 });
    const structured = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify({ specversion: '0.3', id: 'w-2', type: 't', source: 's', data: { a: 1, b: 2 } }) });
    expect(await structured.json()).toEqual({ result: 3 });
    await waitFor(() => log().includes('returned 3: i32'), { timeoutMs: 5000, what: 'the second result in the log' });
    expect(log()).toContain(`WASI Runtime started. Port: ${fn.port}, Module path: ${join(dir, 'wasm', 'add.wasm')}`);
    expect(log()).toContain(`module: ${join(dir, 'wasm', 'add.wasm')}, function: add, returned 18: i32`);
  });

  it('arguments that do not fit the function: 500 naming what it takes', async () => {
    const { fn } = await serve(join(dir, 'wasm'));
    const response = await fetch(fn.url, { method: 'POST', headers: { 'ce-specversion': '1.0', 'ce-id': 'w-3', 'ce-type': 't', 'ce-source': 's', 'content-type': 'application/json' }, body: '{"a":"x","b":2}' });
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/^add: arguments must be numbers, got \[null,2\]\.\n$/);
  });

  it('a .wasm that is not a module: a one-line error at start', async () => {
    const bad = join(dir, 'bad-wasm');
    await createFunction('wasm', 'bad-wasm', bad);
    await writeFile(join(bad, 'add.wasm'), 'not wasm at all');
    const error = await startFunctionProcess({ path: bad, port: 0, timeoutMs: 1000, env: {}, onLine: () => {} }).catch((e: unknown) => e);
    expect((error as FirehoseError).code).toBe('FUNCTION_INVALID');
    expect((error as FirehoseError).message).toMatch(/add\.wasm: not a WebAssembly module \(.+\)\.$/);
    expect((error as FirehoseError).message).not.toContain('\n');
  });
});
