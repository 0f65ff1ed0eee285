/**
 * Splits a byte stream into lines, yielding every complete line that one chunk brings,
 * so a pipe is sent in batches while a slow writer (`tail -f`) is never held back.
 * Accepts \n and \r\n; a last line without a newline is kept.
 */
export async function* readLineGroups(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    if (parts.length > 0) yield parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
  rest += decoder.decode();
  if (rest.length > 0) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}
