// The layering as a test: every import under src/ is read and checked against the
// arrows the design allows (README, "Layout"). Adding a forbidden import fails here,
// naming the file, the line and the rule.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

interface Import {
  /** The importing file, relative to src/ ("local/dispatcher.ts"). */
  from: string;
  line: number;
  /** A file under src/ ("kafka/batches.ts") or a package name ("kafkajs"). */
  to: string;
}

/** Static imports, re-exports and dynamic import() of string literals. */
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3]!;
    const line = text.slice(0, match.index).split('\n').length + (match[0].startsWith('\n') ? 1 : 0);
    let to: string;
    if (spec.startsWith('.')) {
      to = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), spec)).replace(/\.js$/, '.ts').split(path.sep).join('/');
    } else {
      // A package: its name ("@scope/name" or "name"), node: built-ins as they are.
      to = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    }
    out.push({ from: file, line, to });
  }
  return out;
}

function allImports(): Import[] {
  const files = (fs.readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/'));
  return files.flatMap((file) => importsOf(file, fs.readFileSync(path.join(SRC, file), 'utf8')));
}

/** The part of the tree a file belongs to: its first folder, or "root" for errors.ts, logger.ts, labels.ts. */
function partOf(file: string): string {
  return file.includes('/') ? file.split('/')[0]! : 'root';
}

interface Rule {
  name: string;
  /** True when the import breaks the rule. */
  broken: (i: Import) => boolean;
}

const CORE = new Set(['config', 'kafka', 'cluster', 'templates', 'events', 'local', 'functions', 'edge', 'embedded-kafka', 'protocol', 'root', 'util']);

const RULES: Rule[] = [
  { name: 'core modules never import cli/ or ui/ (they return data; cli/ renders it)', broken: (i) => CORE.has(partOf(i.from)) && ['cli', 'ui'].includes(partOf(i.to)) },
  { name: 'only cli/ imports ui/', broken: (i) => partOf(i.to) === 'ui' && !['cli', 'ui'].includes(partOf(i.from)) },
  { name: 'the embedded Kafka broker (embedded-kafka/) never imports the Kafka client (kafka/)', broken: (i) => partOf(i.from) === 'embedded-kafka' && partOf(i.to) === 'kafka' },
  { name: 'the Kafka wire codec (protocol/) imports only the shared root modules: the embedded broker and the Kafka client both build on it', broken: (i) => partOf(i.from) === 'protocol' && i.to.endsWith('.ts') && !['protocol', 'root', 'util'].includes(partOf(i.to)) },
  { name: "no third-party Kafka client in src/: firehose's own (kafka/wire/) is the one (kafkajs is only a peer in tests)", broken: (i) => ['kafkajs', 'node-rdkafka', '@confluentinc/kafka-javascript', '@platformatic/kafka'].includes(i.to) },
  { name: 'the wire client (kafka/wire/) is used only inside kafka/ (local/ and the rest see firehose records)', broken: (i) => i.to.startsWith('kafka/wire/') && partOf(i.from) !== 'kafka' },
  { name: 'the Kubernetes client is imported only under cluster/', broken: (i) => i.to === '@kubernetes/client-node' && partOf(i.from) !== 'cluster' },
  { name: 'terminal libraries (chalk, ora, @inquirer/prompts) only in ui/ and cli/', broken: (i) => ['chalk', 'ora', '@inquirer/prompts'].includes(i.to) && !['ui', 'cli'].includes(partOf(i.from)) },
  { name: 'commander only in cli/', broken: (i) => ['commander', '@commander-js/extra-typings'].includes(i.to) && partOf(i.from) !== 'cli' },
  { name: 'shared root modules (errors, logger, labels, util/) import no other part', broken: (i) => ['root', 'util'].includes(partOf(i.from)) && i.to.endsWith('.ts') && !['root', 'util'].includes(partOf(i.to)) },
  { name: 'command files (cli/commands/) are leaves: what they share lives beside them in cli/', broken: (i) => i.from.startsWith('cli/commands/') && i.to.startsWith('cli/commands/') },
  { name: 'nothing reads ../shared (the project stands alone)', broken: (i) => i.to.startsWith('../') },
];

function violations(imports: Import[]): string[] {
  return RULES.flatMap((rule) => imports.filter(rule.broken).map((i) => `src/${i.from}:${i.line} imports ${i.to}: ${rule.name}`));
}

/** Files under src/ whose code (comments aside) reads process.env. */
function readersOfProcessEnv(files: Record<string, string>): string[] {
  return Object.entries(files)
    .filter(([, text]) => /\bprocess\.env\b/.test(text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')))
    .map(([file]) => file);
}

describe('the environment', () => {
  it('is read only by the CLI entry point (cli/main.ts); everything else gets it passed in (rt.env)', () => {
    const files = Object.fromEntries((fs.readdirSync(SRC, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f.split(path.sep).join('/'), fs.readFileSync(path.join(SRC, f), 'utf8')]));
    expect(readersOfProcessEnv(files)).toEqual(['cli/main.ts']);
    // Comments do not count; code does.
    expect(readersOfProcessEnv({ 'a.ts': '// nothing here reads process.env\n', 'b.ts': 'const e = process.env.HOME;\n' })).toEqual(['b.ts']);
  });
});

describe('the layering', () => {
  it('reads the imports of every file under src/', () => {
    const imports = allImports();
    expect(imports.length).toBeGreaterThan(300);
    // The reader sees the arrows that are known to exist.
    expect(imports).toContainEqual(expect.objectContaining({ from: 'cli/program.ts', to: 'cli/commands/topics.ts' }));
    expect(imports.some((i) => i.from.startsWith('kafka/') && i.to.startsWith('kafka/wire/'))).toBe(true);
  });

  it('holds: no import breaks a rule', () => {
    expect(violations(allImports())).toEqual([]);
  });

  it('would fail on a forbidden import (shown with made-up files)', () => {
    const made = [
      ...importsOf('local/new-thing.ts', "import type { KafkaMessage } from 'kafkajs';\n"),
      ...importsOf('local/other-thing.ts', "import { Fetcher } from '../kafka/wire/fetcher.js';\n"),
      ...importsOf('embedded-kafka/handlers/new.ts', "import { createKafkaClient } from '../../kafka/connect.js';\n"),
      ...importsOf('events/new.ts', "const ui = await import('../ui/output.js');\n"),
      ...importsOf('config/new.ts', "import chalk from 'chalk';\n"),
      ...importsOf('protocol/new.ts', "import { Broker } from '../embedded-kafka/broker.js';\n"),
      ...importsOf('cli/commands/new.ts', "import { applyTemplate } from './apply.js';\n"),
    ];
    expect(violations(made)).toEqual([
      'src/events/new.ts:1 imports ui/output.ts: core modules never import cli/ or ui/ (they return data; cli/ renders it)',
      'src/events/new.ts:1 imports ui/output.ts: only cli/ imports ui/',
      'src/embedded-kafka/handlers/new.ts:1 imports kafka/connect.ts: the embedded Kafka broker (embedded-kafka/) never imports the Kafka client (kafka/)',
      'src/protocol/new.ts:1 imports embedded-kafka/broker.ts: the Kafka wire codec (protocol/) imports only the shared root modules: the embedded broker and the Kafka client both build on it',
      "src/local/new-thing.ts:1 imports kafkajs: no third-party Kafka client in src/: firehose's own (kafka/wire/) is the one (kafkajs is only a peer in tests)",
      'src/local/other-thing.ts:1 imports kafka/wire/fetcher.ts: the wire client (kafka/wire/) is used only inside kafka/ (local/ and the rest see firehose records)',
      'src/config/new.ts:1 imports chalk: terminal libraries (chalk, ora, @inquirer/prompts) only in ui/ and cli/',
      'src/cli/commands/new.ts:1 imports cli/commands/apply.ts: command files (cli/commands/) are leaves: what they share lives beside them in cli/',
    ]);
  });
});
