import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

interface Node { name(): string; commands: readonly Node[]; outputHelp(): void; configureOutput(o: object): void }

function allCommands(command: Node, path: string[] = ['firehose']): Array<[string, Node]> {
  return [[path.join(' '), command], ...command.commands.flatMap((c) => allCommands(c, [...path, c.name()]))];
}

function helpOf(command: Node): string {
  let text = '';
  command.configureOutput({ writeOut: (s: string) => { text += s; }, writeErr: (s: string) => { text += s; } });
  command.outputHelp();
  return text;
}

const tree = (await buildProgram()) as unknown as Node;

describe('--help', () => {
  it.each(allCommands(tree))('%s shows at least one example', (_path, command) => {
    expect(helpOf(command)).toMatch(/\nExamples:\n {2}\$ .*firehose /);
  });

  it.each(allCommands(tree).slice(1))('%s lists the global flags too', (_path, command) => {
    const text = helpOf(command);
    expect(text).toMatch(/\nGlobal Options:\n/);
    for (const flag of ['--bootstrap', '--user', '--output', '--verbose']) expect(text).toContain(flag);
  });
});
