import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

async function configPath(initial?: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'firehose-init-')), 'sub', 'config.yaml');
  if (initial !== undefined) {
    await runCli(['init', '--user', '1'], { env: { FIREHOSE_CONFIG: path } });
    await writeFile(path, initial);
  }
  return path;
}

describe('firehose init (non-interactive: values from flags)', () => {
  it('writes the config file that later commands read', async () => {
    const path = await configPath();
    const init = await runCli(['init', '--user', 'user7', '--bootstrap', 'kafka.example:9093', '--namespace', 'user7', '--ca-file', '/tmp/ca.pem'], { env: { FIREHOSE_CONFIG: path } });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe(`✓ Wrote ${path}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const view = await runCli(['config', 'view', '--output', 'json'], { env: { FIREHOSE_CONFIG: path } });
    expect(JSON.parse(view.stdout)).toMatchObject({ user: { number: 7, source: 'config' }, kafka: { bootstrap: 'kafka.example:9093', bootstrapSource: 'config', tls: { caFile: '/tmp/ca.pem' } } });
  });

  it('keeps comments and unknown keys, and changes only what was given', async () => {
    const path = await configPath('# my lab settings\nuser: 3\nextra: kept\nkafka:\n  bootstrap: old:9092\n');
    expect((await runCli(['init', '--bootstrap', 'new:9092'], { env: { FIREHOSE_CONFIG: path } })).code).toBe(0);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('# my lab settings');
    expect(text).toContain('extra: kept');
    expect(text).toContain('user: 3');
    expect(text).toContain('bootstrap: new:9092');
    expect(text).not.toContain('old:9092');
  });

  it('without a terminal and without flags it says how to pass the values', async () => {
    const result = await runCli(['init'], { env: { FIREHOSE_CONFIG: await configPath() } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: firehose init needs a terminal to ask, or the values as flags.');
  });

  it('rejects a bad user number or bootstrap with exit 2', async () => {
    const path = await configPath();
    expect((await runCli(['init', '--user', 'seven'], { env: { FIREHOSE_CONFIG: path } })).code).toBe(2);
    expect((await runCli(['init', '--bootstrap', 'nohost'], { env: { FIREHOSE_CONFIG: path } })).code).toBe(2);
  });
});
