import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { WireError, WireReader } from '../../proto/wire-reader.js';

/** protobufjs writes; the reader must read back what it wrote. */
function written(write: (writer: protobuf.Writer) => void): WireReader {
  const writer = protobuf.Writer.create();
  write(writer);
  const bytes = Buffer.from(writer.finish());
  return new WireReader(bytes, 0, bytes.length);
}

describe('WireReader', () => {
  it('reads varints as uint64 and int64 exactly, at every length up to ten bytes', () => {
    for (const value of [0, 1, 127, 128, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 5, Number.MAX_SAFE_INTEGER]) {
      const reader = written((w) => w.uint64(value));
      reader.varint();
      assert.equal(reader.unsigned64(), value);
    }
    for (const value of [-1, -2, -128, -(2 ** 31), -(2 ** 32) - 7, Number.MIN_SAFE_INTEGER]) {
      const reader = written((w) => w.int64(value));
      reader.varint();
      assert.equal(reader.signed64(), value, `int64 ${value}`);
    }
    // int32 -1 goes on the wire as ten bytes; its low half, as int32, is -1 again
    const int32 = written((w) => w.int32(-1));
    int32.varint();
    assert.equal(int32.lo | 0, -1);
    assert.equal(int32.pos, 10);
  });

  it('reads any safe integer and any double as protobufjs wrote it (fast-check)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.double(), (integer, double) => {
        const reader = written((w) => w.int64(integer).double(double));
        reader.varint();
        assert.equal(reader.signed64(), integer);
        assert.ok(Object.is(reader.double(), double));
      }),
    );
  });

  it('steps over fields of every wire type proto3 uses, and refuses truncation and the rest', () => {
    const reader = written((w) =>
      w
        .uint32((1 << 3) | 0)
        .uint64(300)
        .uint32((2 << 3) | 1)
        .double(1.5)
        .uint32((3 << 3) | 2)
        .string('skip me')
        .uint32((4 << 3) | 5)
        .fixed32(7)
        .uint32((5 << 3) | 0)
        .uint32(9),
    );
    for (let i = 0; i < 4; i++) reader.skip(reader.uint32() & 7);
    assert.equal(reader.uint32(), (5 << 3) | 0);
    reader.varint();
    assert.equal(reader.lo, 9);
    assert.ok(reader.atEnd());

    const truncated = (bytes: number[], read: (r: WireReader) => unknown) =>
      assert.throws(() => read(new WireReader(Buffer.from(bytes), 0, bytes.length)), WireError);
    truncated([0x80, 0x80], (r) => r.varint());
    truncated([0x0a, 0x05, 0x61], (r) => (r.uint32(), r.delimited()));
    truncated([1, 2, 3], (r) => r.double());
    truncated([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], (r) => r.varint());
    truncated([(1 << 3) | 3], (r) => r.skip(r.uint32() & 7)); // a group: not proto3
    truncated([0x80, 0x80, 0x80, 0x80, 0x80, 0x01], (r) => r.uint32()); // a length past 32 bits
  });
});
