// Template value helpers: the names firehose gives objects it makes up.
import { describe, expect, it } from 'vitest';
import { subscriptionName } from '../../src/templates/values.js';

describe('subscriptionName', () => {
  it.each([
    ['ch', 'event-display', 'ch-event-display'],
    ['kch', 'Service/eventinghello', 'kch-eventinghello'],
    ['kch', 'https://Sink.Example:8443/x', 'kch-sink'],
    ['My_Channel', 'svc', 'my-channel-svc'],
    ['c'.repeat(60), 'subscriber', `${'c'.repeat(60)}-su`],
  ])('%s + %s → %s', (channel, subscriber, name) => {
    expect(subscriptionName(channel, subscriber)).toBe(name);
  });
});
