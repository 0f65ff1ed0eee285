// resolveConnection: where the broker list, TLS, SASL and the connect timeout come from.
import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/config-file.js';
import {
  DEFAULT_BOOTSTRAP,
  DEFAULT_CONNECT_TIMEOUT_MS,
  parseBrokers,
  resolveConnection,
  type ConnectionFlags,
  type ConnectionSettings,
} from '../../src/config/connection.js';
import { UsageError } from '../../src/errors.js';

const FLAG = 'flag-host:1';
const KAFKA_ENV = 'kafka-env-host:2';
const FIREHOSE_ENV = 'firehose-env-host:3';
const FILE = 'file-host:4';

describe('resolveConnection: bootstrap precedence (flag > environment > config file > default)', () => {
  const cases: Array<{
    name: string;
    flag?: string;
    kafkaEnv?: string;
    firehoseEnv?: string;
    file?: string;
    brokers: string[];
    source: ConnectionSettings['bootstrapSource'];
  }> = [
    { name: 'everything set: the flag wins', flag: FLAG, kafkaEnv: KAFKA_ENV, firehoseEnv: FIREHOSE_ENV, file: FILE, brokers: [FLAG], source: 'flag' },
    { name: 'flag over the config file', flag: FLAG, file: FILE, brokers: [FLAG], source: 'flag' },
    { name: 'KAFKA_BOOTSTRAP_SERVERS over the config file', kafkaEnv: KAFKA_ENV, file: FILE, brokers: [KAFKA_ENV], source: 'env' },
    { name: 'FIREHOSE_BOOTSTRAP over the config file', firehoseEnv: FIREHOSE_ENV, file: FILE, brokers: [FIREHOSE_ENV], source: 'env' },
    { name: 'FIREHOSE_BOOTSTRAP over KAFKA_BOOTSTRAP_SERVERS', kafkaEnv: KAFKA_ENV, firehoseEnv: FIREHOSE_ENV, file: FILE, brokers: [FIREHOSE_ENV], source: 'env' },
    { name: 'config file alone', file: FILE, brokers: [FILE], source: 'config' },
    { name: 'nothing set: the default', brokers: [DEFAULT_BOOTSTRAP], source: 'default' },
    { name: 'an empty environment variable counts as unset', kafkaEnv: '', file: FILE, brokers: [FILE], source: 'config' },
    { name: 'a list with spaces and an empty entry', flag: ' a:1, b:2,,[::1]:9092 ', brokers: ['a:1', 'b:2', '[::1]:9092'], source: 'flag' },
  ];

  it.each(cases)('$name', ({ flag, kafkaEnv, firehoseEnv, file, brokers, source }) => {
    const env = { KAFKA_BOOTSTRAP_SERVERS: kafkaEnv, FIREHOSE_BOOTSTRAP: firehoseEnv };
    const config: ConfigFile = file === undefined ? {} : { kafka: { bootstrap: file } };
    const settings = resolveConnection({ bootstrap: flag }, env, config);
    expect(settings.brokers).toEqual(brokers);
    expect(settings.bootstrapSource).toBe(source);
  });

  it.each([
    ['no port', 'localhost', '--bootstrap'],
    ['a URL', 'kafka://localhost:9092', '--bootstrap'],
    ['only commas', ',,', '--bootstrap'],
  ])('rejects %s and names where it came from', (_name, text) => {
    expect(() => resolveConnection({ bootstrap: text }, {}, {})).toThrow(UsageError);
    expect(() => resolveConnection({ bootstrap: text }, {}, {})).toThrow(/--bootstrap/);
  });

  it('an empty --bootstrap is a usage error naming the flag, not the default', () => {
    expect(() => resolveConnection({ bootstrap: '' }, {}, {})).toThrow(UsageError);
    expect(() => resolveConnection({ bootstrap: '' }, {}, {})).toThrow('The bootstrap servers from --bootstrap must be host:port[,host:port...], not "".');
    expect(() => resolveConnection({ bootstrap: ' ' }, {}, { kafka: { bootstrap: FILE } })).toThrow(/--bootstrap/);
  });

  it.each(['localhost:99999', 'localhost:0', 'a:1,b:65536', '[::1]:70000'])('rejects the port in %j at once, naming where it came from', (text) => {
    expect(() => resolveConnection({ bootstrap: text }, {}, {})).toThrow(UsageError);
    expect(() => resolveConnection({ bootstrap: text }, {}, {})).toThrow(/^The bootstrap servers from --bootstrap must have ports from 1 to 65535, not ".*"\.$/);
    expect(() => resolveConnection({}, { KAFKA_BOOTSTRAP_SERVERS: text }, {})).toThrow(/from KAFKA_BOOTSTRAP_SERVERS must have ports from 1 to 65535/);
  });

  it('accepts ports 1 and 65535', () => {
    expect(parseBrokers('a:1,b:65535', '--bootstrap')).toEqual(['a:1', 'b:65535']);
  });

  it('names the environment variable when the bad value came from there', () => {
    expect(() => resolveConnection({}, { KAFKA_BOOTSTRAP_SERVERS: 'nope' }, {})).toThrow(/KAFKA_BOOTSTRAP_SERVERS.*"nope"/);
    expect(() => parseBrokers('h:1,bad', 'the config file')).toThrow(/the config file.*"bad"/);
  });
});

