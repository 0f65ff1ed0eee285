// `npm run lab` (scripts/lab.ts): the main job echoes every command exactly as it runs it,
// pasteable from the clone (bin/firehose, with the --user and the embedded broker's
// --bootstrap it really passes), and does not tell the reader to spam by hand while it spams.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { cleanEnv } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run lab', () => {
  beforeAll(() => buildCli());

  it('echoes the commands it runs in a form to paste, and runs the lab to the end', { timeout: 180_000 }, async () => {
    const lab = await execa(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/lab.ts'], {
      cwd: ROOT, env: cleanEnv({ FIREHOSE_USER: '4' }) as NodeJS.ProcessEnv, extendEnv: false, reject: false, all: true, timeout: 170_000,
    });
    expect(lab.exitCode, lab.all).toBe(0);
    const bootstrap = /embedded broker on (127\.0\.0\.1:\d+)/.exec(lab.all!)?.[1] ?? expect.fail(lab.all);
    const echoed = lab.all!.split('\n').filter((line) => line.startsWith('$ '));
    expect(echoed).toEqual([
      '$ bin/firehose up --user 4 --idle 5s --no-broker --kafka-port 0 &',
      `$ bin/firehose spam --times 10 --user 4 --bootstrap ${bootstrap}`,
      `$ bin/firehose consume --from-beginning --max-messages 10 --user 4 --bootstrap ${bootstrap}`,
      `$ bin/firehose groups --user 4 --bootstrap ${bootstrap}`,
    ]);
    expect(lab.all).not.toContain('Spam it from another terminal');
    expect(lab.all).toMatch(/Sent 10 messages to my-topic-4/);
    expect(lab.all).toMatch(/knative-group-4/);
  });
});
