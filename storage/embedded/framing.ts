import { crc32 } from 'node:zlib';

// Every record on disk is [payload length: u32 LE][CRC-32 of payload: u32 LE][payload].
const headerBytes = 8;

export function frame(payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(headerBytes + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  record.set(payload, headerBytes);
  return record;
}

/**
 * The intact records at the start of `bytes`, and the length they span. A crash can leave
 * a torn or garbled record at the end of a file (zeros included: no record is empty);
 * reading stops at the first one, since nothing after it can be trusted either.
 */
export function readFrames(bytes: Buffer): { payloads: Buffer[]; intactLength: number } {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset + headerBytes <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    const end = offset + headerBytes + length;
    if (length === 0 || end > bytes.length) break;
    const payload = bytes.subarray(offset + headerBytes, end);
    if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) break;
    payloads.push(payload);
    offset = end;
  }
  return { payloads, intactLength: offset };
}
