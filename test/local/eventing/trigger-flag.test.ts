import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseTriggerFlag } from '../../../src/local/eventing/trigger-flag.js';

const services = (name: string) => (name === 'eventinghello' ? 'http://127.0.0.1:1234/' : undefined);

describe('--trigger subscriber=...,k=v', () => {
  it('turns every other key into an exact filter and resolves the local service', () => {
    expect(parseTriggerFlag('subscriber=eventinghello,type=dev.x,source=/s', 0, services)).toEqual({
      name: 'trigger-1', filter: { type: 'dev.x', source: '/s' }, subscriber: 'http://127.0.0.1:1234/',
    });
    expect(parseTriggerFlag('name=wasm,subscriber=http://h:9/p,type=t', 4, services)).toEqual({ name: 'wasm', filter: { type: 't' }, subscriber: 'http://h:9/p' });
  });

  it.each([
    ['type=x', /no subscriber/],
    ['subscriber=nosuch,type=x', /no local service named nosuch/],
    ['subscriber=eventinghello,junk', /"junk" is not key=value/],
  ])('%s is a usage error', (text, message) => {
    expect(() => parseTriggerFlag(text, 0, services)).toThrow(UsageError);
    expect(() => parseTriggerFlag(text, 0, services)).toThrow(message);
  });
});
