// argv → command, arguments and options, as commander parses them for firehose. Actions are
// replaced by a recorder, so nothing runs and no Kafka is needed.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../support/cli.js';

interface Parsed {
  /** e.g. "groups describe" */
  command: string;
  args: unknown[];
  /** The command's own options, with defaults. */
  opts: Record<string, unknown>;
  /** The root program's options (the global flags). */
  globals: Record<string, unknown>;
}

function pathOf(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Parses argv with every action replaced by a recorder; commander errors are thrown. */
async function parse(argv: string[]): Promise<Parsed> {
  const program = (await buildProgram()) as unknown as CommandUnknownOpts;
  let parsed: Parsed | undefined;
  const record = (command: CommandUnknownOpts): void => {
    command.exitOverride();
    command.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    if (command.commands.length === 0) {
      command.action(function (this: CommandUnknownOpts) {
        parsed = { command: pathOf(this), args: [...this.processedArgs], opts: { ...this.opts() }, globals: { ...program.opts() } };
      });
    }
    for (const sub of command.commands) record(sub);
  };
  record(program);
  await program.parseAsync(argv, { from: 'user' });
  if (!parsed) throw new Error(`no action ran for ${argv.join(' ')}`);
  return parsed;
}

describe('global flags parse the same in any position', () => {
  const same: Array<[string, string[][]]> = [
    ['--user before or after the subcommand', [
      ['spam', '--times', '5', '--user', '3'],
      ['--user', '3', 'spam', '--times', '5'],
      ['spam', '--user', '3', '--times', '5'],
      ['spam', '--user=3', '--times=5'],
    ]],
    ['--bootstrap and --output around a nested subcommand', [
      ['--bootstrap', 'h:1', '-o', 'json', 'groups', 'describe', 'g1'],
      ['groups', 'describe', 'g1', '--bootstrap', 'h:1', '--output', 'json'],
      ['groups', '--bootstrap=h:1', 'describe', '-o', 'json', 'g1'],
    ]],
    ['TLS flags after the topic argument', [
      ['consume', 'my-topic-7', '--ca-file', 'ca.pem', '--skip-hostname-verification', '--from-beginning'],
      ['--ca-file', 'ca.pem', '--skip-hostname-verification', 'consume', '--from-beginning', 'my-topic-7'],
    ]],
  ];

  it.each(same)('%s', async (_name, argvs) => {
    const results = await Promise.all(argvs.map(parse));
    for (const result of results.slice(1)) expect(result).toEqual(results[0]);
  });
});

describe('argv → command, arguments, options', () => {
  const cases: Array<{ argv: string[]; command: string; args?: unknown[]; opts?: Record<string, unknown>; globals?: Record<string, unknown> }> = [
    { argv: ['spam', '--times', '5', '--user', '3'], command: 'spam', args: [undefined], opts: { times: '5', acks: 'all', compression: 'none', deliveryTimeout: '60s' }, globals: { user: '3' } },
    { argv: ['spam', 'orders', '--acks', '1', '--rate', '10'], command: 'spam', args: ['orders'], opts: { times: '1', acks: '1', compression: 'none', rate: '10', deliveryTimeout: '60s' } },
    { argv: ['create-topic', '--user', '7'], command: 'create-topic', args: [undefined], opts: { partitions: '10', replicas: '1', config: [], via: 'auto', kafkaCluster: 'my-cluster', wait: true, timeout: '120s', apiVersion: [] }, globals: { user: '7' } },
    { argv: ['create-topic', 't', '--config', 'a=1', '--config', 'b=2', '--partitions', '3'], command: 'create-topic', args: ['t'], opts: { partitions: '3', replicas: '1', config: ['a=1', 'b=2'], via: 'auto', kafkaCluster: 'my-cluster', wait: true, timeout: '120s', apiVersion: [] } },
    { argv: ['produce', '--header', 'a=1', '--header', 'b=2', '--key-separator', ':'], command: 'produce', opts: { header: ['a=1', 'b=2'], keySeparator: ':', acks: 'all', compression: 'none' } },
    { argv: ['consume', '--from-beginning', '--group', 'lab', '--max-messages', '5', '--format', 'json'], command: 'consume', opts: { fromBeginning: true, group: 'lab', maxMessages: '5', format: 'json', partition: [] } },
    { argv: ['topics'], command: 'topics list', args: [], opts: {} },
    { argv: ['topics', 'list', '--all'], command: 'topics list', opts: { all: true } },
    { argv: ['topics', 'describe', 'my-topic-7'], command: 'topics describe', args: ['my-topic-7'] },
    { argv: ['groups'], command: 'groups list' },
    { argv: ['groups', 'describe', 'knative-group-7'], command: 'groups describe', args: ['knative-group-7'] },
    { argv: ['groups', 'reset-offsets', 'lab', '--to', 'earliest', '--execute'], command: 'groups reset-offsets', args: ['lab'], opts: { to: 'earliest', execute: true } },
    { argv: ['completion', 'bash'], command: 'completion', args: ['bash'] },
    { argv: ['config', 'view', '-o', 'json'], command: 'config view', globals: { output: 'json', color: true } },
    { argv: ['--no-color', 'config', 'path'], command: 'config path', globals: { color: false } },
    { argv: ['--verbose', '--connect-timeout', '5s', 'topics'], command: 'topics list', globals: { verbose: true, connectTimeout: '5s' } },
    { argv: ['--sasl-mechanism', 'plain', '--sasl-username', 'u', '--tls', 'topics'], command: 'topics list', globals: { saslMechanism: 'plain', saslUsername: 'u', tls: true } },
    { argv: ['--keystore', 'c.p12', '--cert-file', 'c.pem', '--key-file', 'k.pem', 'topics'], command: 'topics list', globals: { keystore: 'c.p12', certFile: 'c.pem', keyFile: 'k.pem' } },
    { argv: ['spam', '--via-cluster', '--bootstrap', 'my-cluster-kafka-bootstrap.kafka:9092'], command: 'spam', globals: { viaCluster: true, bootstrap: 'my-cluster-kafka-bootstrap.kafka:9092' } },
    { argv: ['kafka', 'ca', '--out', 'ca.crt', '--namespace', 'kafka'], command: 'kafka ca', opts: { cluster: 'my-cluster', out: 'ca.crt' }, globals: { namespace: 'kafka' } },
    { argv: ['kafka', 'start', '--port', '0', '--data-dir', 'd'], command: 'kafka start', opts: { port: '0', host: '127.0.0.1', dataDir: 'd', partitions: '1', autoCreateTopics: true, retention: '256MiB', groupInitialRebalanceDelay: '300ms', tlsClientAuth: 'required', sasl: [] } },
    { argv: ['broker', 'start', '--port', '0', '--data-dir', 'd'], command: 'broker start', opts: { port: '0', host: '127.0.0.1', dataDir: 'd', partitions: '1', autoCreateTopics: true, retention: '256MiB', groupInitialRebalanceDelay: '300ms', tlsClientAuth: 'required', sasl: [] } },
    { argv: ['kafka', 'start', '--tls-dir', 'auth', '--tls-client-auth', 'none', '--sasl', 'plain', '--sasl', 'scram-sha-512', '--users-file', 'u'], command: 'kafka start', opts: { port: '9092', host: '127.0.0.1', partitions: '1', autoCreateTopics: true, retention: '256MiB', groupInitialRebalanceDelay: '300ms', tlsDir: 'auth', tlsClientAuth: 'none', sasl: ['plain', 'scram-sha-512'], usersFile: 'u' } },
    { argv: ['mqtt', 'start'], command: 'mqtt start', args: [], opts: { port: '1883', host: '127.0.0.1' } },
    { argv: ['mqtt', 'start', '--port', '0', '--username', 'iotuser'], command: 'mqtt start', opts: { port: '0', host: '127.0.0.1', username: 'iotuser' } },
    { argv: ['sensors'], command: 'sensors', args: [], opts: { mqtt: 'mqtt://localhost:1883', mqttVersion: '4', mqttTimeout: '10s', qos: '1', sensors: '2', rate: '1', format: 'json' } },
    { argv: ['sensors', '--count', '10', '--qos', '0', '--format', 'manuela', '--mqtt-username', 'u', '--mqtt-version', '5', '--rate', '0'], command: 'sensors', opts: { mqtt: 'mqtt://localhost:1883', mqttUsername: 'u', mqttVersion: '5', mqttTimeout: '10s', qos: '0', sensors: '2', rate: '0', count: '10', format: 'manuela' } },
    { argv: ['tail', 'logs'], command: 'tail logs', args: [undefined], opts: { include: [], exclude: [], follow: true } },
    { argv: ['tail', 'logs', 'event-display', '--no-follow', '-A', '--tail', '5'], command: 'tail logs', args: ['event-display'], opts: { include: [], exclude: [], follow: false, allNamespaces: true, tail: '5' } },
    { argv: ['tail', 'logs', '--all-namespaces', '-i', 'POST'], command: 'tail logs', opts: { include: ['POST'], exclude: [], follow: true, allNamespaces: true } },
    { argv: ['func', 'deploy', 'js-example-service'], command: 'func deploy', args: ['js-example-service'], opts: { image: 'node:20-alpine', trigger: true } },
    { argv: ['func', 'deploy', 'fns/wasm', '--name', 'adder', '--knative', '--no-trigger', '--runtime', 'rt.mjs', '--image', 'node:22', '--dry-run=client'], command: 'func deploy', args: ['fns/wasm'], opts: { name: 'adder', image: 'node:22', runtime: 'rt.mjs', knative: true, trigger: false, dryRun: 'client' } },
    { argv: ['watch', 'pods'], command: 'watch pods', args: [undefined], opts: {} },
    { argv: ['watch', 'pods', 'scaler', '-A'], command: 'watch pods', args: ['scaler'], opts: { allNamespaces: true } },
  ];

  it.each(cases)('$argv', async ({ argv, command, args, opts, globals }) => {
    const parsed = await parse(argv);
    expect(parsed.command).toBe(command);
    if (args) expect(parsed.args).toEqual(args);
    if (opts) expect(parsed.opts).toEqual(opts);
    if (globals) expect(parsed.globals).toMatchObject(globals);
  });

  it('leaves unset global flags out', async () => {
    expect((await parse(['topics'])).globals).toEqual({ color: true });
  });
});

describe('parse errors', () => {
  it.each([
    [['spam', '--times']],
    [['--output', 'xml', 'topics']],
    [['consume', 'a', 'b']],
    [['groups', 'describe']],
    [['groups', 'reset-offsets', 'g']],
    [['nosuch']],
  ])('%j is a commander error', async (argv) => {
    await expect(parse(argv)).rejects.toMatchObject({ exitCode: 1, code: expect.stringMatching(/^commander\./) });
  });
});

describe('run(): usage errors exit 2 with the message on stderr', () => {
  it.each([
    [['--bogus'], "error: unknown option '--bogus'"],
    [['spam', '--bogus'], "error: unknown option '--bogus'"],
    [['groups', 'describe', 'g', '--bogus'], "error: unknown option '--bogus'"],
    [['spam', '--times'], "error: option '--times <n>' argument missing"],
    [['--output', 'xml', 'topics'], "error: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are text, json, yaml, name."],
    [['consume', 'a', 'b'], "error: too many arguments for 'consume'. Expected 1 argument but got 2."],
    [['groups', 'describe'], "error: missing required argument 'group'"],
    [['nosuch'], "error: unknown command 'nosuch'"],
  ])('%j', async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(result.stderr).toContain('(run with --help for usage)');
    expect(result.stdout).toBe('');
  });

  it('a mistyped subcommand of a group with a default one is an unknown command, with a suggestion', async () => {
    for (const [argv, name, suggestion] of [[['groups', 'descrbe', 'lab'], 'descrbe', 'describe'], [['topics', 'lsit'], 'lsit', 'list'], [['groups', 'reset-offset', 'g'], 'reset-offset', 'reset-offsets']] as const) {
      const result = await runCli([...argv]);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr.split('\n').slice(0, 2), argv.join(' ')).toEqual([`error: unknown command '${name}'`, `(Did you mean ${suggestion}?)`]);
    }
  });

  it('a firehose usage error (after parsing) exits 2 too', async () => {
    const result = await runCli(['spam', '--times', 'lots', '--user', '1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: --times must be a positive whole number, not "lots".\n');
  });

  it('--no-follow and -A need the cluster: with --local they are usage errors naming the flag', async () => {
    for (const [argv, message] of [
      [['tail', 'logs', '--local', '--no-follow'], 'error: --no-follow needs the cluster: the local lab (--local) keeps no log history.'],
      [['tail', 'logs', '--local', '-A'], 'error: --all-namespaces is for the cluster: the local lab (--local) has no namespaces.'],
      [['watch', 'pods', '--all-namespaces', '--local'], 'error: --all-namespaces is for the cluster: the local lab (--local) has no namespaces.'],
    ] as const) {
      const result = await runCli([...argv]);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0], argv.join(' ')).toBe(message);
      expect(result.stdout, argv.join(' ')).toBe('');
    }
  });

  it('--help and --version exit 0 on stdout, also for subcommands', async () => {
    for (const argv of [['--help'], ['spam', '--help'], ['groups', 'describe', '--help'], ['help', 'consume']]) {
      const result = await runCli(argv);
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.stdout, argv.join(' ')).toMatch(/^Usage: firehose/);
      expect(result.stderr, argv.join(' ')).toBe('');
    }
    const version = await runCli(['--version']);
    expect(version).toEqual({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/), stderr: '' });
  });
});

