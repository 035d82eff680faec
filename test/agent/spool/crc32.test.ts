import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import * as zlib from 'node:zlib';
import { crc32, crc32FromTable } from '../../../agent/spool/crc32.js';

it("the table CRC-32 (for Node before 20.15) gives zlib's value, so a spool written by one is read by the other", () => {
  assert.equal(crc32FromTable(Buffer.from('123456789')), 0xcbf43926); // the CRC-32 check value
  assert.equal(crc32FromTable(new Uint8Array(0)), 0);
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (native === undefined) {
    console.log(`Node ${process.version} has no zlib.crc32: the table is what the spool uses here`);
    return;
  }
  for (const size of [1, 7, 64, 4096, 100_000]) {
    const data = randomBytes(size);
    assert.equal(crc32FromTable(data), native(data), `${size} bytes`);
  }
  assert.equal(crc32, native);
});
