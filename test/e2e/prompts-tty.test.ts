// Ctrl-C at one of firehose's questions (the user number, `init`, a password) on a real
// terminal: a clean stop with exit 130, nothing alarming printed.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { startOnTerminal } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

beforeAll(async () => {
  await buildCli();
});

async function interruptAt(argv: string[], question: string): Promise<string> {
  const terminal = startOnTerminal(argv);
  await waitFor(() => terminal.screen.includes(question), { timeoutMs: 20_000, what: `the question "${question}"` });
  terminal.type('\x03');
  const result = await terminal.exit;
  expect(result.exitCode, terminal.screen).toBe(130);
  expect(terminal.screen).not.toMatch(/internal error|please report|force closed/i);
  return terminal.screen;
}

describe('Ctrl-C at a prompt', () => {
  it('at the user-number question (no user known yet)', { timeout: 30_000 }, async () => {
    await interruptAt(['spam', '--times', '1', '--bootstrap', '127.0.0.1:1'], 'Your user number');
  });

  it("at init's first question", { timeout: 30_000 }, async () => {
    await interruptAt(['init'], 'Your user number');
  });

  it('at the SASL password question', { timeout: 30_000 }, async () => {
    await interruptAt(['topics', '--bootstrap', '127.0.0.1:1', '--sasl-mechanism', 'plain', '--sasl-username', 'alice'], 'assword');
  });
});
