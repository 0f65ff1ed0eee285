#!/usr/bin/env node
// firehose's function runtime: serves one function (JavaScript, or a WebAssembly module with a
// JavaScript adapter) as a CloudEvents receiver over HTTP. One file with no dependencies but
// Node itself, so that `firehose func run` runs it on this machine and `firehose func deploy`
// ships it in a ConfigMap to a stock Node image: the same bytes in both places.
//
//   node function-runtime.mjs FUNCTION_DIR [--port 8080] [--host 127.0.0.1] [--timeout-ms 30000] [--parent-pid PID]
//
// Prints `Function runtime started. Port: P, Function: DIR (js|wasm ...)` once it listens.
// It carries its own small CloudEvents HTTP binding (binary and structured mode, 0.3 and 1.0)
// because it may not import anything; firehose's tests hold it to the same cases as
// src/events/cloudevent.ts.
import { createServer } from 'node:http';
import { realpathSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { inspect } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const RUNTIME_NAME = 'firehose-function-runtime';
const SPECVERSIONS = ['1.0', '0.3'];
const REQUIRED = ['specversion', 'id', 'source', 'type'];
const STRUCTURED = 'application/cloudevents+json';
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** A failure to load or serve a function: one line, shown as it is. */
export class FunctionError extends Error {
  constructor(message, status = 500) {
    super(message);
    this.name = 'FunctionError';
    this.status = status;
  }
}

// ---------------------------------------------------------------------------------------------
// Loading a function

async function exists(path) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

async function readManifest(dir) {
  const file = join(dir, 'package.json');
  if (!(await exists(file))) return {};
  let json;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FunctionError(`${file}: not valid JSON (${error.message.split('\n')[0]}).`);
  }
  return typeof json === 'object' && json !== null ? json : {};
}

async function importModule(file) {
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    const first = String(error && error.message ? error.message : error).split('\n')[0];
    throw new FunctionError(`${file}: cannot load: ${first}`);
  }
}

function exportedFunction(module, names) {
  if (typeof module.default === 'function') return module.default;
  for (const name of names) if (typeof module[name] === 'function') return module[name];
  if (module.default && typeof module.default === 'object') {
    for (const name of names) if (typeof module.default[name] === 'function') return module.default[name];
  }
  return undefined;
}

/** The value types of WebAssembly's binary format, for "returned 18: i32". */
const VALUE_TYPES = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/**
 * The parameter and result types of an exported function, read from the module's type,
 * import, function and export sections (WebAssembly's JavaScript API does not say them).
 */
export function exportSignature(bytes, name) {
  let at = 8;
  const u32 = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  const text = () => {
    const length = u32();
    const value = Buffer.from(bytes.subarray(at, at + length)).toString('utf8');
    at += length;
    return value;
  };
  const types = [];
  const functions = [];
  let exported;
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = u32();
    const end = at + size;
    if (id === 1) {
      for (let count = u32(), i = 0; i < count; i++) {
        at++; // 0x60
        const params = [];
        for (let n = u32(), j = 0; j < n; j++) params.push(VALUE_TYPES[bytes[at++]] ?? '?');
        const results = [];
        for (let n = u32(), j = 0; j < n; j++) results.push(VALUE_TYPES[bytes[at++]] ?? '?');
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let count = u32(), i = 0; i < count; i++) {
        text();
        text();
        const kind = bytes[at++];
        if (kind === 0) functions.push(u32()); else if (kind === 1) {
          at++;
          const flags = u32();
          u32();
          if (flags & 1) u32();
        } else if (kind === 2) {
          const flags = u32();
          u32();
          if (flags & 1) u32();
        } else if (kind === 3) {
          at += 2;
        } else break;
      }
    } else if (id === 3) {
      for (let count = u32(), i = 0; i < count; i++) functions.push(u32());
    } else if (id === 7) {
      for (let count = u32(), i = 0; i < count; i++) {
        const exportName = text();
        const kind = bytes[at++];
        const index = u32();
        if (kind === 0 && exportName === name) exported = index;
      }
    }
    at = end;
  }
  if (exported === undefined) return undefined;
  return types[functions[exported]];
}

