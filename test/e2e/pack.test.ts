// The published package works: `npm pack` (its prepare script builds dist/), install the
// tarball into an empty project, run the installed bin.
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
  });
});
