import { UsageError } from '../../errors.js';
import type { Trigger } from './broker.js';

/**
 * `--trigger subscriber=URL|SERVICE,type=T,source=S[,name=N]`: every key but `subscriber`
 * and `name` is an exact-match attribute filter, as in a Trigger's spec.filter.attributes.
 */
export function parseTriggerFlag(text: string, index: number, resolveService: (name: string) => string | undefined): Trigger {
  const filter: Record<string, string> = {};
  let subscriber: string | undefined;
  let name = `trigger-${index + 1}`;
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) throw new UsageError(`--trigger "${text}": "${part}" is not key=value.`, 'Example: --trigger subscriber=eventinghello,type=dev.knative.kafka.event');
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 'subscriber') subscriber = value;
    else if (key === 'name') name = value;
    else filter[key] = value;
  }
  if (!subscriber) throw new UsageError(`--trigger "${text}" has no subscriber=...`, 'Give a URL or the local service name: subscriber=eventinghello');
  const url = /^https?:\/\//.test(subscriber) ? subscriber : resolveService(subscriber);
  if (!url) throw new UsageError(`--trigger "${text}": no local service named ${subscriber}.`, 'Use a URL, or the sink service (eventinghello).');
  return { name, filter, subscriber: url };
}
