/**
 * How Knative's KafkaSource turns a Kafka record into a CloudEvent (read from the
 * eventing-kafka-broker dispatcher; see README "Events"): records that already are
 * CloudEvents pass through, everything else gets Knative's synthetic attributes.
 */
import type { RawRecord } from '../kafka/batches.js';
import { cloudEventFromJson, type CloudEvent } from './cloudevent.js';
import { CLOUDEVENTS_JSON } from './validate-cloudevent.js';

/** The KafkaSource the events are attributed to. */
export interface KafkaSourceIdentity {
  namespace: string;
  name: string;
}

function text(value: Buffer | string | undefined): string | undefined {
  return value === undefined ? undefined : value.toString();
}

function headerNamed(record: RawRecord, name: string): string | undefined {
  const found = Object.keys(record.headers).find((h) => h.toLowerCase() === name);
  return found === undefined ? undefined : text(record.headers[found]);
}

/** Knative's extension name for a record header: `kafkaheader` + lower-case alphanumerics. */
export function headerExtensionName(header: string): string {
  return `kafkaheader${header.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

function fromBinary(record: RawRecord): CloudEvent | undefined {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (name.toLowerCase().startsWith('ce_') && value !== undefined) attributes[name.slice(3).toLowerCase()] = value.toString();
  }
  if (!attributes.specversion) return undefined;
  const contentType = headerNamed(record, 'content-type');
  if (contentType !== undefined) attributes.datacontenttype = contentType;
  return { attributes, data: record.value };
}

function fromStructured(record: RawRecord): CloudEvent | undefined {
  const contentType = headerNamed(record, 'content-type');
  if (!contentType?.toLowerCase().startsWith(CLOUDEVENTS_JSON) || !record.value) return undefined;
  return cloudEventFromJson(JSON.parse(record.value.toString('utf8')) as Record<string, unknown>);
}

/** Knative's rules for a record that is not a CloudEvent yet. */
function synthesize(record: RawRecord, source: KafkaSourceIdentity): CloudEvent {
  const attributes: Record<string, string> = {
    specversion: '1.0',
    id: `partition:${record.partition}/offset:${record.offset}`,
    source: `/apis/v1/namespaces/${source.namespace}/kafkasources/${source.name}#${record.topic}`,
    type: 'dev.knative.kafka.event',
    subject: `partition:${record.partition}#${record.offset}`,
    time: new Date(record.timestamp).toISOString(),
  };
  for (const [name, value] of Object.entries(record.headers)) {
    if (value === undefined) continue;
    if (name.toLowerCase() === 'content-type') attributes.datacontenttype = value.toString();
    else attributes[headerExtensionName(name)] = value.toString();
  }
  if (record.key) {
    attributes.key = record.key.toString('utf8');
    attributes.partitionkey = attributes.key;
  }
  return { attributes, data: record.value };
}

export function recordToCloudEvent(record: RawRecord, source: KafkaSourceIdentity): CloudEvent {
  return fromBinary(record) ?? fromStructured(record) ?? synthesize(record, source);
}
