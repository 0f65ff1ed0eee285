/**
 * `firehose func create js|wasm NAME`: a working function in a folder, shaped like seed 003's:
 * the JavaScript function that logs its context and replies with a `dev.nodeshift.samples.fromjs`
 * event, and the WebAssembly `add` module behind its two adapters. Each folder has a test the
 * user runs with `npm test` (node --test, no dependencies) and the Trigger that subscribes it.
 * examples/functions/ holds the output for the seed's names (a test keeps them the same).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export const FUNCTION_KINDS = ['js', 'wasm'] as const;
export type FunctionKind = (typeof FUNCTION_KINDS)[number];

/** Seed 003's event types and sources, the filters of its two Triggers. */
export const SEED_003 = {
  requestType: 'dev.nodeshift.samples.js-example',
  requestSource: 'dev.nodeshift.samples/js-example-source',
  replyType: 'dev.nodeshift.samples.fromjs',
  replySource: (jsService: string) => `nodeshift/samples/${jsService}`,
  jsService: 'js-example-service',
  wasmService: 'wasm-example-service',
};

/**
 * add.wasm: `(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`,
 * assembled by hand (the bytes of add.wat; no assembler needed to build it again).
 */
export const ADD_WASM = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type section: (i32, i32) -> i32
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, // export section: "add" = function 0
  0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // code: local.get 0, local.get 1, i32.add
]);

const ADD_WAT = `;; The function the WebAssembly example runs: add two 32-bit integers.
;; add.wasm is this module assembled (wat2wasm add.wat -o add.wasm gives the same 41 bytes).
(module
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.add))
`;

function packageJson(name: string, extra: Record<string, unknown>): string {
  return `${JSON.stringify({ name, version: '0.1.0', private: true, type: 'commonjs', ...extra, scripts: { test: 'node --test' } }, null, 2)}\n`;
}

function triggerYaml(name: string, type: string, source: string): string {
  return `# Subscribes ${name} to the broker's events of this type and source.
# Local lab: firehose up --service ${name}=./${name} --triggers ${name}/trigger.yaml
# Cluster:   firehose func deploy ${name}   (applies this Trigger too)
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: ${name}
spec:
  broker: default
  filter:
    attributes:
      type: ${type}
      source: ${source}
  subscriber:
    ref:
      apiVersion: v1
      kind: Service
      name: ${name}
`;
}

function jsFiles(name: string): Record<string, string | Buffer> {
  const source = SEED_003.replySource(name);
  return {
    'package.json': packageJson(name, { main: 'index.js' }),
    'index.js': `// A function for firehose's function runtime (seed 003's js-example-service).
// It gets a context: context.cloudevent (the event's attributes and its data), the HTTP
// request as the seed's runtime gave it (__ow_method, __ow_headers, __ow_path, __ow_query,
// __ow_body) and as method, headers, path, query, body. It returns nothing (no reply), data
// (the answer's body) or an event ({ type, source, data, ... }) that becomes the reply; a
// reply keeps the request's spec version.
module.exports = function jsExample(context) {
  console.log('simple example. context:', context);
  return {
    type: '${SEED_003.replyType}',
    source: '${source}',
    data: { a: 8, b: 10 },
  };
};
`,
    'test.js': `// npm test: the function with a context like the one the runtime passes it.
const test = require('node:test');
const assert = require('node:assert');
const fn = require('./index.js');

test('replies to the seed\\'s event with a ${SEED_003.replyType} event', async () => {
  const reply = await fn({
    cloudevent: {
      specversion: '0.3',
      id: '536808d3-88be-4077-9d7a-a3f162705f79',
      type: '${SEED_003.requestType}',
      source: '${SEED_003.requestSource}',
      data: { msg: 'Message to ${name}' },
    },
    __ow_headers: { 'content-type': 'application/json' },
  });
  assert.equal(reply.type, '${SEED_003.replyType}');
  assert.equal(reply.source, '${source}');
  assert.deepEqual(reply.data, { a: 8, b: 10 });
});
`,
    'trigger.yaml': triggerYaml(name, SEED_003.requestType, SEED_003.requestSource),
  };
}

function wasmFiles(name: string): Record<string, string | Buffer> {
  return {
    'package.json': packageJson(name, { firehose: { runtime: 'wasm', module: 'add.wasm', function: 'add', adapter: 'adapter.js' } }),
    'add.wat': ADD_WAT,
    'add.wasm': ADD_WASM,
    'adapter.js': `// The two adapters around add.wasm (seed 003's wasm-example-service): one turns the event
// into the function's arguments, one turns what it returned into the answer. Return an
// event ({ type, source, data }) from toResponse to reply with one.
module.exports = {
  toArguments(context) {
    const data = (context.cloudevent && context.cloudevent.data) || {};
    return [Number(data.a), Number(data.b)];
  },
  toResponse(result) {
    return { result };
  },
};
`,
    'test.js': `// npm test: the module and the adapters as the runtime chains them.
const test = require('node:test');
const assert = require('node:assert');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const adapter = require('./adapter.js');

test('add(8, 10) is 18 for the js function\\'s reply', async () => {
  const { instance } = await WebAssembly.instantiate(readFileSync(join(__dirname, 'add.wasm')));
  const context = { cloudevent: { specversion: '0.3', type: '${SEED_003.replyType}', data: { a: 8, b: 10 } } };
  const result = instance.exports.add(...adapter.toArguments(context));
  assert.equal(result, 18);
  assert.deepEqual(adapter.toResponse(result, context), { result: 18 });
});
`,
    'trigger.yaml': triggerYaml(name, SEED_003.replyType, SEED_003.replySource(SEED_003.jsService)),
  };
}

/** The files of a new function, by name. */
export function functionFiles(kind: FunctionKind, name: string): Record<string, string | Buffer> {
  return kind === 'js' ? jsFiles(name) : wasmFiles(name);
}

/** A Kubernetes object name: the function's Service, Deployment and Trigger are called this. */
export function checkFunctionName(name: string): string {
  if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
    throw new UsageError(`"${name}" is not a valid function name.`, 'Use lower-case letters, digits and dashes, starting with a letter (it names a Kubernetes Service), e.g. js-example-service.');
  }
  return name;
}

export interface CreatedFunction {
  kind: FunctionKind;
  name: string;
  dir: string;
  files: string[];
}

/** Writes the function's folder `dir` (default ./NAME); refuses a folder that has files in it. */
export async function createFunction(kind: FunctionKind, name: string, dir: string): Promise<CreatedFunction> {
  checkFunctionName(name);
  let existing: string[] = [];
  try {
    existing = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${dir}: cannot read: ${(error as NodeJS.ErrnoException).code}`, undefined, { code: 'WRITE_FAILED' });
  }
  if (existing.length > 0) throw new UsageError(`${dir} already exists and is not empty.`, 'Choose another name, or --dir for another folder.');
  const files = functionFiles(kind, name);
  try {
    await mkdir(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  } catch (error) {
    throw new UsageError(`Cannot write ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Check that the folder is writable.', { code: 'WRITE_FAILED' });
  }
  return { kind, name, dir, files: Object.keys(files) };
}
