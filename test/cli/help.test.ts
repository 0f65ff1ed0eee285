import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

interface Node { name(): string; commands: readonly Node[]; outputHelp(): void; configureOutput(o: object): void }

function allCommands(command: Node, path: string[] = ['firehose']): Array<[string, Node]> {
  return [[path.join(' '), command], ...command.commands.flatMap((c) => allCommands(c, [...path, c.name()]))];
}

describe('--help', () => {
  it.each(allCommands(buildProgram() as unknown as Node))('%s shows at least one example', (_path, command) => {
    let text = '';
    command.configureOutput({ writeOut: (s: string) => { text += s; }, writeErr: (s: string) => { text += s; } });
    command.outputHelp();
    expect(text).toMatch(/\nExamples:\n {2}\$ .*firehose /);
  });
});
