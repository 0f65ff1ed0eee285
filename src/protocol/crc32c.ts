// CRC-32C (Castagnoli), the checksum of Kafka record batches. It runs over
// every produced batch, so it is table-driven with slicing-by-8: eight table
// lookups per 8 input bytes instead of one per byte.

const POLY = 0x82f63b78; // reversed Castagnoli polynomial

/** TABLES[k][b]: the CRC contribution of byte b followed by k zero bytes. */
const TABLES = buildTables();

function buildTables(): Int32Array[] {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLY : crc >>> 1;
    tables[0][b] = crc;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) tables[k][b] = (tables[k - 1][b] >>> 8) ^ tables[0][tables[k - 1][b] & 0xff];
  }
  return tables;
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES;

/** CRC-32C of buf[start, end), as an unsigned 32-bit number. */
export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  let crc = ~0;
  let i = start;
  for (const last8 = end - 8; i <= last8; i += 8) {
    const lo = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc =
      T7[lo & 0xff] ^
      T6[(lo >>> 8) & 0xff] ^
      T5[(lo >>> 16) & 0xff] ^
      T4[lo >>> 24] ^
      T3[buf[i + 4]] ^
      T2[buf[i + 5]] ^
      T1[buf[i + 6]] ^
      T0[buf[i + 7]];
  }
  for (; i < end; i++) crc = T0[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
