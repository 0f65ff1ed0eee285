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
import { fileURLToPath } from 'node:url';
import { buildCli } from '../support/build.js';
import { runCli } from '../support/cli.js';
import { expectOk, firehose, newTopic } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';

const exec = promisify(execFile);
const program = (await buildProgram()) as unknown as CommandUnknownOpts;
const topLevel = program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());

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
async function complete(line: string, env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): Promise<string[]> {
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
  const { stdout } = await exec('bash', ['--noprofile', '--norc', '-c', program], { env });
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

describe('completion of topic and group names (asking the broker)', () => {
  const bin = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin');

  /** As complete(), with bin/firehose (the built CLI) on PATH for the script to call. */
  const completeWithBroker = (line: string) => complete(line, { PATH: `${bin}:${process.env.PATH}`, HOME: '/nonexistent-firehose-home', FIREHOSE_CONFIG: '/nonexistent/firehose.yaml' });

  beforeAll(() => buildCli(), 120_000);

  it('offers the topics after consume, -t and topics describe, and the groups after groups describe and -g', async () => {
    const bootstrap = kafkaFromTests().bootstrap;
    const topic = await newTopic('complete-me', 1);
    const group = uniqueName('complete-group');
    expectOk(await firehose(['produce', topic], { stdin: 'x\n' }));
    expectOk(await firehose(['consume', topic, '--group', group, '--from-beginning', '--max-messages', '1']));
    const prefix = topic.slice(0, -3);
    expect(await completeWithBroker(`firehose consume -b ${bootstrap} ${prefix}`)).toContain(topic);
    expect(await completeWithBroker(`firehose -b ${bootstrap} topics describe ${prefix}`)).toContain(topic);
    expect(await completeWithBroker(`firehose spam --bootstrap ${bootstrap} -t ${prefix}`)).toEqual([topic]);
    expect(await completeWithBroker(`firehose groups describe -b ${bootstrap} ${group.slice(0, -2)}`)).toEqual([group]);
    expect(await completeWithBroker(`firehose consume -b ${bootstrap} -g ${group.slice(0, -2)}`)).toEqual([group]);
    // A flag's value is not a topic; flags are still offered.
    expect(await completeWithBroker(`firehose consume -b ${bootstrap} --from`)).toEqual(['--from-beginning']);
  });

  it('offers nothing, quietly, when the broker cannot be reached', async () => {
    expect(await completeWithBroker('firehose consume -b 127.0.0.1:1 my')).toEqual([]);
    const direct = await runCli(['__complete', 'topics', '-b', '127.0.0.1:1']);
    expect(direct).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
