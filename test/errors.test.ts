// The one error type: codes are a closed union (src/errors.ts), bad input is a UsageError
// (exit 2), and nothing under src/ sets an exit code by hand.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, FirehoseError, UsageError, withCause } from '../src/errors.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sources(): Array<{ file: string; text: string }> {
  return (fs.readdirSync(SRC, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: f.split(path.sep).join('/'), text: fs.readFileSync(path.join(SRC, f), 'utf8') }));
}

describe('FirehoseError and UsageError', () => {
  it('UsageError exits 2 with its own code, USAGE when none is given', () => {
    const plain = new UsageError('--times must be a positive integer, not "x".', 'Pass --times 1000.');
    expect(plain).toBeInstanceOf(FirehoseError);
    expect([plain.code, plain.exitCode, plain.hint]).toEqual(['USAGE', EXIT_USAGE, 'Pass --times 1000.']);
    const coded = new UsageError('No user number is set.', undefined, { code: 'USER_UNKNOWN' });
    expect([coded.code, coded.exitCode]).toEqual(['USER_UNKNOWN', EXIT_USAGE]);
  });

  it('a FirehoseError exits 1', () => {
    expect(new FirehoseError('KAFKA_UNREACHABLE', 'no broker').exitCode).toBe(EXIT_FAILURE);
  });

  it('withCause keeps the class, the code and the hint, and takes the new cause', () => {
    const cause = new Error('root');
    const usage = withCause(new UsageError('bad topic', 'rename it', { code: 'TOPIC_INVALID' }), cause);
    expect(usage).toBeInstanceOf(UsageError);
    expect([usage.code, usage.hint, usage.exitCode, usage.cause]).toEqual(['TOPIC_INVALID', 'rename it', EXIT_USAGE, cause]);
    const runtime = withCause(new FirehoseError('KAFKA_STORAGE', 'disk full', { hint: 'free space' }), cause);
    expect(runtime).not.toBeInstanceOf(UsageError);
    expect([runtime.code, runtime.hint, runtime.exitCode, runtime.cause]).toEqual(['KAFKA_STORAGE', 'free space', EXIT_FAILURE, cause]);
  });
});

describe('exit codes are set in one place', () => {
  it('no module under src/ passes exitCode 2 by hand (bad input throws UsageError)', () => {
    const found = sources().flatMap(({ file, text }) =>
      [...text.matchAll(/exitCode:\s*(2|EXIT_USAGE)\b/g)].map((m) => `src/${file}:${text.slice(0, m.index).split('\n').length}`),
    );
    // errors.ts itself is where UsageError sets it.
    expect(found.filter((where) => !where.startsWith('src/errors.ts:'))).toEqual([]);
  });
});
