import { untilAborted } from './deadline.js';

/**
 * Iterates `source` until it ends or `signal` aborts: Ctrl-C while waiting for input ends the
 * iteration at once instead of at the next chunk, and a stream source (stdin) is destroyed.
 */
export async function* untilAbortedIterable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const aborted = untilAborted(signal).then(() => ({ done: true, value: undefined }) as IteratorReturnResult<undefined>);
  let finished = false;
  try {
    while (!signal.aborted) {
      const pending = iterator.next();
      const next = await Promise.race([pending, aborted]);
      if (!next.done) {
        yield next.value;
        continue;
      }
      finished = !signal.aborted;
      if (!finished) pending.catch(() => undefined);
      return;
    }
  } finally {
    if (!finished) {
      // A pending read would hold return() back: close a stream directly.
      const stream = source as unknown as { destroy?: () => void };
      if (typeof stream.destroy === 'function') stream.destroy();
      else void iterator.return?.()?.catch?.(() => undefined);
    }
  }
}

/**
 * Splits a byte stream into lines, yielding every complete line that one chunk brings,
 * so a pipe is sent in batches while a slow writer (`tail -f`) is never held back.
 * Accepts \n and \r\n; a last line without a newline is kept.
 */
export async function* readLineGroups(stream: AsyncIterable<Buffer | string>, signal?: AbortSignal): AsyncGenerator<string[]> {
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of signal ? untilAbortedIterable(stream, signal) : stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    if (parts.length > 0) yield parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
  rest += decoder.decode();
  if (rest.length > 0) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}
