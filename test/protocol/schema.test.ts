// The schema codec: what it writes, it reads back, at plain and flexible versions.
import { describe, expect, it } from 'vitest';
import { API_VERSIONS_BODY, SERVED_APIS, servedApi } from '../../src/embedded-kafka/apis.js';
import { apiByKey, API_KEY, KAFKA_APIS } from '../../src/protocol/api-keys.js';
import { decodeRequest, encodeResponse } from '../../src/protocol/frame.js';
import { FrameError, Reader } from '../../src/protocol/reader.js';
import { arr, decodeMessage, encodeMessage, f, type MessageSpec } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';

function roundTrip(spec: MessageSpec, version: number, message: Record<string, unknown>) {
  const writer = new Writer();
  encodeMessage(writer, spec, version, message);
  const buf = writer.toBuffer();
  const reader = new Reader(buf);
  const decoded = decodeMessage(reader, spec, version);
  expect(reader.remaining).toBe(0);
  return { buf, decoded };
}

const spec: MessageSpec = {
  flexibleFrom: 2,
  fields: [
    f('name', 'string', '0+'),
    f('maybe', 'string', '0+', { nullableVersions: '0+' }),
    f('big', 'int64', '0+'),
    f('onlyNew', 'int32', '1+', { default: -1 }),
    arr('items', [f('id', 'int32', '0+'), arr('tags', 'string', '0+')], '0+'),
    f('blob', 'bytes', '0+', { nullableVersions: '0+' }),
    f('tagged', 'int32', '2+', { tag: 3, default: 0 }),
    f('uuid', 'uuid', '0+'),
  ],
};

const sample = {
  name: 'héllo',
  maybe: null,
  big: 2n ** 62n,
  onlyNew: 7,
  items: [{ id: 1, tags: ['a', 'b'] }, { id: 2, tags: [] }],
  blob: Buffer.from([1, 2, 3]),
  tagged: 42,
  uuid: '0123456789abcdef0123456789abcdef',
};

