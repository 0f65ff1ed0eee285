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

  it.each([
    ['kafka.bootstrap: 5', 'kafka:\n  bootstrap: 5\n', 'kafka.bootstrap', 'host:port[,host:port...] with ports from 1 to 65535, such as localhost:9092', '5'],
    ['kafka.bootstrap without a port', 'kafka:\n  bootstrap: localhost\n', 'kafka.bootstrap', 'host:port[,host:port...] with ports from 1 to 65535, such as localhost:9092', '"localhost"'],
    ['kafka.bootstrap port out of range', 'kafka:\n  bootstrap: localhost:99999\n', 'kafka.bootstrap', 'host:port[,host:port...] with ports from 1 to 65535, such as localhost:9092', '"localhost:99999"'],
    ['kafka.bootstrap as a list', 'kafka:\n  bootstrap: [a:1, b:2]\n', 'kafka.bootstrap', 'host:port[,host:port...] with ports from 1 to 65535, such as localhost:9092', '["a:1","b:2"]'],
    ['user: abc', 'user: abc\n', 'user', 'a number such as 7 (or user7)', '"abc"'],
    ['user: 1.5', 'user: 1.5\n', 'user', 'a number such as 7 (or user7)', '1.5'],
    ['user: -1', 'user: -1\n', 'user', 'a number such as 7 (or user7)', '-1'],
    ['kafka.connectTimeoutMs: "x"', 'kafka:\n  connectTimeoutMs: "x"\n', 'kafka.connectTimeoutMs', 'a whole number of milliseconds from 1 to 2147483647, such as 10000', '"x"'],
    ['kafka.connectTimeoutMs: 0', 'kafka:\n  connectTimeoutMs: 0\n', 'kafka.connectTimeoutMs', 'a whole number of milliseconds from 1 to 2147483647, such as 10000', '0'],
    ['kafka.connectTimeoutMs too large', 'kafka:\n  connectTimeoutMs: 99999999999\n', 'kafka.connectTimeoutMs', 'a whole number of milliseconds from 1 to 2147483647, such as 10000', '99999999999'],
    ['namespace: 5', 'namespace: 5\n', 'namespace', 'a string', '5'],
    ['kafka.skipHostnameVerification: "yes"', 'kafka:\n  skipHostnameVerification: "yes"\n', 'kafka.skipHostnameVerification', 'true or false', '"yes"'],
    ['kafka.sasl.mechanism: gssapi', 'kafka:\n  sasl:\n    mechanism: gssapi\n', 'kafka.sasl.mechanism', 'one of plain, scram-sha-256, scram-sha-512, oauthbearer', '"gssapi"'],
    ['kafka.caFile: true', 'kafka:\n  caFile: true\n', 'kafka.caFile', 'a string', 'true'],
    ['kafka as a string', 'kafka: localhost:9092\n', 'kafka', 'a mapping of keys under it', '"localhost:9092"'],
    ['kafka.sasl as a string', 'kafka:\n  sasl: plain\n', 'kafka.sasl', 'a mapping of keys under it', '"plain"'],
  ])('%s: CONFIG_INVALID naming the key and the file, exit 2, one line', async (name, text, key, wanted, shown) => {
    const path = await file(`${name.replace(/\W+/g, '-')}.yaml`, text);
    const error = await loadError(path);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`${key} in config file ${path} must be ${wanted}, not ${shown}.`);
    expect(error.hint).toBe(`Fix or remove ${key} in that file.`);
  });

  it('accepts every key with its right type, and a key with no value as unset', async () => {
    const path = await file('types-ok.yaml', [
      'user: user7',
      'namespace: lab',
      'context: ctx',
      'kafka:',
      '  bootstrap: a:1,b:65535',
      '  caFile: ca.pem',
      '  skipHostnameVerification: false',
      '  sasl:',
      '    mechanism: SCRAM-SHA-512',
      '    username:',
      '  connectTimeoutMs: 2147483647',
      '  keystore:',
      'somethingElse: [kept, as, is]',
      '',
    ].join('\n'));
    expect(await loadConfigFile(path)).toEqual({
      user: 'user7',
      namespace: 'lab',
      context: 'ctx',
      kafka: { bootstrap: 'a:1,b:65535', caFile: 'ca.pem', skipHostnameVerification: false, sasl: { mechanism: 'SCRAM-SHA-512' }, connectTimeoutMs: 2147483647 },
      somethingElse: ['kept', 'as', 'is'],
    });
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
