// Message schemas in the shape of Kafka's own JSON message definitions
// (fields with version ranges, nullable ranges, flexible versions with
// compact encodings and tagged fields), and one generic encoder/decoder for
// them. Each API's request and response is declared once in apis/*.ts.
import { FrameError, type Reader } from './reader.js';
import type { Writer } from './writer.js';

export type Primitive = 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'bytes' | 'records' | 'uuid';

/** A version range like Kafka's JSON: "0+", "3-5", "none". */
export type VersionRange = string;

export interface FieldSpec {
  name: string;
  type: Primitive | FieldSpec[];
  /** An array of `type` (primitive or struct). */
  array?: boolean;
  versions: VersionRange;
  nullableVersions?: VersionRange;
  /** Tagged field: only in flexible versions, written when not equal to the default. */
  tag?: number;
  default?: unknown;
}

/** What f() and arr() take after the version range. */
export type FieldOptions = Pick<FieldSpec, 'nullableVersions' | 'tag' | 'default'>;

/**
 * A message schema. `Fields` keeps each field's name and value types (see Field),
 * so Decoded<> and Encodable<> type a body from its schema; a plain MessageSpec
 * (a schema built at run time, as the tests do) types bodies as Message.
 */
export interface MessageSpec<Fields extends FieldSpec[] = FieldSpec[]> {
  fields: Fields;
  /** First flexible version (compact strings/arrays, tagged fields); Infinity when none. */
  flexibleFrom: number;
}

// ---- body types, derived from the schemas ----

/** A body of a schema known only at run time. */
export type Message = Record<string, any>;

/** The value each primitive decodes to, and the value the encoder wants for it. */
export interface PrimitiveValues {
  int8: number;
  int16: number;
  uint16: number;
  int32: number;
  int64: bigint;
  float64: number;
  bool: boolean;
  string: string;
  uuid: string;
  bytes: Buffer;
  records: Buffer;
}

declare const decodedType: unique symbol;
declare const encodableType: unique symbol;

/**
 * A field as f() and arr() declare it: its name and the types of its value stay in
 * its type (the two symbol-keyed properties exist only for the type checker).
 * Decoded: what the decoder gives, every field present (a field the version lacks
 * holds its default). Encodable: what the encoder takes, any field left out
 * (written as its default, as Kafka's generated message classes do).
 */
export interface Field<Name extends string, Decoded, Encodable> extends FieldSpec {
  name: Name;
  readonly [decodedType]?: Decoded;
  readonly [encodableType]?: Encodable;
}

/** null is a value of a field that is nullable in some version or null by default (defaultOf agrees). */
type NullIn<O> = O extends { nullableVersions: string } ? null : O extends { default: null } ? null : never;

type StructDecoded<Fields extends FieldSpec[]> = { [F in Fields[number] as F['name']]: F extends Field<string, infer V, unknown> ? V : never };
type StructEncodable<Fields extends FieldSpec[]> = { [F in Fields[number] as F['name']]?: F extends Field<string, unknown, infer V> ? V : never };
type ItemDecoded<T> = T extends Primitive ? PrimitiveValues[T] : T extends FieldSpec[] ? StructDecoded<T> : never;
type ItemEncodable<T> = T extends Primitive ? PrimitiveValues[T] : T extends FieldSpec[] ? StructEncodable<T> : never;
/** A struct field that is not an array is null by default. */
type StructNull<T> = T extends FieldSpec[] ? null : never;

/** True only for a schema whose field types are known, not a plain MessageSpec. */
type Typed<S extends MessageSpec> = FieldSpec[] extends S['fields'] ? false : true;

/** A body as decodeMessage returns it: every field of the schema, typed. */
export type Decoded<S extends MessageSpec> = Typed<S> extends true ? StructDecoded<S['fields']> : Message;

/** A body as encodeMessage takes it: any field may be left out and is then written as its default. */
export type Encodable<S extends MessageSpec> = Typed<S> extends true ? StructEncodable<S['fields']> : Message;

type Range = readonly [number, number];
const rangeCache = new Map<string, Range>();

function parseRange(range: VersionRange): Range {
  let parsed = rangeCache.get(range);
  if (!parsed) {
    if (range === 'none') parsed = [1, 0];
    else if (range.endsWith('+')) parsed = [Number(range.slice(0, -1)), Number.MAX_SAFE_INTEGER];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      parsed = [Number(a), Number(b)];
    } else parsed = [Number(range), Number(range)];
    rangeCache.set(range, parsed);
  }
  return parsed;
}