function defaultArguments(context) {
  const data = context.cloudevent ? context.cloudevent.data : context.body;
  if (Array.isArray(data)) return data;
  if (data && typeof data === 'object') return Object.values(data);
  if (typeof data === 'number') return [data];
  return [];
}

async function loadWasm(dir, manifest, log) {
  const config = manifest.firehose ?? {};
  let moduleFile = config.module ? resolve(dir, config.module) : undefined;
  if (!moduleFile) {
    const wasm = (await readdir(dir)).filter((name) => name.endsWith('.wasm'));
    if (wasm.length !== 1) throw new FunctionError(`${dir}: ${wasm.length === 0 ? 'no' : 'more than one'} .wasm module; name it in package.json as "firehose": {"module": "add.wasm"}.`);
    moduleFile = join(dir, wasm[0]);
  }
  let bytes;
  try {
    bytes = await readFile(moduleFile);
  } catch (error) {
    throw new FunctionError(`${moduleFile}: cannot read: ${error.code ?? error.message}`);
  }
  let module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (error) {
    throw new FunctionError(`${moduleFile}: not a WebAssembly module (${String(error.message).replace(/^WebAssembly\.compile\(\): /, '').split('\n')[0]}).`);
  }
  const exportedFunctions = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
  const name = config.function ?? (exportedFunctions.length === 1 ? exportedFunctions[0] : undefined);
  if (!name) throw new FunctionError(`${moduleFile}: exports ${exportedFunctions.length === 0 ? 'no function' : `several functions (${exportedFunctions.join(', ')})`}; name one in package.json as "firehose": {"function": "add"}.`);
  if (!exportedFunctions.includes(name)) throw new FunctionError(`${moduleFile}: exports no function "${name}" (it exports: ${exportedFunctions.join(', ') || 'none'}).`);
  const imports = {};
  const needsWasi = WebAssembly.Module.imports(module).some((i) => i.module === 'wasi_snapshot_preview1' || i.module === 'wasi_unstable');
  let wasi;
  if (needsWasi) {
    const { WASI } = await import('node:wasi');
    wasi = new WASI({ version: 'preview1', args: [basename(moduleFile)], env: {}, returnOnExit: true });
    Object.assign(imports, wasi.getImportObject());
  }
  let instance;
  try {
    instance = await WebAssembly.instantiate(module, imports);
  } catch (error) {
    throw new FunctionError(`${moduleFile}: cannot instantiate: ${String(error.message).split('\n')[0]}`);
  }
  if (wasi && typeof instance.exports._initialize === 'function') wasi.initialize(instance);
  const signature = exportSignature(new Uint8Array(bytes), name) ?? { params: [], results: [] };
  const resultType = signature.results.join(', ') || 'void';
  let adapter = {};
  const adapterFile = config.adapter ? resolve(dir, config.adapter) : (await exists(join(dir, 'adapter.js'))) ? join(dir, 'adapter.js') : (await exists(join(dir, 'adapter.mjs'))) ? join(dir, 'adapter.mjs') : undefined;
  if (adapterFile) {
    const loaded = await importModule(adapterFile);
    adapter = loaded.default && typeof loaded.default === 'object' ? loaded.default : loaded;
    for (const hook of ['toArguments', 'toResponse']) {
      if (adapter[hook] !== undefined && typeof adapter[hook] !== 'function') throw new FunctionError(`${adapterFile}: ${hook} must be a function.`);
    }
  }
  const fn = instance.exports[name];
  return {
    kind: 'wasm',
    describe: `wasm ${moduleFile}, function ${name}(${signature.params.join(', ')}) -> ${resultType}`,
    started: (port) => `WASI Runtime started. Port: ${port}, Module path: ${moduleFile}`,
    async invoke(context) {
      log(`CloudEvent: ${inspect(context, { depth: 4, breakLength: Infinity })}`);
      const args = adapter.toArguments ? await adapter.toArguments(context) : defaultArguments(context);
      if (!Array.isArray(args)) throw new FunctionError(`toArguments must return an array of the function's arguments, not ${typeof args}.`);
      if (args.length !== signature.params.length) throw new FunctionError(`${name} takes ${signature.params.length} argument${signature.params.length === 1 ? '' : 's'} (${signature.params.join(', ')}), toArguments gave ${args.length}.`);
      const converted = args.map((value, i) => (signature.params[i] === 'i64' ? BigInt(value) : Number(value)));
      if (converted.some((value, i) => signature.params[i] !== 'i64' && Number.isNaN(value))) throw new FunctionError(`${name}: arguments must be numbers, got ${JSON.stringify(args)}.`);
      const result = fn(...converted);
      const line = `module: ${moduleFile}, function: ${name}, returned ${String(result)}: ${resultType}`;
      log(`WASM Response: Ok(${JSON.stringify(line)})`);
      const value = typeof result === 'bigint' ? (Number.isSafeInteger(Number(result)) ? Number(result) : result.toString()) : result;
      if (adapter.toResponse) return adapter.toResponse(value, context);
      return { module: basename(moduleFile), function: name, result: value };
    },
  };
}

