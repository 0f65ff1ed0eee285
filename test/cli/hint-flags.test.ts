// Every hint names flags that exist: on the command that failed (scenarios below, run the
// way a user meets them) and, for every flag any message in src/ mentions, on some command.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../support/cli.js';

interface Node { name(): string; commands: readonly Node[]; options: readonly { long?: string; negate?: boolean }[]; parent: Node | null }

const tree = (await buildProgram()) as unknown as Node;

function findCommand(path: string[]): Node {
  let command = tree;
  for (const name of path) command = command.commands.find((c) => c.name() === name) ?? expect.fail(`no command ${path.join(' ')}`);
  return command;
}

/** Long flags a command takes: its own and its ancestors' (the global ones). */
function flagsOf(path: string[]): Set<string> {
  const flags = new Set<string>(['--help']);
  for (let command: Node | null = findCommand(path); command; command = command.parent) {
    for (const option of command.options) if (option.long) flags.add(option.long);
  }
  return flags;
}

function allFlags(command: Node = tree, into = new Set<string>()): Set<string> {
  for (const option of command.options) if (option.long) into.add(option.long);
  for (const sub of command.commands) allFlags(sub, into);
  return into;
}

const mentioned = (text: string) => [...text.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]);

let busy: Server;
let busyPort: number;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

describe('hints name flags of the command that failed', () => {
  const cases: Array<[string, string[], () => string[], RegExp]> = [
    ['up, its embedded Kafka port taken', ['up'], () => ['up', '--user', '7', '--kafka-port', String(busyPort)], /--kafka-port/],
    ['up, its sink port taken', ['up'], () => ['up', '--user', '7', '--kafka-port', '0', '--sink-port', String(busyPort)], /--sink-port/],
    ['up, its broker port taken', ['up'], () => ['up', '--user', '7', '--kafka-port', '0', '--broker-port', String(busyPort)], /--broker-port/],
    ['up, its channel port taken', ['up'], () => ['up', '--user', '7', '--kafka-port', '0', '--subscribe', 'http://127.0.0.1:1/', '--channel-port', String(busyPort)], /--channel-port/],
    ['up, an unusable data dir', ['up'], () => ['up', '--user', '7', '--kafka-port', '0', '--kafka-data-dir', '/proc/firehose-hint'], /writable local file system/],
    ['kafka start, its port taken', ['kafka', 'start'], () => ['kafka', 'start', '--port', String(busyPort)], /--port/],
    ['kafka start, an unusable data dir', ['kafka', 'start'], () => ['kafka', 'start', '--port', '0', '--data-dir', '/proc/firehose-hint'], /writable local file system/],
    ['mqtt start, its port taken', ['mqtt', 'start'], () => ['mqtt', 'start', '--port', String(busyPort)], /--port/],
    ['sink serve, its port taken', ['sink', 'serve'], () => ['sink', 'serve', '--port', String(busyPort)], /--port/],
    ['consume, nothing listening', ['consume'], () => ['consume', 'x', '--bootstrap', '127.0.0.1:1'], /firehose kafka start.*--bootstrap/],
    ['spam, no user known', ['spam'], () => ['spam', '--times', '1', '--bootstrap', '127.0.0.1:1'], /--user/],
    ['tail logs --no-follow --local', ['tail', 'logs'], () => ['tail', 'logs', '--no-follow', '--local'], /--no-follow/],
    ['watch pods -A --local', ['watch', 'pods'], () => ['watch', 'pods', '-A', '--local'], /--all-namespaces/],
  ];
  it.each(cases)('%s', { timeout: 30_000 }, async (_what, path, argv, expected) => {
    const result = await runCli(argv());
    expect(result.code, result.stderr).not.toBe(0);
    const hint = /^hint: (.*)$/m.exec(result.stderr)?.[1] ?? expect.fail(`no hint in: ${result.stderr}`);
    expect(hint).toMatch(expected);
    const known = flagsOf(path);
    for (const flag of mentioned(hint)) expect(known, `${flag} in "${hint}"`).toContain(flag);
  });
});

describe('every flag a message in src/ mentions exists on some command', () => {
  /**
   * Flags of other tools that firehose's messages quote (oc login, oc whoami, oc api-resources,
   * oc create secret, Kafka's scripts, node --test) and of the function runtime's own command line.
   */
  const foreign = new Set(['--token', '--server', '--show-server', '--api-group', '--reset-offsets', '--from-file', '--test', '--timeout-ms', '--parent-pid']);
  const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
  it('checks every .ts file under src/', () => {
    const known = allFlags(undefined, new Set(['--help', '--version']));
    const unknown: string[] = [];
    for (const file of files('src')) {
      // Option definitions declare flags; everything else only mentions them.
      const text = readFileSync(file, 'utf8')
        .replace(/\.(option|requiredOption)\([^\n]*|new Option\([^\n]*/g, '')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|\s)\/\/ .*$/gm, '$1');
      for (const literal of text.match(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\\n]|\\.)*"/g) ?? []) {
        for (const flag of mentioned(literal)) {
          const positive = flag.replace(/^--no-/, '--');
          if (!known.has(flag) && !known.has(positive) && !foreign.has(flag)) unknown.push(`${file}: ${flag} in ${literal.slice(0, 100)}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });
});
