// `firehose func create` and `func run` from the command line.
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startInProcess } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/functions/', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firehose-func-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('func create', () => {
  for (const kind of ['js', 'wasm'] as const) {
    it(`${kind}: the folder's own test passes (npm test), and it is examples/functions/ for the seed's name`, { timeout: 60_000 }, async () => {
      const name = kind === 'js' ? 'js-example-service' : 'wasm-example-service';
      const target = join(dir, kind);
      const created = await runCli(['func', 'create', kind, name, '--dir', target]);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(new RegExp(`^Created ${kind} function ${name} in ${target}: package\\.json, `));
      const test = await execa('npm', ['test'], { cwd: target, reject: false, all: true });
      expect(test.exitCode, test.all).toBe(0);
      // node --test reports "# pass 1" (TAP, Node 20) or "ℹ pass 1" (spec, Node 24 on a pipe too).
      expect(test.all).toMatch(/^(# |ℹ )pass 1$/m);
      // The examples shipped in the package are this output, file for file.
      const files = (await readdir(target)).sort();
      expect((await readdir(join(EXAMPLES, name))).sort()).toEqual(files);
      for (const file of files) expect((await readFile(join(EXAMPLES, name, file))).equals(await readFile(join(target, file))), file).toBe(true);
    });
  }

  it('refuses an unknown kind, a bad name and a folder that has files (exit 2, one line)', async () => {
    const kind = await runCli(['func', 'create', 'python', 'fn']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/value 'python' is invalid for argument 'kind'. Allowed choices are js, wasm/);
    const name = await runCli(['func', 'create', 'js', 'My_Function', '--dir', join(dir, 'bad')]);
    expect(name.code).toBe(2);
    expect(name.stderr).toMatch(/^error: "My_Function" is not a valid function name\.\nhint: Use lower-case letters/);
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'index.js'), 'keep me');
    const taken = await runCli(['func', 'create', 'js', 'taken', '--dir', join(dir, 'taken')]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/already exists and is not empty/);
    expect(await readFile(join(dir, 'taken', 'index.js'), 'utf8')).toBe('keep me');
  });
});

describe('func run', () => {
  it('serves the function until Ctrl-C (exit 130), relaying its log', { timeout: 30_000 }, async () => {
    const run = startInProcess(['func', 'run', join(EXAMPLES, 'wasm-example-service'), '--port', '0']);
    try {
      await waitFor(() => /Serving .* on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.output.stderr), { timeoutMs: 15_000, what: 'the listening line' });
      const url = /Serving .* on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.output.stderr)![1]!;
      const response = await fetch(url, { method: 'POST', headers: { 'ce-specversion': '0.3', 'ce-id': '1', 'ce-type': 't', 'ce-source': 's', 'content-type': 'application/json' }, body: '{"a":8,"b":10}' });
      expect(await response.json()).toEqual({ result: 18 });
      await waitFor(() => run.output.stdout.includes('returned 18: i32'), { timeoutMs: 5000, what: 'the result in the log' });
      expect(run.output.stdout).toMatch(/^WASI Runtime started\. Port: \d+, Module path: .*add\.wasm$/m);
    } finally {
      expect(await run.stop()).toBe(130);
    }
  });

  it('a function that does not load: exit 2 with one line and a hint', async () => {
    const bad = join(dir, 'bad-wasm');
    await mkdir(bad);
    await writeFile(join(bad, 'add.wasm'), 'garbage');
    const result = await runCli(['func', 'run', bad, '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: Cannot run the function .*bad-wasm: .*add\.wasm: not a WebAssembly module \(.*\)\.\nhint: /);
    const missing = await runCli(['func', 'run', join(dir, 'nowhere'), '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere: no such file or folder\./);
  });

  it('a port in use: says which flag picks another', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = String((blocker.address() as { port: number }).port);
    try {
      const result = await runCli(['func', 'run', join(EXAMPLES, 'js-example-service'), '--port', port]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: Port ${port} on 127\\.0\\.0\\.1 is in use\\.\\nhint: Choose another with --port`));
    } finally {
      blocker.close();
    }
  });
});
