/** Exit codes: 1 for a runtime failure, 2 for bad usage (commander's convention too). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface FirehoseErrorOptions {
  /** The next step for the user, printed on its own line after the message. */
  hint?: string;
  /** Underlying error, shown with --verbose. */
  cause?: unknown;
  exitCode?: number;
}

/**
 * The one error type core modules throw for anything the user can act on.
 * `code` is stable and machine-readable (it appears in `--output json` errors).
 */
export class FirehoseError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options: FirehoseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FirehoseError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/** Bad flags or arguments: exit code 2. */
export class UsageError extends FirehoseError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { hint, exitCode: EXIT_USAGE });
    this.name = 'UsageError';
  }
}

export function isFirehoseError(error: unknown): error is FirehoseError {
  return error instanceof FirehoseError;
}