async function loadJs(file) {
  const module = await importModule(file);
  const fn = exportedFunction(module, ['handle', 'main']);
  if (!fn) throw new FunctionError(`${file}: exports no function; write module.exports = function (context) { ... } (or export default).`);
  return {
    kind: 'js',
    describe: `js ${file}${fn.name ? `, function ${fn.name}` : ''}`,
    started: (port) => `Function runtime started. Port: ${port}, Function: ${file}`,
    invoke: (context) => fn.call(undefined, context),
  };
}

/**
 * Loads the function in `path`: a folder (package.json's "firehose" section or "main", else
 * index.js / index.mjs; a folder with a .wasm module is a WebAssembly function) or a .js file.
 */
export async function loadFunction(path, log = () => {}) {
  const full = resolve(path);
  const info = await exists(full);
  if (!info) throw new FunctionError(`${path}: no such file or folder.`);
  if (info.isFile()) {
    if (extname(full) === '.wasm') return loadWasm(dirname(full), { firehose: { module: basename(full) } }, log);
    return loadJs(full);
  }
  const manifest = await readManifest(full);
  const config = manifest.firehose ?? {};
  const names = await readdir(full);
  const runtime = config.runtime ?? (config.module || names.some((name) => name.endsWith('.wasm')) ? 'wasm' : 'js');
  if (runtime === 'wasm') return loadWasm(full, manifest, log);
  if (runtime !== 'js') throw new FunctionError(`${join(full, 'package.json')}: firehose.runtime must be js or wasm, not ${JSON.stringify(runtime)}.`);
  const main = config.main ?? manifest.main ?? (names.includes('index.js') ? 'index.js' : names.includes('index.mjs') ? 'index.mjs' : undefined);
  if (!main) throw new FunctionError(`${path}: no function here: no index.js, no "main" in package.json and no .wasm module.`);
  return loadJs(resolve(full, main));
}

// ---------------------------------------------------------------------------------------------
// CloudEvents over HTTP

function header(headers, name) {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseData(buffer, contentType) {
  if (buffer.length === 0) return undefined;
  const text = buffer.toString('utf8');
  const type = (contentType ?? '').toLowerCase();
  if (type === '' || type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all: text below
    }
  }
  return Buffer.from(text, 'utf8').equals(buffer) ? text : buffer;
}

