import * as zlib from 'node:zlib';

/**
 * CRC-32 (the zlib/PNG polynomial) of the spool's entries: zlib.crc32 where
 * Node has it (20.15 and later), else the same checksum from a table, so
 * that the agent runs on the Node builds older platforms have (the newest
 * official ppc64le build on npm is 20.11). Both give the same value, so a
 * spool moves between them.
 */
let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export const crc32: (data: Uint8Array) => number = nativeCrc32 ?? tableCrc32;

/** For the test that both agree. */
export const crc32FromTable = tableCrc32;