export function inRange(version: number, range: VersionRange | undefined): boolean {
  if (range === undefined) return false;
  const [min, max] = parseRange(range);
  return version >= min && version <= max;
}

/** f('name', 'int32', '0+') — a compact way to write one field. */
export function f<const Name extends string, T extends Primitive | FieldSpec[], const O extends FieldOptions = {}>(
  name: Name,
  type: T,
  versions: VersionRange,
  options?: O,
): Field<Name, ItemDecoded<T> | StructNull<T> | NullIn<O>, ItemEncodable<T> | StructNull<T> | NullIn<O>> {
  return { name, type, versions, ...options };
}

/** An array field: arr('topics', [...fields], '0+'). */
export function arr<const Name extends string, T extends Primitive | FieldSpec[], const O extends FieldOptions = {}>(
  name: Name,
  type: T,
  versions: VersionRange,
  options?: O,
): Field<Name, ItemDecoded<T>[] | NullIn<O>, ItemEncodable<T>[] | NullIn<O>> {
  return { name, type, versions, array: true, ...options };
}

/** A message schema whose bodies are typed from its fields. */
export function message<Fields extends FieldSpec[]>(flexibleFrom: number, fields: Fields): MessageSpec<Fields> {
  return { flexibleFrom, fields };
}

const NO_BYTES = Buffer.alloc(0);

function defaultOf(field: FieldSpec): unknown {
  if (field.default !== undefined) return field.default;
  if (field.array) return [];
  if (Array.isArray(field.type)) return null;
  switch (field.type) {
    case 'int64':
      return 0n;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'uuid':
      return '00000000000000000000000000000000';
    case 'bytes':
    case 'records':
      // Null only where the schema allows it, as the body types say (NullIn).
      return field.nullableVersions === undefined ? NO_BYTES : null;
    default:
      return 0;
  }
}

// ---- decoding ----

export function decodeMessage<S extends MessageSpec>(reader: Reader, spec: S, version: number): Decoded<S> {
  // The one place a body meets its type: decodeStruct builds what Decoded<S> describes.
  return decodeStruct(reader, spec.fields, version, version >= spec.flexibleFrom) as Decoded<S>;
}

function decodeStruct(reader: Reader, fields: FieldSpec[], version: number, flexible: boolean): Message {
  const out: Message = {};
  let tagged: FieldSpec[] | undefined;
  for (const field of fields) {
    if (field.tag !== undefined) {
      out[field.name] = defaultOf(field);
      if (flexible && inRange(version, field.versions)) (tagged ??= []).push(field);
      continue;
    }
    if (!inRange(version, field.versions)) {
      out[field.name] = defaultOf(field);
      continue;
    }
    out[field.name] = decodeField(reader, field, version, flexible);
  }
  if (flexible) {
    const count = reader.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = reader.uvarint();
      const size = reader.uvarint();
      const known = tagged?.find((t) => t.tag === tag);
      if (!known) {
        reader.raw(size); // unknown tags are skipped, as the protocol intends
        continue;
      }
      const end = reader.offset + size;
      out[known.name] = decodeField(reader, known, version, flexible);
      if (reader.offset !== end) throw new FrameError(`tagged field ${known.name} has ${size} bytes but decoded ${reader.offset - (end - size)}`);
    }
  }
  return out;
}

function decodeField(reader: Reader, field: FieldSpec, version: number, flexible: boolean): unknown {
  if (field.array) {
    const length = reader.arrayLength(flexible);
    if (length < 0) {
      if (!inRange(version, field.nullableVersions)) throw new FrameError(`${field.name} is null but may not be`);
      return null;
    }
    const items = new Array(length);
    for (let i = 0; i < length; i++) items[i] = decodeValue(reader, field, version, flexible);
    return items;
  }
  const value = decodeValue(reader, field, version, flexible);
  if (value === null && !Array.isArray(field.type) && !inRange(version, field.nullableVersions)) {
    throw new FrameError(`${field.name} is null but may not be`);
  }
  return value;
}

