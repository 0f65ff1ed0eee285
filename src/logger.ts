/**
 * How core modules report what is going on without printing: cli/ hands in an
 * implementation from ui/ (stderr, quiet unless --verbose for debug).
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };

/** Asks for a secret (no echo) on a TTY; absent in non-interactive shells. */
export type AskSecret = (question: string) => Promise<string>;
