// Every request and response schema the embedded broker serves, at every version,
// round-tripped with large generated values: thousands of array items, long
// strings and byte fields on both sides of the writer's by-reference threshold.
// Answers over the writer's 16 KiB scratch buffer once went out with unwritten
// memory in them; these tests would have caught it. Each decoded body is also
// checked against the type the handlers see (Decoded<>, from the same schema).
import { describe, expect, expectTypeOf, it } from 'vitest';
import { SERVED_APIS } from '../../src/embedded-kafka/apis.js';
import type { RequestBody, ResponseBody } from '../../src/embedded-kafka/handlers/context.js';
import { API_KEY, apiByKey, apiNamed } from '../../src/protocol/api-keys.js';
import { encodeResponse } from '../../src/protocol/frame.js';
import { Reader } from '../../src/protocol/reader.js';
import { decodeMessage, encodeMessage, inRange, type Decoded, type FieldSpec, type Message, type MessageSpec, type Primitive, type PrimitiveValues } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';
import { MessageGenerator, type Shape } from '../support/protocol-generator.js';

/** The fields a version carries, as decoded (Buffers copied out of the frame for comparison). */
function project(fields: FieldSpec[], version: number, flexible: boolean, message: Message): Message {
  const out: Message = {};
  for (const field of fields) {
    if (!inRange(version, field.versions)) continue;
    if (field.tag !== undefined && !flexible) continue;
    const value = message[field.name];
    out[field.name] = field.array && Array.isArray(value) ? value.map((item) => projectValue(field, version, flexible, item)) : projectValue(field, version, flexible, value);
  }
  return out;
}

function projectValue(field: FieldSpec, version: number, flexible: boolean, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(field.type)) return project(field.type, version, flexible, value as Message);
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return value;
}

function roundTrip(spec: MessageSpec, version: number, message: Message): { bytes: Buffer; decoded: Message } {
  const writer = new Writer();
  encodeMessage(writer, spec, version, message);
  const bytes = writer.toBuffer();
  expect(bytes.length).toBe(writer.length);
  const reader = new Reader(bytes);
  const decoded = decodeMessage(reader, spec, version);
  expect(reader.remaining).toBe(0);
  return { bytes, decoded };
}

/**
 * What each primitive decodes to. Typed by PrimitiveValues, the table the body types
 * are derived from: change a body type and this stops compiling; change the decoder
 * and typedShapeErrors() below fails.
 */
const IS: { [P in Primitive]: (value: unknown) => value is PrimitiveValues[P] } = {
  int8: (v): v is number => Number.isInteger(v),
  int16: (v): v is number => Number.isInteger(v),
  uint16: (v): v is number => Number.isInteger(v),
  int32: (v): v is number => Number.isInteger(v),
  int64: (v): v is bigint => typeof v === 'bigint',
  float64: (v): v is number => typeof v === 'number',
  bool: (v): v is boolean => typeof v === 'boolean',
  string: (v): v is string => typeof v === 'string',
  uuid: (v): v is string => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v),
  bytes: (v): v is Buffer => Buffer.isBuffer(v),
  records: (v): v is Buffer => Buffer.isBuffer(v),
};

/**
 * Where a decoded body is not of the type Decoded<> gives it: each field of the
 * schema present and no other, null only where the field is nullable or null by
 * default (NullIn in schema.ts), values of their primitive's type.
 */
function typedShapeErrors(fields: FieldSpec[], body: Message, path = ''): string[] {
  const errors: string[] = [];
  const names = fields.map((field) => field.name);
  for (const key of Object.keys(body)) if (!names.includes(key)) errors.push(`${path}${key}: not in the schema`);
  for (const field of fields) {
    const at = `${path}${field.name}`;
    const value: unknown = body[field.name];
    const mayBeNull = field.nullableVersions !== undefined || field.default === null || (!field.array && Array.isArray(field.type));
    if (value === null) {
      if (!mayBeNull) errors.push(`${at}: null, but its type says it is never null`);
      continue;
    }
    if (field.array && !Array.isArray(value)) {
      errors.push(`${at}: not an array`);
      continue;
    }
    (field.array ? (value as unknown[]) : [value]).forEach((item, i) => {
      const itemAt = field.array ? `${at}[${i}]` : at;
      if (Array.isArray(field.type)) errors.push(...typedShapeErrors(field.type, item as Message, `${itemAt}.`));
      else if (!IS[field.type](item)) errors.push(`${itemAt}: ${typeof item} ${String(item)} is not ${field.type}`);
    });
  }
  return errors;
}

const SHAPES: Record<string, Shape> = {
  // Thousands of top-level items (topics, groups, members) with a few nested ones each.
  wide: { arrayItems: [2000, 2, 1], maxString: 300, maxBytes: 3000 },
  // Thousands of nested items (partitions of a few topics).
  deep: { arrayItems: [2, 2000, 1], maxString: 100, maxBytes: 600 },
  // Few items with long strings (up to 30,000 UTF-8 bytes: a plain string's length is an int16) and big byte fields.
  long: { arrayItems: [4, 3, 2], maxString: 10_000, maxBytes: 70_000 },
};