function decodeValue(reader: Reader, field: FieldSpec, version: number, flexible: boolean): unknown {
  const type = field.type;
  if (Array.isArray(type)) {
    // A nullable struct carries an int8 marker (-1 null, 1 present).
    if (!field.array && inRange(version, field.nullableVersions) && reader.int8() < 0) return null;
    return decodeStruct(reader, type, version, flexible);
  }
  switch (type) {
    case 'int8':
      return reader.int8();
    case 'int16':
      return reader.int16();
    case 'uint16':
      return reader.uint16();
    case 'int32':
      return reader.int32();
    case 'int64':
      return reader.int64();
    case 'float64':
      return reader.float64();
    case 'bool':
      return reader.bool();
    case 'uuid':
      return reader.uuid();
    case 'string':
      return flexible ? reader.compactString() : reader.string();
    case 'bytes':
    case 'records':
      return flexible ? reader.compactBytes() : reader.bytes();
  }
}

// ---- encoding ----

export function encodeMessage<S extends MessageSpec>(writer: Writer, spec: S, version: number, message: Encodable<S>): void {
  encodeStruct(writer, spec.fields, version, version >= spec.flexibleFrom, message);
}

function encodeStruct(writer: Writer, fields: FieldSpec[], version: number, flexible: boolean, message: Message): void {
  let tagged: FieldSpec[] | undefined;
  for (const field of fields) {
    if (!inRange(version, field.versions)) continue;
    if (field.tag !== undefined) {
      if (flexible && !isDefault(field, message[field.name])) (tagged ??= []).push(field);
      continue;
    }
    encodeField(writer, field, version, flexible, message[field.name]);
  }
  if (flexible) {
    if (!tagged) {
      writer.uvarint(0);
      return;
    }
    tagged.sort((a, b) => a.tag! - b.tag!);
    writer.uvarint(tagged.length);
    for (const field of tagged) {
      const inner = new (writer.constructor as new () => Writer)();
      encodeField(inner, field, version, flexible, message[field.name]);
      writer.uvarint(field.tag!).uvarint(inner.length);
      for (const chunk of inner.toChunks()) writer.raw(chunk);
    }
  }
}

function isDefault(field: FieldSpec, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0 && field.default === undefined;
  return value === defaultOf(field);
}

function encodeField(writer: Writer, field: FieldSpec, version: number, flexible: boolean, value: unknown): void {
  if (field.array) {
    if (value === null || value === undefined) {
      if (value === null && inRange(version, field.nullableVersions)) {
        writer.arrayLength(null, flexible);
        return;
      }
      writer.arrayLength(0, flexible);
      return;
    }
    const items = value as unknown[];
    writer.arrayLength(items.length, flexible);
    for (const item of items) encodeValue(writer, field, version, flexible, item);
    return;
  }
  encodeValue(writer, field, version, flexible, value === undefined ? defaultOf(field) : value);
}

function encodeValue(writer: Writer, field: FieldSpec, version: number, flexible: boolean, value: unknown): void {
  const type = field.type;
  if (Array.isArray(type)) {
    if (!field.array && inRange(version, field.nullableVersions)) {
      if (value === null || value === undefined) {
        writer.int8(-1);
        return;
      }
      writer.int8(1);
    }
    encodeStruct(writer, type, version, flexible, (value ?? {}) as Message);
    return;
  }
  switch (type) {
    case 'int8':
      writer.int8(value as number);
      return;
    case 'int16':
      writer.int16(value as number);
      return;
    case 'uint16':
      writer.uint16(value as number);
      return;
    case 'int32':
      writer.int32(value as number);
      return;
    case 'int64':
      writer.int64(BigInt(value as bigint | number));
      return;
    case 'float64':
      writer.float64(value as number);
      return;
    case 'bool':
      writer.bool(Boolean(value));
      return;
    case 'uuid':
      writer.uuid(value as string);
      return;
    case 'string': {
      const s = value === null ? (inRange(version, field.nullableVersions) ? null : '') : String(value);
      if (flexible) writer.compactString(s);
      else writer.string(s);
      return;
    }
    case 'bytes':
    case 'records': {
      const b = value === null ? (inRange(version, field.nullableVersions) ? null : Buffer.alloc(0)) : (value as Buffer);
      if (flexible) writer.compactBytes(b);
      else writer.bytes(b);
      return;
    }
  }
}
