// Polling for a condition with a deadline: tests synchronise on state, never on fixed sleeps.

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** What we are waiting for, for the timeout message ("group X to be Empty"). */
  what: string;
  /** Pause between polls. Default 100 ms. */
  intervalMs?: number;
}

/**
 * Calls `predicate` until it returns a truthy value (which is returned) or the
 * deadline passes. Errors thrown by `predicate` count as "not yet"; the last one
 * is quoted in the timeout error.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError !== undefined ? `last error: ${(lastError as Error)?.message ?? String(lastError)}` : `last value: ${String(lastValue)}`;
      throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${options.what} (${detail})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
