// `--compression` / `-z` (kcat's flag): the record-batch codecs firehose's producer writes.
import * as zlib from 'node:zlib';
import { UsageError } from '../errors.js';
import { COMPRESSION_CODECS, type CompressionCodec } from '../protocol/records.js';

export type { CompressionCodec };

/** A codec name → the codec; a name this firehose (or this Node, for zstd) cannot write is a usage error. */
export function parseCompression(text: string): CompressionCodec {
  const codec = COMPRESSION_CODECS.find((c) => c === text.toLowerCase());
  if (!codec) throw new UsageError(`--compression must be one of ${COMPRESSION_CODECS.join(', ')}, not "${text}".`);
  if (codec === 'zstd' && !('zstdCompressSync' in zlib)) {
    throw new UsageError(`--compression zstd needs Node 22.15 or later (this is ${process.version}): use lz4, snappy or gzip, or a newer Node.`);
  }
  return codec;
}
