import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFilePath, loadConfigFile } from '../../src/config/config-file.js';
import { FirehoseError } from '../../src/errors.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firehose-config-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function loadError(path: string): Promise<FirehoseError> {
  const error = await loadConfigFile(path).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FirehoseError);
  return error as FirehoseError;
}

describe('loadConfigFile', () => {
  it('a missing file is an empty config', async () => {
    expect(await loadConfigFile(join(dir, 'does-not-exist.yaml'))).toEqual({});
  });

  it.each([
    ['empty', ''],
    ['only a comment', '# nothing yet\n'],
    ['null', '~\n'],
  ])('an %s file is an empty config', async (name, text) => {
    expect(await loadConfigFile(await file(`${name}.yaml`, text))).toEqual({});
  });

  it('reads a mapping', async () => {
    const path = await file('ok.yaml', 'user: 7\nnamespace: lab\nkafka:\n  bootstrap: h:9092\n  connectTimeoutMs: 2500\n  sasl:\n    mechanism: plain\n');
    expect(await loadConfigFile(path)).toEqual({
      user: 7,
      namespace: 'lab',
      kafka: { bootstrap: 'h:9092', connectTimeoutMs: 2500, sasl: { mechanism: 'plain' } },
    });
  });

  it('malformed YAML: CONFIG_MALFORMED naming the path, exit 1, with a hint', async () => {
    const path = await file('bad.yaml', 'user: 7\nkafka:\n  bootstrap: [unclosed\n');
    const error = await loadError(path);
    expect(error.code).toBe('CONFIG_MALFORMED');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/not valid YAML/);
    expect(error.message).not.toContain('\n');
    expect(error.exitCode).toBe(1);
    expect(error.hint).toBeTruthy();
  });

  it.each([
    ['a list', '- 1\n- 2\n'],
    ['a string', 'just some text\n'],
    ['a number', '42\n'],
  ])('%s instead of a mapping: CONFIG_MALFORMED with an example', async (name, text) => {
    const path = await file(`${name.replace(' ', '-')}.yaml`, text);
    const error = await loadError(path);
    expect(error.code).toBe('CONFIG_MALFORMED');
    expect(error.message).toBe(`Config file ${path} must hold a YAML mapping (key: value lines).`);
    expect(error.hint).toContain('user: 7');
  });

  it('an unreadable path (a directory) is CONFIG_UNREADABLE', async () => {
    const error = await loadError(dir);
    expect(error.code).toBe('CONFIG_UNREADABLE');
    expect(error.message).toContain(dir);
    expect(error.hint).toContain('FIREHOSE_CONFIG');
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission is CONFIG_UNREADABLE', async () => {
    const path = await file('secret.yaml', 'user: 1\n');
    await chmod(path, 0o000);
    expect((await loadError(path)).code).toBe('CONFIG_UNREADABLE');
  });
});

describe('configFilePath', () => {
  it.each([
    ['FIREHOSE_CONFIG wins', { FIREHOSE_CONFIG: '/etc/fh.yaml', XDG_CONFIG_HOME: '/xdg' }, '/etc/fh.yaml'],
    ['then XDG_CONFIG_HOME', { XDG_CONFIG_HOME: '/xdg' }, '/xdg/firehose/config.yaml'],
  ])('%s', (_name, env, path) => {
    expect(configFilePath(env)).toBe(path);
  });

  it('defaults to ~/.config/firehose/config.yaml', () => {
    expect(configFilePath({})).toMatch(/[/\\]\.config[/\\]firehose[/\\]config\.yaml$/);
  });
});
