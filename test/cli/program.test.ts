// The command tree built for one run: only the command argv names is loaded, and the
// root's help from the build's manifest reads exactly as the whole tree's; the built CLI
// ships the manifest and prints that same help.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandManifest, commandNameOf, programFor } from '../../src/cli/program.js';
import { buildCli } from '../support/build.js';
import { BIN, cleanEnv } from '../support/cli.js';

type Tree = Awaited<ReturnType<typeof buildProgram>>;

function helpOf(program: Tree): string {
  let text = '';
  program.configureOutput({ writeOut: (s) => { text += s; }, writeErr: (s) => { text += s; } });
  program.outputHelp();
  return text;
}

describe('commandNameOf', () => {
  it.each([
    [['spam', '--times', '3'], 'spam'],
    [['-b', 'localhost:9092', 'consume'], 'consume'],
    [['--bootstrap=localhost:9092', '--verbose', 'groups', 'list'], 'groups'],
    [['-o', 'json', 'topics'], 'topics'],
    [['--user', '7', '-n', 'user7', 'trigger', 'list'], 'trigger'],
    [['help', 'spam'], 'spam'],
    [['--verbose', 'help'], undefined],
    [['--help'], undefined],
    [[], undefined],
    [['spma'], 'spma'],
  ])('%j names %s', (argv, name) => {
    expect(commandNameOf(argv)).toBe(name);
  });
});

describe('programFor', () => {
  it('loads only the command argv names', async () => {
    const program = await programFor(['spam', '--times', '3'], []);
    expect(program.commands.map((c) => c.name())).toEqual(['spam']);
    expect(program.commands[0]!.options.some((o) => o.long === '--times')).toBe(true);
  });

  it('gives completion the whole tree, which it walks', async () => {
    const program = await programFor(['completion', 'bash'], []);
    expect(program.commands.map((c) => c.name())).toEqual((await buildProgram()).commands.map((c) => c.name()));
  });

  it("prints the root's help from the manifest exactly as from the whole tree", async () => {
    const whole = await buildProgram();
    const fromManifest = await programFor(['--help'], commandManifest(whole));
    expect(fromManifest.commands.every((c) => c.options.length === 0)).toBe(true);
    expect(helpOf(fromManifest)).toBe(helpOf(whole));
    expect(helpOf(whole)).toContain('create-topic [options] [name]');
  });

  it('without a manifest (running from source) builds the whole tree', async () => {
    const program = await programFor(['--help'], undefined);
    expect(program.commands.length).toBe((await buildProgram()).commands.length);
    expect(program.commands.find((c) => c.name() === 'spam')!.options.length).toBeGreaterThan(0);
  });
});

describe('the built CLI', () => {
  it('prints the same root help, and still suggests a command for a typo', async () => {
    await buildCli();
    const env = cleanEnv();
    const help = await execa('node', [BIN, '--help'], { env, extendEnv: false });
    expect(help.stdout + '\n').toBe(helpOf(await buildProgram()));
    const typo = await execa('node', [BIN, 'spma'], { env, extendEnv: false, reject: false });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'spma'[\s\S]*Did you mean spam\?/);
  }, 120_000);
});