describe('schema codec', () => {
  it('round-trips a non-flexible version and drops fields the version lacks', () => {
    const { decoded } = roundTrip(spec, 0, sample);
    expect(decoded).toMatchObject({ name: 'héllo', maybe: null, big: 2n ** 62n, onlyNew: -1, tagged: 0 });
    expect(decoded.items).toEqual([{ id: 1, tags: ['a', 'b'] }, { id: 2, tags: [] }]);
    expect(Buffer.from(decoded.blob)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('round-trips a flexible version with compact encodings and a tagged field', () => {
    const plain = roundTrip(spec, 1, sample).buf;
    const { buf, decoded } = roundTrip(spec, 2, sample);
    expect(decoded).toMatchObject({ name: 'héllo', onlyNew: 7, tagged: 42, uuid: sample.uuid });
    // Compact lengths are varints: the flexible form is shorter despite the tag section.
    expect(buf.length).toBeLessThan(plain.length);
  });

  it('skips tagged fields it does not know', () => {
    const writer = new Writer();
    encodeMessage(writer, spec, 2, sample);
    const withoutTag: MessageSpec = { ...spec, fields: spec.fields.filter((x) => x.name !== 'tagged') };
    const decoded = decodeMessage(new Reader(writer.toBuffer()), withoutTag, 2);
    expect(decoded.name).toBe('héllo');
    expect(decoded.tagged).toBeUndefined();
  });

  it('fails with FrameError on a truncated frame or an impossible array length', () => {
    const writer = new Writer();
    encodeMessage(writer, spec, 0, sample);
    const buf = writer.toBuffer();
    expect(() => decodeMessage(new Reader(buf.subarray(0, buf.length - 5)), spec, 0)).toThrow(FrameError);
    const huge = new Writer().string('x').string(null).int64(0n).int32(1_000_000_000).toBuffer();
    expect(() => decodeMessage(new Reader(huge), spec, 0)).toThrow(/array of 1000000000 items/);
  });

  it('reads zigzag varlongs beyond 32 bits (record timestamp deltas)', () => {
    const encode = (value: number) => {
      let raw = value >= 0 ? value * 2 : -value * 2 - 1;
      const bytes: number[] = [];
      while (raw >= 128) {
        bytes.push((raw % 128) | 0x80);
        raw = Math.floor(raw / 128);
      }
      bytes.push(raw);
      return Buffer.from(bytes);
    };
    for (const value of [0, 1, -1, 300, -300, 2 ** 40, -(2 ** 40) - 7]) {
      expect(new Reader(encode(value)).varlong()).toBe(value);
    }
    expect(() => new Reader(Buffer.from([0x80, 0x80])).varlong()).toThrow(FrameError);
  });

  it('refuses null where the version does not allow it', () => {
    const buf = new Writer().string(null).toBuffer();
    expect(() => decodeMessage(new Reader(buf), { flexibleFrom: 9, fields: [f('name', 'string', '0+')] }, 0)).toThrow(/name is null/);
  });
});

describe('frames', () => {
  function requestFrame(apiKey: number, version: number, body: Record<string, unknown>, flexibleHeader: boolean): Buffer {
    const writer = new Writer().int16(apiKey).int16(version).int32(99).string('test-client');
    if (flexibleHeader) writer.uvarint(0);
    encodeMessage(writer, apiByKey(apiKey)!.request, version, body);
    return writer.toBuffer();
  }

  it('decodes a flexible request header (v2) and the body after it', () => {
    const decoded = decodeRequest(requestFrame(API_KEY.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, true), servedApi);
    expect(decoded.kind).toBe('ok');
    expect(decoded.header).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 99, clientId: 'test-client' });
    if (decoded.kind === 'ok') expect(decoded.body).toEqual({ clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  });

  it('reports versions and APIs it does not serve as unsupported', () => {
    expect(decodeRequest(requestFrame(API_KEY.ApiVersions, 4, {}, true), servedApi).kind).toBe('unsupported');
    const unknown = new Writer().int16(999).int16(0).int32(1).string(null).toBuffer();
    expect(decodeRequest(unknown, servedApi)).toMatchObject({ kind: 'unsupported', api: undefined });
  });

  it('writes the size prefix and keeps the ApiVersions response header at v0', () => {
    const api = apiByKey(API_KEY.ApiVersions)!;
    const frame = Buffer.concat(encodeResponse(api, 3, 7, { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }], throttleTimeMs: 0 }));
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    expect(frame.readInt32BE(4)).toBe(7);
    // No header tag byte: the body's int16 error code follows the correlation id directly.
    const body = decodeMessage(new Reader(frame.subarray(8)), api.response, 3);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
  });

  it('serves each API from a version with record batches v2 up', () => {
    const served = new Map(SERVED_APIS.map((a) => [a.name, a]));
    expect(served.get('Produce')!.minVersion).toBe(3);
    expect(served.get('Fetch')!.minVersion).toBe(4);
    for (const a of SERVED_APIS) expect(a.maxVersion).toBeGreaterThanOrEqual(a.minVersion);
  });
});

describe('the registry of served APIs (src/embedded-kafka/apis.ts)', () => {
  it('has one row per API, with the key, name and schemas of the codec', () => {
    expect(new Set(SERVED_APIS.map((a) => a.key)).size).toBe(SERVED_APIS.length);
    for (const served of SERVED_APIS) {
      const api = apiByKey(served.key)!;
      expect({ name: served.name, request: served.request, response: served.response }).toEqual({ name: api.name, request: api.request, response: api.response });
    }
    // Every API the codec has schemas for is served.
    expect(SERVED_APIS.map((a) => a.name).sort()).toEqual(KAFKA_APIS.map((a) => a.name).sort());
  });

  it('is what ApiVersions advertises (Produce from v0 for librdkafka\'s probe, as Apache Kafka 4.x; served from v3)', () => {
    expect(API_VERSIONS_BODY.apiKeys).toEqual(SERVED_APIS.map((a) => ({ apiKey: a.key, minVersion: a.advertisedMinVersion ?? a.minVersion, maxVersion: a.maxVersion })));
    const produce = SERVED_APIS.find((a) => a.name === 'Produce')!;
    expect([produce.advertisedMinVersion, produce.minVersion]).toEqual([0, 3]);
    expect(SERVED_APIS.filter((a) => a.advertisedMinVersion !== undefined).map((a) => a.name)).toEqual(['Produce']);
  });
});