describe('resolveConnection: TLS', () => {
  const cases: Array<{ name: string; flags: ConnectionFlags; file?: ConfigFile['kafka']; tls: ConnectionSettings['tls'] }> = [
    { name: 'no TLS flags: plaintext', flags: {}, tls: undefined },
    { name: '--tls alone', flags: { tls: true }, tls: { skipHostnameVerification: false } },
    { name: '--ca-file', flags: { caFile: 'ca.pem' }, tls: { caFile: 'ca.pem', skipHostnameVerification: false } },
    { name: '--cert-file with --key-file', flags: { certFile: 'c.pem', keyFile: 'k.pem' }, tls: { certFile: 'c.pem', keyFile: 'k.pem', skipHostnameVerification: false } },
    { name: '--keystore', flags: { keystore: 'client.p12' }, tls: { keystore: 'client.p12', skipHostnameVerification: false } },
    { name: '--skip-hostname-verification', flags: { skipHostnameVerification: true }, tls: { skipHostnameVerification: true } },
    { name: 'CA from the config file', flags: {}, file: { caFile: 'file-ca.pem' }, tls: { caFile: 'file-ca.pem', skipHostnameVerification: false } },
    { name: 'a flag overrides the config file', flags: { caFile: 'flag-ca.pem' }, file: { caFile: 'file-ca.pem' }, tls: { caFile: 'flag-ca.pem', skipHostnameVerification: false } },
  ];

  it.each(cases)('$name', ({ flags, file, tls }) => {
    const settings = resolveConnection(flags, {}, file ? { kafka: file } : {});
    if (tls === undefined) {
      expect(settings.tls).toBeUndefined();
    } else {
      // Unset paths are present as undefined; compare what is set.
      expect(JSON.parse(JSON.stringify(settings.tls))).toEqual(tls);
    }
  });

  it.each([
    ['--cert-file without --key-file', { certFile: 'c.pem' }],
    ['--key-file without --cert-file', { keyFile: 'k.pem' }],
    ['--keystore together with PEM files', { keystore: 'c.p12', certFile: 'c.pem', keyFile: 'k.pem' }],
  ])('%s is a usage error', (_name, flags) => {
    let thrown: unknown;
    try {
      resolveConnection(flags, {}, {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(2);
    expect((thrown as UsageError).message).toMatch(/--cert-file|--keystore/);
  });

  it('a cert in the config file without a key is a usage error too', () => {
    expect(() => resolveConnection({}, {}, { kafka: { certFile: 'c.pem' } })).toThrow(UsageError);
  });
});

describe('resolveConnection: SASL', () => {
  it.each([
    ['plain', 'plain'],
    ['PLAIN', 'plain'],
    ['scram-sha-256', 'scram-sha-256'],
    ['SCRAM-SHA-512', 'scram-sha-512'],
  ] as const)('--sasl-mechanism %s → %s', (text, mechanism) => {
    const settings = resolveConnection({ saslMechanism: text, saslUsername: 'alice' }, {}, {});
    expect(settings.sasl).toEqual({ mechanism, username: 'alice' });
  });

  it.each(['gssapi', 'scram', ''])('rejects mechanism "%s"', (text) => {
    expect(() => resolveConnection({ saslMechanism: text, saslUsername: 'alice' }, {}, {})).toThrow(/--sasl-mechanism must be one of plain, scram-sha-256, scram-sha-512, oauthbearer/);
  });

  it('takes the user name from flag, then FIREHOSE_SASL_USERNAME, then the config file', () => {
    const file: ConfigFile = { kafka: { sasl: { mechanism: 'plain', username: 'from-file' } } };
    expect(resolveConnection({ saslUsername: 'from-flag' }, { FIREHOSE_SASL_USERNAME: 'from-env' }, file).sasl?.username).toBe('from-flag');
    expect(resolveConnection({}, { FIREHOSE_SASL_USERNAME: 'from-env' }, file).sasl?.username).toBe('from-env');
    expect(resolveConnection({}, {}, file).sasl).toEqual({ mechanism: 'plain', username: 'from-file' });
  });

  it('oauthbearer: a ready token from FIREHOSE_OAUTH_TOKEN, or a token endpoint with a client id; flags checked up front', () => {
    expect(resolveConnection({ saslMechanism: 'oauthbearer' }, { FIREHOSE_OAUTH_TOKEN: 'x' }, {}).sasl).toEqual({ mechanism: 'oauthbearer', username: '' });
    expect(resolveConnection({ saslMechanism: 'oauthbearer', saslUsername: 'cli', oauthTokenEndpoint: 'https://sso.example.com/token', oauthScope: 'kafka' }, {}, {}).sasl)
      .toEqual({ mechanism: 'oauthbearer', username: 'cli', tokenEndpoint: 'https://sso.example.com/token', scope: 'kafka' });
    expect(resolveConnection({ saslMechanism: 'oauthbearer', saslUsername: 'cli' }, { FIREHOSE_OAUTH_TOKEN_ENDPOINT: 'https://sso.example.com/t' }, {}).sasl?.tokenEndpoint).toBe('https://sso.example.com/t');
    expect(() => resolveConnection({ saslMechanism: 'oauthbearer' }, {}, {})).toThrow(/^SASL OAUTHBEARER needs a token: set FIREHOSE_OAUTH_TOKEN/);
    expect(() => resolveConnection({ saslMechanism: 'oauthbearer', oauthTokenEndpoint: 'https://sso.example.com/t' }, {}, {})).toThrow(/^The token endpoint needs a client id/);
    expect(() => resolveConnection({ saslMechanism: 'oauthbearer', saslUsername: 'c', oauthTokenEndpoint: 'sso' }, {}, {})).toThrow(/^--oauth-token-endpoint "sso" is not a URL\./);
    expect(() => resolveConnection({ saslMechanism: 'oauthbearer', saslUsername: 'c', oauthTokenEndpoint: 'ftp://x/t' }, {}, {})).toThrow(/^--oauth-token-endpoint must be an http\(s\) URL/);
    expect(() => resolveConnection({ oauthTokenEndpoint: 'https://x/t' }, {}, {})).toThrow(/^--oauth-token-endpoint and --oauth-scope go with --sasl-mechanism oauthbearer\.$/);
  });

  it('needs a user name', () => {
    expect(() => resolveConnection({ saslMechanism: 'plain' }, {}, {})).toThrow(/SASL needs a user name.*FIREHOSE_SASL_USERNAME/);
  });

  it('is off without a mechanism, and SASL alone does not turn TLS on', () => {
    expect(resolveConnection({ saslUsername: 'alice' }, {}, {}).sasl).toBeUndefined();
    expect(resolveConnection({ saslMechanism: 'plain', saslUsername: 'alice' }, {}, {}).tls).toBeUndefined();
  });
});

describe('resolveConnection: connect timeout', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['3', 3_000],
    ['1.5s', 1_500],
  ])('--connect-timeout %s → %i ms', (text, ms) => {
    expect(resolveConnection({ connectTimeout: text }, {}, {}).connectTimeoutMs).toBe(ms);
  });

  it('falls back to the config file, then the default', () => {
    expect(resolveConnection({}, {}, { kafka: { connectTimeoutMs: 2500 } }).connectTimeoutMs).toBe(2500);
    expect(resolveConnection({}, {}, {}).connectTimeoutMs).toBe(DEFAULT_CONNECT_TIMEOUT_MS);
    expect(resolveConnection({ connectTimeout: '1s' }, {}, { kafka: { connectTimeoutMs: 2500 } }).connectTimeoutMs).toBe(1000);
  });

  it.each(['soon', '10 s', '-1s', '1d'])('rejects "%s"', (text) => {
    expect(() => resolveConnection({ connectTimeout: text }, {}, {})).toThrow(/--connect-timeout must be a duration/);
  });

  it.each([
    ['0', '--connect-timeout must be longer than 0, not "0".'],
    ['0ms', '--connect-timeout must be longer than 0, not "0ms".'],
    ['', '--connect-timeout must be a duration such as 500ms, 10s or 5m, not "".'],
    ['99999999999s', '--connect-timeout must be at most 2147483647ms (about 596h, the longest timer Node has), not "99999999999s".'],
  ])('rejects %j instead of breaking the connection', (text, message) => {
    expect(() => resolveConnection({ connectTimeout: text }, {}, {})).toThrow(UsageError);
    expect(() => resolveConnection({ connectTimeout: text }, {}, {})).toThrow(message);
  });
});

describe('resolveConnection: --via-cluster', () => {
  it('is off by default, on with the flag or FIREHOSE_VIA_CLUSTER, flag first', () => {
    expect(resolveConnection({}, {}, {}).viaCluster).toBe(false);
    expect(resolveConnection({ viaCluster: true }, {}, {}).viaCluster).toBe(true);
    expect(resolveConnection({}, { FIREHOSE_VIA_CLUSTER: '1' }, {}).viaCluster).toBe(true);
    expect(resolveConnection({}, { FIREHOSE_VIA_CLUSTER: 'false' }, {}).viaCluster).toBe(false);
    expect(resolveConnection({ viaCluster: true }, { FIREHOSE_VIA_CLUSTER: '0' }, {}).viaCluster).toBe(true);
  });

  it('rejects an unclear FIREHOSE_VIA_CLUSTER', () => {
    expect(() => resolveConnection({}, { FIREHOSE_VIA_CLUSTER: 'maybe' }, {})).toThrow('FIREHOSE_VIA_CLUSTER must be 1 or 0 (true or false), not "maybe".');
  });
});
