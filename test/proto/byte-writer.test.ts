import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ByteWriter } from '../../proto/byte-writer.js';

describe('ByteWriter', () => {
  it('writes numbers exactly as JSON.stringify does', () => {
    const samples = [0, -0, 1, -1, 9, 10, 99, 100, 1e6, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 0.1, 1 / 3, -2.5e-7, 123456.789];
    for (const value of samples) {
      const writer = new ByteWriter(4);
      writer.number(value);
      assert.equal(writer.written().toString('latin1'), JSON.stringify(value), String(value));
    }
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.double({ noNaN: true, noDefaultInfinity: true })), (value) => {
        const writer = new ByteWriter(1);
        writer.number(value);
        assert.equal(writer.written().toString('latin1'), JSON.stringify(value));
      }),
    );
  });

  it('grows as it is written, and keeps what it had', () => {
    const writer = new ByteWriter(2);
    const text = 'é'.repeat(100);
    writer.ascii('{"a":');
    writer.utf8(JSON.stringify(text));
    writer.bytes(Buffer.from(',"b":' + 'x'.repeat(200).replace(/^/, '"') + '"'));
    writer.byte(0x7d);
    assert.deepEqual(JSON.parse(writer.written().toString('utf8')), { a: text, b: 'x'.repeat(200) });
  });
});
