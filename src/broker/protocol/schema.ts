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

export interface MessageSpec {
  fields: FieldSpec[];
  /** First flexible version (compact strings/arrays, tagged fields); Infinity when none. */
  flexibleFrom: number;
}

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
export function f(name: string, type: FieldSpec['type'], versions: VersionRange, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { name, type, versions, ...extra };
}

/** An array field: arr('topics', [...fields], '0+'). */
export function arr(name: string, type: FieldSpec['type'], versions: VersionRange, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { name, type, versions, array: true, ...extra };
}

export type Message = Record<string, any>;

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
      return null;
    default:
      return 0;
  }
}

// ---- decoding ----

export function decodeMessage(reader: Reader, spec: MessageSpec, version: number): Message {
  return decodeStruct(reader, spec.fields, version, version >= spec.flexibleFrom);
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

export function encodeMessage(writer: Writer, spec: MessageSpec, version: number, message: Message): void {
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
