// Template value helpers: the names firehose gives objects it makes up.
import { describe, expect, it } from 'vitest';
import { destination, subscriptionName } from '../../src/templates/values.js';

describe('subscriptionName', () => {
  it.each([
    ['ch', 'event-display', 'ch-event-display'],
    ['kch', 'Service/eventinghello', 'kch-eventinghello'],
    ['kch', 'https://Sink.Example:8443/x', 'kch-sink'],
    ['kch', 'svc:js-example-service:other-ns', 'kch-js-example-service'],
    ['My_Channel', 'svc', 'my-channel-svc'],
    ['c'.repeat(60), 'subscriber', `${'c'.repeat(60)}-su`],
  ])('%s + %s → %s', (channel, subscriber, name) => {
    expect(subscriptionName(channel, subscriber)).toBe(name);
  });
});

describe("kn's reference syntax for sinks and subscribers", () => {
  const ctx = { apiVersions: {} };
  it.each([
    ['ksvc:eventinghello', { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'eventinghello' }],
    ['svc:js-example-service', { apiVersion: 'v1', kind: 'Service', name: 'js-example-service' }],
    ['svc:js-example-service:js-example-service', { apiVersion: 'v1', kind: 'Service', name: 'js-example-service', namespace: 'js-example-service' }],
    ['broker:default', { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' }],
    ['channel:ch:user7', { apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name: 'ch', namespace: 'user7' }],
    ['kafkasink:my-kafka-sink', { apiVersion: 'eventing.knative.dev/v1alpha1', kind: 'KafkaSink', name: 'my-kafka-sink' }],
  ])('%s', (value, ref) => {
    expect(destination('subscriber', value, 'Service', ctx)).toEqual({ ref });
  });

  it('leaves URLs, names and Kind/name alone, and names an unknown prefix', () => {
    expect(destination('sink', 'http://x.example:8080/p', 'Service', ctx)).toEqual({ uri: 'http://x.example:8080/p' });
    expect(destination('sink', 'event-display', 'Service', ctx).ref).toMatchObject({ kind: 'Service', name: 'event-display' });
    expect(() => destination('sink', 'pod:x', 'Service', ctx)).toThrow(/--set sink="pod:x": sink takes kn's prefix:name\[:namespace\] with prefix one of ksvc, svc, broker, channel, kafkasink/);
  });
});
