// Counts the entries (topics, partitions, members, ...) a request frame lists,
// walking it by its schema without building anything, and stopping as soon as
// the count passes a limit. The connection calls it before decoding a large
// frame: decoding a Fetch that names millions of partitions would itself hold
// the event loop for seconds and build gigabytes of objects, only to refuse it.
import { servedApi } from './apis.js';
import { FrameError, Reader } from '../protocol/reader.js';
import { inRange, type FieldSpec } from '../protocol/schema.js';

class OverLimit extends Error {}

/**
 * The number of array entries in the request's body, or limit + 1 once it is
 * over the limit. 0 for a frame the decoder will refuse anyway (unknown API or
 * version, malformed): decodeRequest names what is wrong with it.
 */
export function countRequestItems(frame: Buffer, limit: number): number {
  const reader = new Reader(frame);
  try {
    const apiKey = reader.int16();
    const version = reader.int16();
    reader.int32(); // correlation id
    reader.string(); // client id
    const api = servedApi(apiKey);
    if (!api || version < api.minVersion || version > api.maxVersion) return 0;
    const flexible = version >= api.request.flexibleFrom;
    if (flexible) skipTaggedFields(reader);
    const counter = { count: 0, limit };
    walkStruct(reader, api.request.fields, version, flexible, counter);
    return counter.count;
  } catch (error) {
    if (error instanceof OverLimit) return limit + 1;
    if (error instanceof FrameError) return 0;
    throw error;
  }
}

interface Counter {
  count: number;
  limit: number;
}

function skipTaggedFields(reader: Reader): void {
  const count = reader.uvarint();
  for (let i = 0; i < count; i++) {
    reader.uvarint();
    reader.raw(reader.uvarint());
  }
}

function walkStruct(reader: Reader, fields: FieldSpec[], version: number, flexible: boolean, counter: Counter): void {
  for (const field of fields) {
    if (field.tag !== undefined || !inRange(version, field.versions)) continue;
    if (field.array) {
      const length = reader.arrayLength(flexible);
      if (length <= 0) continue;
      counter.count += length;
      if (counter.count > counter.limit) throw new OverLimit();
      for (let i = 0; i < length; i++) walkValue(reader, field, version, flexible, counter);
    } else {
      walkValue(reader, field, version, flexible, counter);
    }
  }
  // Tagged fields (none of the requests served has arrays in them) are skipped whole.
  if (flexible) skipTaggedFields(reader);
}

function walkValue(reader: Reader, field: FieldSpec, version: number, flexible: boolean, counter: Counter): void {
  const type = field.type;
  if (Array.isArray(type)) {
    if (!field.array && inRange(version, field.nullableVersions) && reader.int8() < 0) return;
    walkStruct(reader, type, version, flexible, counter);
    return;
  }
  switch (type) {
    case 'int8':
    case 'bool':
      reader.raw(1);
      return;
    case 'int16':
    case 'uint16':
      reader.raw(2);
      return;
    case 'int32':
      reader.raw(4);
      return;
    case 'int64':
    case 'float64':
      reader.raw(8);
      return;
    case 'uuid':
      reader.raw(16);
      return;
    case 'string':
      skipSized(reader, flexible ? reader.uvarint() - 1 : reader.int16());
      return;
    case 'bytes':
    case 'records':
      skipSized(reader, flexible ? reader.uvarint() - 1 : reader.int32());
      return;
  }
}

function skipSized(reader: Reader, length: number): void {
  if (length > 0) reader.raw(length);
}
