// The shell completion scripts: generated from the command tree, and working in a real bash.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashCompletion } from '../../src/cli/commands/completion.js';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../support/cli.js';

const exec = promisify(execFile);
const program = buildProgram() as unknown as CommandUnknownOpts;
const topLevel = program.commands.map((c) => c.name());

let dir: string;
let scriptFile: string;
let script: string;

beforeAll(async () => {
  const result = await runCli(['completion', 'bash']);
  expect(result.code).toBe(0);
  script = result.stdout;
  dir = await mkdtemp(join(tmpdir(), 'firehose-completion-'));
  scriptFile = join(dir, 'firehose.bash');
  await writeFile(scriptFile, script);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Sources the script in a clean bash, completes `line` (the cursor at its end), returns COMPREPLY. */
async function complete(line: string): Promise<string[]> {
  const words = line.split(' ');
  const program = [
    'set -u',
    `source ${JSON.stringify(scriptFile)}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${JSON.stringify(line)}`,
    `COMP_POINT=${line.length}`,
    '_firehose',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await exec('bash', ['--noprofile', '--norc', '-c', program], { env: { PATH: process.env.PATH } });
  return stdout.split('\n').filter(Boolean);
}

describe('firehose completion bash', () => {
  it('names every top-level command and registers with complete -F', () => {
    expect(topLevel).toEqual(expect.arrayContaining(['create-topic', 'spam', 'consume', 'groups', 'topics', 'completion']));
    for (const name of topLevel) expect(script).toContain(name);
    expect(script).toMatch(/^complete -F _firehose firehose$/m);
  });

  it('is what bashCompletion() builds from the program', () => {
    expect(script).toBe(`${bashCompletion(program)}\n`);
  });

  it('is valid bash', async () => {
    await exec('bash', ['-n', scriptFile]);
  });

  it.each([
    ['firehose gr', ['groups']],
    ['firehose c', ['consume', 'completion', 'config', 'create-topic']],
    ['firehose groups ', ['describe', 'list', 'reset-offsets']],
    ['firehose groups d', ['describe']],
    ['firehose topics de', ['describe']],
    ['firehose --user 3 groups re', ['reset-offsets']],
    ['firehose spam --ti', ['--times']],
    ['firehose spam --us', ['--user']],
    ['firehose groups reset-offsets lab --ex', ['--execute']],
    ['firehose --verb', ['--verbose']],
    ['firehose kafka ', ['start', 'ca']],
    ['firehose up --kafka-', ['--kafka-port', '--kafka-data-dir']],
  ])('%j → %j', async (line, expected) => {
    const reply = await complete(line);
    expect(reply).toEqual(expect.arrayContaining(expected));
    if (!line.endsWith(' ')) expect(reply.every((word) => word.startsWith(line.split(' ').pop()!))).toBe(true);
  });

  it('offers every top-level command after `firehose `', async () => {
    expect(await complete('firehose ')).toEqual(expect.arrayContaining(topLevel));
  });

  it('does not offer hidden old names (broker start, up --data-dir)', async () => {
    expect(await complete('firehose broker ')).toContain('create');
    expect(await complete('firehose broker ')).not.toContain('start');
    expect(await complete('firehose up --d')).not.toContain('--data-dir');
  });

  it('offers nothing for a word that matches nothing', async () => {
    expect(await complete('firehose zzz')).toEqual([]);
  });

  it('zsh wraps the same script with bashcompinit', async () => {
    const result = await runCli(['completion', 'zsh']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^#compdef firehose\n/);
    expect(result.stdout).toContain('bashcompinit');
    expect(result.stdout).toContain(script.trimEnd());
  });

  it('another shell is a usage error', async () => {
    const result = await runCli(['completion', 'fish']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('completion supports bash and zsh, not "fish".');
  });
});
