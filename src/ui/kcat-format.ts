/**
 * kcat's `-f` format strings for `consume --format` (-f): each record printed as
 * the string says. Tokens: %t topic, %p partition, %o offset, %T timestamp (ms), %k key,
 * %K key length, %s value, %S value length (-1 for none), %h headers (k=v,...), %% a
 * percent sign; escapes \n \r \t \\ and \0.
 */
import { UsageError } from '../errors.js';
import type { ConsumedRecord } from '../kafka/records.js';

type Part = string | ((record: ConsumedRecord) => string);

const TOKENS: Record<string, (r: ConsumedRecord) => string> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => r.offset,
  T: (r) => String(r.timestamp),
  k: (r) => r.key ?? '',
  K: (r) => (r.key === null ? '-1' : String(Buffer.byteLength(r.key))),
  s: (r) => r.value ?? '',
  S: (r) => (r.value === null ? '-1' : String(Buffer.byteLength(r.value))),
  h: (r) => Object.entries(r.headers).map(([k, v]) => `${k}=${v}`).join(','),
};

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '0': '\0' };

export function parseKcatFormat(format: string, flag = '--format'): (record: ConsumedRecord) => string {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const next = format[i + 1];
    if (c === '\\' && next !== undefined && next in ESCAPES) {
      text += ESCAPES[next];
      i++;
    } else if (c === '%') {
      if (next === '%') {
        text += '%';
      } else if (next !== undefined && next in TOKENS) {
        if (text) parts.push(text);
        text = '';
        parts.push(TOKENS[next]!);
      } else {
        throw new UsageError(
          `${flag} has an unknown token "%${next ?? ''}" in "${format}".`,
          'Tokens: %t topic, %p partition, %o offset, %T timestamp, %k key, %K key length, %s value, %S value length, %h headers, %% a percent sign; \\n, \\t escapes.',
        );
      }
      i++;
    } else {
      text += c;
    }
  }
  if (text) parts.push(text);
  return (record) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(record);
    return out;
  };
}
