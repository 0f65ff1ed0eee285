// At most `max` tasks running at once; the others wait their turn in order.

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function limiter(max: number): Limiter {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
