// The published package works: `npm pack` (its prepare script builds dist/), install the
// tarball into an empty project, run the installed bin, including its embedded broker.
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firehose-pack-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('installs from the tarball into an empty project and runs', { timeout: 180_000 }, async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    await execa('npm', ['pack', '--pack-destination', dir, ...NPM_QUIET], { cwd: ROOT });
    const tarballs = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toEqual([`firehose-${version}.tgz`]);

    const app = join(dir, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: 'firehose-pack-check', private: true })}\n`);
    await execa('npm', ['install', join(dir, tarballs[0]!), '--prefer-offline', ...NPM_QUIET], { cwd: app });

    const bin = join(app, 'node_modules', '.bin', 'firehose');
    const versionRun = await execa(bin, ['--version'], { cwd: app, reject: false });
    expect(versionRun.exitCode, versionRun.stderr).toBe(0);
    expect(versionRun.stdout).toBe(version);

    const help = await execa(bin, ['spam', '--help'], { cwd: app, reject: false });
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain('Examples:');

    // Nothing but the package: its own broker, the spammer and a consumer against it.
    const env = { PATH: process.env.PATH, HOME: app, FIREHOSE_CONFIG: join(app, 'none.yaml'), XDG_STATE_HOME: app };
    const broker = execa(bin, ['kafka', 'start', '--port', '0', '--output', 'json'], { cwd: app, env, extendEnv: false, reject: false });
    try {
      let stdout = '';
      broker.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
      await waitFor(() => stdout.includes('"listening"') || broker.exitCode !== null, { timeoutMs: 30_000, what: 'the packaged broker to listen' });
      const bootstrap = (JSON.parse(stdout.split('\n')[0]!) as { bootstrap: string }).bootstrap;
      const created = await execa(bin, ['create-topic', 'packed', '--via', 'admin', '--bootstrap', bootstrap], { cwd: app, env, extendEnv: false, reject: false });
      expect(created.exitCode, created.stderr).toBe(0);
      const spam = await execa(bin, ['spam', 'packed', '--times', '3', '--bootstrap', bootstrap], { cwd: app, env, extendEnv: false, reject: false });
      expect(spam.exitCode, spam.stderr).toBe(0);
      const consume = await execa(bin, ['consume', 'packed', '--from-beginning', '--max-messages', '3', '--bootstrap', bootstrap], { cwd: app, env, extendEnv: false, reject: false });
      expect(consume.exitCode, consume.stderr).toBe(0);
      expect(consume.stdout.split('\n').sort()).toEqual([0, 1, 2].map((i) => `{ "message": "Sending Message: ${i}" }`));
    } finally {
      broker.kill('SIGTERM');
      await broker;
    }

    // The function runtime ships in the package and the bundled CLI finds it: a scaffolded
    // WebAssembly function served from the installed bin.
    const created = await execa(bin, ['func', 'create', 'wasm', 'adder'], { cwd: app, env, extendEnv: false, reject: false });
    expect(created.exitCode, created.stderr).toBe(0);
    const served = execa(bin, ['func', 'run', 'adder', '--port', '0', '--output', 'json'], { cwd: app, env, extendEnv: false, reject: false });
    try {
      let stdout = '';
      served.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
      const listening = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event?: string; url?: string }).find((m) => m.event === 'listening');
      await waitFor(() => listening() || served.exitCode !== null, { timeoutMs: 30_000, what: 'the packaged function runtime to listen' });
      const response = await fetch(listening()!.url!, { method: 'POST', headers: { 'ce-specversion': '1.0', 'ce-id': 'p-1', 'ce-type': 't', 'ce-source': 's', 'content-type': 'application/json' }, body: '{"a":8,"b":10}' });
      expect(await response.json()).toEqual({ result: 18 });
    } finally {
      served.kill('SIGINT');
      await served;
    }
  });
});