describe('kcat and console-tool spellings', () => {
  const all = (command: CommandUnknownOpts): CommandUnknownOpts[] => [command, ...command.commands.flatMap((c) => all(c as CommandUnknownOpts))];

  it('every command whose argument is a topic also takes it as -t/--topic', async () => {
    const takesTopic = all((await buildProgram()) as unknown as CommandUnknownOpts).filter((c) => c.registeredArguments.some((a) => /^topic\b/.test(a.description ?? '') || a.name() === 'topic'));
    expect(takesTopic.map(pathOf).sort()).toEqual(['consume', 'create-topic', 'delete-topic', 'demo commit', 'demo offsets', 'produce', 'spam', 'topics describe', 'up']);
    for (const command of takesTopic) expect(command.options.find((o) => o.long === '--topic')?.short, pathOf(command)).toBe('-t');
  });

  it('-b and --bootstrap-server set --bootstrap', async () => {
    for (const argv of [['-b', 'h1:1'], ['--bootstrap-server', 'h1:1']]) {
      const result = await runCli(['config', 'view', '--output', 'json', ...argv]);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).kafka).toMatchObject({ bootstrap: 'h1:1', bootstrapSource: 'flag' });
    }
    expect((await runCli(['config', 'view', '--bootstrap-server', 'h1:99999'])).code).toBe(2);
  });
});