function checkAttributes(attributes, mode) {
  for (const name of REQUIRED) {
    if (typeof attributes[name] !== 'string' || attributes[name] === '') throw new FunctionError(`Not a CloudEvent (${mode} mode): missing required attribute "${name}".`, 400);
  }
  if (!SPECVERSIONS.includes(attributes.specversion)) throw new FunctionError(`Not a CloudEvent this runtime reads: unsupported specversion "${attributes.specversion}" (1.0 and 0.3 are).`, 400);
}

/**
 * The request's CloudEvent: { mode, event } where event holds the attributes and extensions
 * as strings and the data (JSON parsed, text, or bytes); undefined for a plain HTTP request.
 */
export function readCloudEvent(headers, body) {
  const contentType = header(headers, 'content-type') ?? '';
  if (contentType.toLowerCase().startsWith('application/cloudevents-batch')) throw new FunctionError(`Not accepted: batch mode (${contentType.split(';')[0]}) is not accepted; send one event per request.`, 400);
  if (contentType.toLowerCase().startsWith(STRUCTURED)) {
    let json;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new FunctionError(`Not a CloudEvent: structured mode body is not JSON (${error.message.split('\n')[0]}).`, 400);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FunctionError(`Not a CloudEvent: structured mode needs one JSON object as the body, not ${Array.isArray(json) ? 'an array' : json === null ? 'null' : `a ${typeof json}`}.`, 400);
    const event = {};
    for (const [name, value] of Object.entries(json)) {
      if (name === 'data' || name === 'data_base64' || value === null || value === undefined) continue;
      event[name] = typeof value === 'string' ? value : String(value);
    }
    checkAttributes(event, 'structured');
    if (typeof json.data_base64 === 'string') event.data = Buffer.from(json.data_base64, 'base64');
    else if (typeof json.data === 'string' && (event.datacontentencoding ?? '').toLowerCase() === 'base64') {
      event.data = Buffer.from(json.data, 'base64');
      delete event.datacontentencoding;
    } else if (json.data !== undefined) event.data = json.data;
    return { mode: 'structured', event };
  }
  if (header(headers, 'ce-specversion') === undefined) return undefined;
  const event = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-')) continue;
    event[name.slice(3)] = Array.isArray(value) ? value[0] : value;
  }
  if (contentType) event.datacontenttype = contentType;
  checkAttributes(event, 'binary');
  const data = parseData(body, contentType);
  if (data !== undefined) event.data = data;
  return { mode: 'binary', event };
}

function isEvent(value) {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !(value instanceof Uint8Array)
    && typeof value.type === 'string' && typeof value.source === 'string';
}

function dataBytes(data, contentType) {
  if (data === undefined || data === null) return { bytes: null, contentType };
  if (Buffer.isBuffer(data) || data instanceof Uint8Array) return { bytes: Buffer.from(data), contentType: contentType ?? 'application/octet-stream' };
  if (typeof data === 'string' && contentType && !contentType.toLowerCase().includes('json')) return { bytes: Buffer.from(data), contentType };
  return { bytes: Buffer.from(JSON.stringify(data)), contentType: contentType ?? 'application/json' };
}

/**
 * The HTTP answer for what the function returned: nothing → 204; an event ({type, source,
 * data, ...}) → that event, in the request's mode and spec version unless it names its own;
 * anything else → 200 with it as JSON (or text).
 */