describe('every schema at every version, large values', () => {
  for (const api of SERVED_APIS) {
    it(`${api.name} v${api.minVersion}-v${api.maxVersion}: requests and responses round-trip exactly`, () => {
      for (let version = api.minVersion; version <= api.maxVersion; version++) {
        for (const [side, spec] of [['request', api.request], ['response', api.response]] as const) {
          for (const [name, shape] of Object.entries(SHAPES)) {
            const seed = api.key * 1000 + version * 10 + (side === 'request' ? 0 : 5) + name.length;
            const message = new MessageGenerator(seed, shape).message(spec, version);
            const flexible = version >= spec.flexibleFrom;
            const { bytes, decoded } = roundTrip(spec, version, message);
            expect(project(spec.fields, version, flexible, decoded), `${api.name} v${version} ${side} (${name}, seed ${seed})`).toEqual(project(spec.fields, version, flexible, message));
            // Encoding what was decoded gives the same bytes.
            const again = new Writer();
            encodeMessage(again, spec, version, decoded);
            expect(again.toBuffer().equals(bytes), `${api.name} v${version} ${side} (${name}) re-encodes the same`).toBe(true);
            expect(typedShapeErrors(spec.fields, decoded), `${api.name} v${version} ${side} (${name}) decodes to its type`).toEqual([]);
          }
        }
      }
    });
  }
});

describe('the writer across its scratch buffer', () => {
  it('writes each primitive at every offset around the 16 KiB boundary', () => {
    // A prefix of n bytes puts the next value at every position across the boundary.
    for (let n = 16 * 1024 - 12; n <= 16 * 1024 + 2; n++) {
      const writer = new Writer().raw(Buffer.alloc(n % 1024, 1));
      for (let i = 0; i < Math.floor(n / 1023); i++) writer.raw(Buffer.alloc(1023, 2));
      const prefix = writer.length;
      writer.int8(-5).int16(-300).uint16(65000).int32(-123456789).uint32(4000000000).int64(-(2n ** 62n)).float64(1.5).uvarint(300).varint(-70000).uuid('0123456789abcdef0123456789abcdef').compactString('héllo').raw(Buffer.from('tail'));
      const reader = new Reader(writer.toBuffer());
      reader.raw(prefix);
      expect([reader.int8(), reader.int16(), reader.uint16(), reader.int32(), reader.uint32(), reader.int64(), reader.float64(), reader.uvarint(), reader.varint(), reader.uuid(), reader.compactString(), reader.raw(4).toString()], `prefix ${prefix}`).toEqual([
        -5, -300, 65000, -123456789, 4000000000, -(2n ** 62n), 1.5, 300, -70000, '0123456789abcdef0123456789abcdef', 'héllo', 'tail',
      ]);
      expect(reader.remaining).toBe(0);
    }
  });

  it('a Metadata answer with 1000 topics and 1000 partitions carries its own size and correlation id', () => {
    const api = apiByKey(API_KEY.Metadata)!;
    const partitions = Array.from({ length: 1000 }, (_, p) => ({ errorCode: 0, partitionIndex: p, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] }));
    const topics = Array.from({ length: 1000 }, (_, t) => ({ errorCode: 0, name: `topic-${t}`, topicId: '0'.repeat(32), isInternal: false, partitions: t === 0 ? partitions : partitions.slice(0, 1), topicAuthorizedOperations: -2147483648 }));
    const body = { throttleTimeMs: 0, brokers: [{ nodeId: 0, host: '127.0.0.1', port: 9092, rack: null }], clusterName: null, clusterId: 'c', controllerId: 0, topics, clusterAuthorizedOperations: -2147483648 };
    for (const version of [0, 1, 9, 12]) {
      const frame = Buffer.concat(encodeResponse(api, version, 0x5eed, body));
      expect(frame.readInt32BE(0)).toBe(frame.length - 4);
      expect(frame.readInt32BE(4)).toBe(0x5eed);
      const reader = new Reader(frame.subarray(version >= api.response.flexibleFrom ? 9 : 8));
      const decoded = decodeMessage(reader, api.response, version);
      expect(reader.remaining).toBe(0);
      expect(decoded.topics).toHaveLength(1000);
      expect(decoded.topics[0].partitions.map((p: Message) => p.partitionIndex)).toEqual(partitions.map((p) => p.partitionIndex));
      expect(decoded.topics[999].name).toBe('topic-999');
    }
  });
});

describe('body types derived from the schemas', () => {
  it('a request decodes to the type its handler takes', () => {
    const produce = apiNamed('Produce');
    const writer = new Writer();
    encodeMessage(writer, produce.request, 9, { acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from('x') }] }] });
    const body: RequestBody<'Produce'> = decodeMessage(new Reader(writer.toBuffer()), produce.request, 9);
    expect(body).toEqual({ transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from('x') }] }] });
    expect(typedShapeErrors(produce.request.fields, body)).toEqual([]);
  });

  it('types each field by its primitive, array and nullability (checked by npm run typecheck)', () => {
    expectTypeOf<RequestBody<'Produce'>>().toEqualTypeOf<{
      transactionalId: string | null;
      acks: number;
      timeoutMs: number;
      topicData: { name: string; partitionData: { index: number; records: Buffer | null }[] }[];
    }>();
    expectTypeOf<RequestBody<'Metadata'>>().toEqualTypeOf<{
      topics: { topicId: string; name: string | null }[] | null;
      allowAutoTopicCreation: boolean;
      includeClusterAuthorizedOperations: boolean;
      includeTopicAuthorizedOperations: boolean;
    }>();
    // A response may leave any field out: the encoder writes its default.
    expectTypeOf<ResponseBody<'InitProducerId'>>().toEqualTypeOf<{ throttleTimeMs?: number; errorCode?: number; producerId?: bigint; producerEpoch?: number }>();
    expectTypeOf<ResponseBody<'SyncGroup'>>().toEqualTypeOf<{ throttleTimeMs?: number; errorCode?: number; protocolType?: string | null; protocolName?: string | null; assignment?: Buffer }>();
    // A schema known only at run time gives untyped bodies.
    expectTypeOf<Decoded<MessageSpec>>().toEqualTypeOf<Message>();
  });
});
