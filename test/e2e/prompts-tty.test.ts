// Ctrl-C at one of firehose's questions (the user number, `init`, a password) on a real
// terminal: a clean stop with exit 130, nothing alarming printed.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startOnTerminal } from '../support/cli.js';
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

describe('the user-number question', () => {
  it('offers to remember the answer; the next command does not ask again', { timeout: 60_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'firehose-remember-'));
    const config = join(home, 'config.yaml');
    try {
      const first = startOnTerminal(['spam', '--times', '1', '--bootstrap', '127.0.0.1:1', '--connect-timeout', '1s'], { env: { FIREHOSE_CONFIG: config } });
      await waitFor(() => first.screen.includes('Your user number'), { timeoutMs: 20_000, what: 'the user-number question' });
      first.type('7\r');
      await waitFor(() => first.screen.includes(`Remember user 7 in ${config}?`), { timeoutMs: 20_000, what: 'the offer to remember' });
      first.type('\r'); // the default: yes
      await first.exit;
      expect(first.screen).toContain(`Saved user 7 to ${config}`);
      expect(readFileSync(config, 'utf8')).toMatch(/^user: 7$/m);
      // Not a terminal now: without the saved number this would fail with USER_UNKNOWN.
      const second = await runCli(['config', 'view', '--output', 'json'], { env: { FIREHOSE_CONFIG: config } });
      expect(second.code, second.stderr).toBe(0);
      expect(JSON.parse(second.stdout).user).toEqual({ number: 7, source: 'config' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