export function toResponse(result, request) {
  if (result === undefined || result === null) return { status: 204, headers: {}, body: Buffer.alloc(0) };
  if (!isEvent(result)) {
    if (typeof result === 'string') return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(result) };
    if (Buffer.isBuffer(result) || result instanceof Uint8Array) return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(result) };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(result)) };
  }
  const attributes = {
    specversion: request?.event.specversion ?? '1.0',
    id: randomUUID(),
    time: new Date().toISOString(),
  };
  for (const [name, value] of Object.entries(result)) {
    if (name === 'data' || name === 'datacontenttype' || value === undefined || value === null) continue;
    if (!/^[a-z0-9]+$/.test(name)) throw new FunctionError(`The reply's attribute "${name}" is not a CloudEvents attribute name (lower-case letters and digits only).`);
    attributes[name] = value instanceof Date ? value.toISOString() : String(value);
  }
  if (!SPECVERSIONS.includes(attributes.specversion)) throw new FunctionError(`The reply's specversion ${attributes.specversion} is not 1.0 or 0.3.`);
  const { bytes, contentType } = dataBytes(result.data, result.datacontenttype);
  if (request?.mode === 'structured') {
    const json = { ...attributes };
    if (contentType) json.datacontenttype = contentType;
    if (bytes !== null) {
      if (contentType && contentType.toLowerCase().includes('json')) json.data = JSON.parse(bytes.toString('utf8'));
      else if (Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)) json.data = bytes.toString('utf8');
      else if (attributes.specversion === '0.3') {
        json.datacontentencoding = 'base64';
        json.data = bytes.toString('base64');
      } else json.data_base64 = bytes.toString('base64');
    }
    return { status: 200, headers: { 'content-type': `${STRUCTURED}; charset=utf-8` }, body: Buffer.from(JSON.stringify(json)) };
  }
  const headers = {};
  for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = value;
  if (contentType) headers['content-type'] = contentType;
  return { status: 200, headers, body: bytes ?? Buffer.alloc(0) };
}

/** What the function receives: the seed's context (`__ow_*`, `cloudevent`) and plain names for the same. */
export class Context {
  constructor(request, cloudevent, log) {
    const url = new URL(request.url, 'http://function.local');
    const query = Object.create(null);
    for (const [name, value] of url.searchParams) query[name] = value;
    this.__ow_user = '';
    this.__ow_method = request.method;
    this.__ow_headers = request.headers;
    this.__ow_path = url.pathname === '/' ? '' : url.pathname;
    this.__ow_query = query;
    this.__ow_body = request.body.length === 0 ? 'null' : request.body.toString('utf8');
    this.cloudevent = cloudevent;
    Object.defineProperties(this, {
      method: { value: request.method, enumerable: false },
      headers: { value: request.headers, enumerable: false },
      path: { value: url.pathname, enumerable: false },
      query: { value: query, enumerable: false },
      body: { value: request.body, enumerable: false },
      log: { value: log, enumerable: false },
    });
  }
}

/** Like pino's lines, which the seed's JavaScript runtime prints around each request. */
function pinoLine(fields) {
  return JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, hostname: hostname(), ...fields, v: 1 });
}

/**
 * The HTTP handling around a loaded function: (request) → { status, headers, body }. A throw
 * is a 500 with its message, a bad CloudEvent a 400, no answer within timeoutMs a 504.
 */
export function createFunctionHandler(fn, { log = () => {}, timeoutMs = 30_000 } = {}) {
  let requests = 0;
  return async (request) => {
    const reqId = ++requests;
    const startedAt = performance.now();
    if (fn.kind === 'js') {
      log(pinoLine({ reqId, req: { method: request.method, url: request.url, hostname: header(request.headers, 'host'), remoteAddress: request.remoteAddress, remotePort: request.remotePort }, msg: 'incoming request' }));
    }
    let response;
    try {
      const cloud = readCloudEvent(request.headers, request.body);
      const context = new Context(request, cloud?.event, log);
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new FunctionError(`The function did not answer within ${timeoutMs} ms.`, 504)), timeoutMs);
      });
      let result;
      try {
        result = await Promise.race([Promise.resolve().then(() => fn.invoke(context)), timeout]);
      } finally {
        clearTimeout(timer);
      }
      response = toResponse(result, cloud);
    } catch (error) {
      const status = error instanceof FunctionError ? error.status : 500;
      const reason = String(error && error.message ? error.message : error).split('\n')[0];
      const text = status === 500 && !(error instanceof FunctionError) ? `The function failed: ${reason}` : reason;
      log(`ERROR ${text}`);
      response = { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`${text}\n`) };
    }
    if (fn.kind === 'js') log(pinoLine({ reqId, res: { statusCode: response.status }, responseTime: performance.now() - startedAt, msg: 'request completed' }));
    return response;
  };
}

