// readLineGroups: how a byte stream (any chunking) becomes batches of lines.
import { describe, expect, it } from 'vitest';
import { readLineGroups } from '../../src/util/lines.js';
import { PassThrough } from 'node:stream';
import { waitFor } from '../support/wait.js';

async function* chunks(...parts: Array<Buffer | string>): AsyncGenerator<Buffer | string> {
  for (const part of parts) yield part;
}

async function groups(...parts: Array<Buffer | string>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const group of readLineGroups(chunks(...parts))) out.push(group);
  return out;
}

/** Every way to cut `bytes` in two, and byte-by-byte, must give the same lines. */
async function linesForEverySplit(bytes: Buffer): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let at = 0; at <= bytes.length; at++) {
    seen.add(JSON.stringify((await groups(bytes.subarray(0, at), bytes.subarray(at))).flat()));
  }
  seen.add(JSON.stringify((await groups(...[...bytes].map((b) => Buffer.from([b])))).flat()));
  return seen;
}

describe('readLineGroups', () => {
  it('yields the complete lines of each chunk as one group', async () => {
    expect(await groups(Buffer.from('a\nb\nc\n'), Buffer.from('d\n'))).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('joins a line split across chunks, and yields nothing for a chunk without a newline', async () => {
    expect(await groups(Buffer.from('hel'), Buffer.from('lo wo'), Buffer.from('rld\nnext'), Buffer.from('\n'))).toEqual([['hello world'], ['next']]);
  });

  it('keeps a last line without a newline', async () => {
    expect(await groups(Buffer.from('a\nlast'))).toEqual([['a'], ['last']]);
    expect(await groups(Buffer.from('only'))).toEqual([['only']]);
  });

  it('accepts CRLF, also when \\r and \\n arrive in different chunks', async () => {
    expect(await groups(Buffer.from('a\r\nb\r\n'))).toEqual([['a', 'b']]);
    expect(await groups(Buffer.from('a\r'), Buffer.from('\nb\r\n'))).toEqual([['a', 'b']]);
    expect(await groups(Buffer.from('a\r\nlast\r'))).toEqual([['a'], ['last']]);
  });

  it('keeps a \\r inside a line', async () => {
    expect(await groups(Buffer.from('a\rb\n'))).toEqual([['a\rb']]);
  });

  it('keeps empty lines, but adds none after a final newline', async () => {
    expect(await groups(Buffer.from('a\n\nb\n\n'))).toEqual([['a', '', 'b', '']]);
    expect(await groups(Buffer.from('\n'))).toEqual([['']]);
  });

  it('yields nothing for empty input', async () => {
    expect(await groups()).toEqual([]);
    expect(await groups(Buffer.alloc(0))).toEqual([]);
  });

  it('decodes a multibyte UTF-8 character split across chunks', async () => {
    const euro = Buffer.from('€', 'utf8'); // e2 82 ac
    expect(await groups(Buffer.concat([Buffer.from('price: '), euro.subarray(0, 1)]), euro.subarray(1, 2), Buffer.concat([euro.subarray(2), Buffer.from('5\n')]))).toEqual([['price: €5']]);
  });

  it('gives the same lines however the bytes are cut (emoji, umlauts, CRLF, no final newline)', async () => {
    const text = 'grüße 👋\r\nzweite Zeile ✓\n\nlast 🚀';
    const expected = JSON.stringify(['grüße 👋', 'zweite Zeile ✓', '', 'last 🚀']);
    expect([...(await linesForEverySplit(Buffer.from(text, 'utf8')))]).toEqual([expected]);
  });

  it('accepts string chunks', async () => {
    expect(await groups('a\nb', 'c\n')).toEqual([['a'], ['bc']]);
  });

  it('a character cut at the very end of the input is replaced, not dropped silently', async () => {
    const euro = Buffer.from('€', 'utf8');
    expect(await groups(Buffer.concat([Buffer.from('x'), euro.subarray(0, 2)]))).toEqual([['x\uFFFD']]);
  });
});

describe('readLineGroups with a signal', () => {
  it('ends at once when the signal aborts while the source is still waiting for input', async () => {
    const source = new PassThrough();
    const controller = new AbortController();
    const groups: string[][] = [];
    const reading = (async () => { for await (const group of readLineGroups(source, controller.signal)) groups.push(group); })();
    source.write('a\nb\n');
    await waitFor(() => groups.length === 1, { timeoutMs: 5_000, what: 'the first lines' });
    controller.abort();
    await reading;
    expect(groups).toEqual([['a', 'b']]);
    expect(source.destroyed).toBe(true);
  });
});
