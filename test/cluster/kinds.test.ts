import { describe, expect, it } from 'vitest';
import { byGroup, defaultApiVersion, kindInfo, kindRef } from '../../src/cluster/kinds.js';
import { installHint } from '../../src/cluster/errors.js';
import { DOCTOR_APIS } from '../../src/cluster/doctor.js';
import { listTemplates } from '../../src/templates/catalogue.js';

describe('the kinds catalogue', () => {
  it('gives the default apiVersion, core kinds without a group', () => {
    expect(defaultApiVersion('KafkaTopic')).toBe('kafka.strimzi.io/v1beta2');
    expect(defaultApiVersion('KafkaChannel')).toBe('messaging.knative.dev/v1beta1');
    expect(defaultApiVersion('ConfigMap')).toBe('v1');
    expect(kindRef('KafkaSource')).toEqual({ group: 'sources.knative.dev', kind: 'KafkaSource' });
    // Knative's Service is `Service`; the core v1 Service has its own key.
    expect(kindRef('CoreService')).toEqual({ group: '', kind: 'Service' });
    expect(kindRef('Service')).toEqual({ group: 'serving.knative.dev', kind: 'Service' });
    expect(defaultApiVersion('Deployment')).toBe('apps/v1');
    expect(kindInfo('Pod')).toBeUndefined();
    expect(kindInfo('toString')).toBeUndefined();
  });

  it('groups kinds by API group in first-seen order (doctor checks one group at a time)', () => {
    expect(byGroup(['Kafka', 'KafkaSource', 'KafkaTopic']).map((g) => [g.group, g.kinds])).toEqual([
      ['kafka.strimzi.io', ['Kafka', 'KafkaTopic']],
      ['sources.knative.dev', ['KafkaSource']],
    ]);
    expect(DOCTOR_APIS.map((a) => a.group)).toEqual(['kafka.strimzi.io', 'sources.knative.dev', 'messaging.knative.dev', 'eventing.knative.dev', 'serving.knative.dev']);
  });

  it('is what the templates and the install hints read', () => {
    for (const t of listTemplates()) expect(`${t.group ? `${t.group}/` : ''}${t.defaultVersion}`).toBe(defaultApiVersion(t.kind as never));
    expect(installHint('KafkaTopic')).toBe('install the Strimzi operator (AMQ Streams on OpenShift)');
    expect(installHint('ConfigMap')).toBe('install the operator that provides ConfigMap');
  });
});