function readBody(request) {
  return new Promise((resolveBody, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new FunctionError(`The request body is over ${MAX_BODY_BYTES} bytes.`, 413));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolveBody(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * Loads the function and serves it: POST (any path) runs it; GET /health answers 200. Returns
 * { url, port, fn, close }.
 */
export async function startFunctionServer({ path, port = 8080, host = '127.0.0.1', timeoutMs = 30_000, log = (line) => console.log(line) }) {
  const fn = await loadFunction(path, log);
  const handle = createFunctionHandler(fn, { log, timeoutMs });
  const server = createServer(async (request, response) => {
    if (request.method === 'GET' && (request.url === '/health' || request.url === '/healthz')) {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    let answer;
    try {
      const body = await readBody(request);
      answer = await handle({ method: request.method ?? 'POST', url: request.url ?? '/', headers: request.headers, body, remoteAddress: request.socket.remoteAddress, remotePort: request.socket.remotePort });
    } catch (error) {
      const status = error instanceof FunctionError ? error.status : 500;
      answer = { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`${error.message}\n`) };
    }
    if (response.destroyed) return;
    response.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) }).end(answer.body);
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', (error) => reject(new FunctionError(error.code === 'EADDRINUSE' ? `Port ${port} on ${host} is in use; choose another with --port.` : `Cannot listen on ${host}:${port}: ${error.code ?? error.message}`)));
    server.listen(port, host, () => resolveListen());
  });
  const actual = server.address().port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${actual}/`,
    port: actual,
    fn,
    close: () => new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections?.();
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// As a program

function parseArgs(argv) {
  const options = { port: 8080, host: '127.0.0.1', timeoutMs: 30_000, path: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new FunctionError(`${arg} needs a value.`);
      return next;
    };
    if (arg === '--port') options.port = Number(value());
    else if (arg === '--host') options.host = value();
    else if (arg === '--timeout-ms') options.timeoutMs = Number(value());
    else if (arg === '--parent-pid') options.parentPid = Number(value());
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg.startsWith('-')) throw new FunctionError(`Unknown option ${arg} (usage: node function-runtime.mjs FUNCTION_DIR [--port 8080] [--host 127.0.0.1] [--timeout-ms 30000]).`);
    else if (options.path === undefined) options.path = arg;
    else throw new FunctionError(`One function at a time: ${options.path} or ${arg}?`);
  }
  if (!options.help && options.path === undefined) throw new FunctionError('Give the function\'s folder: node function-runtime.mjs FUNCTION_DIR [--port 8080].');
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new FunctionError('--port must be a port number (0 = any free port).');
  if (!(options.timeoutMs > 0)) throw new FunctionError('--timeout-ms must be a number of milliseconds > 0.');
  return options;
}

async function main() {
  let server;
  try {
    const options = parseArgs(process.argv.slice(2));
    if (options.help) {
      console.log('usage: node function-runtime.mjs FUNCTION_DIR [--port 8080] [--host 127.0.0.1] [--timeout-ms 30000]');
      return;
    }
    server = await startFunctionServer(options);
    console.log(server.fn.started(server.port));
  } catch (error) {
    process.stderr.write(`${RUNTIME_NAME}: ${String(error && error.message ? error.message : error).split('\n')[0]}\n`);
    process.exitCode = 1;
    return;
  }
  const stop = () => {
    server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Started by firehose (a lab's pod, `func run`): leave with it, even when it was SIGKILLed.
  const parent = server && parseArgs(process.argv.slice(2)).parentPid;
  if (parent) {
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        stop();
      }
    }, 1000).unref();
  }
}

function invokedAsProgram() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (invokedAsProgram()) void main();
