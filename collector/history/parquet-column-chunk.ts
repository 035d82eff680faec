import type { ColumnChunk, DictionaryPageHeader, Encoding, SchemaElement } from 'hyparquet';
import type { DataPageHeaderV2 } from 'hyparquet/src/types.js';
import type { ByteWriter } from 'hyparquet-writer';
import { ByteWriter as Bytes } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';

/** A value as a leaf column holds it: BYTE_ARRAY as text, INT32/INT64/DOUBLE as numbers, BOOLEAN. */
export type LeafValue = string | number | boolean;

/**
 * One leaf column of a row group, as Dremel shreds it: the values that are
 * there (nulls left out), and per slot (a row, or one entry of a map) its
 * definition and repetition levels where the schema gives it any.
 */
export interface Leaf {
  path: string[];
  element: SchemaElement;
  values: LeafValue[];
  definitionLevels?: number[];
  maxDefinitionLevel: number;
  repetitionLevels?: number[];
  maxRepetitionLevel: number;
  statistics: boolean;
}

/** Slots a data page takes before it ends at the next row: pages of a few hundred KB. */
const PAGE_SLOTS = 65_536;
/** A dictionary is not tried where this sample of the values is nearly all distinct. */
const DICTIONARY_SAMPLE = 256;

/**
 * Writes one column chunk: a dictionary page where a dictionary at least
 * halves the values (the rule hyparquet-writer applies), then data pages (v2,
 * values Snappy-compressed), with min/max statistics when asked. Written for
 * the sink's volume: values go straight from JS numbers and strings into
 * bytes, with no BigInt or per-value object (about a third of the CPU of a
 * general writer, measured in `npm run bench`).
 */
export function writeColumnChunk(writer: ByteWriter, leaf: Leaf): ColumnChunk {
  const type = leaf.element.type!;
  const start = writer.offset;
  let uncompressed = 0;
  const dictionary = dictionaryOf(leaf.values, type);
  let dictionary_page_offset: bigint | undefined;
  if (dictionary !== undefined) {
    dictionary_page_offset = BigInt(writer.offset);
    const header: DictionaryPageHeader = { num_values: dictionary.values.length, encoding: 'PLAIN' };
    uncompressed += writePage(writer, plainBytes(type, dictionary.values, 0, dictionary.values.length), undefined, (page) => ({
      type: 'DICTIONARY_PAGE',
      ...page,
      dictionary_page_header: header,
    }));
  }
  const encoding: Encoding = dictionary === undefined ? 'PLAIN' : 'RLE_DICTIONARY';
  const data_page_offset = BigInt(writer.offset);
  const slots = leaf.definitionLevels?.length ?? leaf.values.length;
  let valueStart = 0;
  for (let slotStart = 0; slotStart < slots;) {
    let slotEnd = Math.min(slots, slotStart + PAGE_SLOTS);
    // A page starts a row: the entries of one map stay together.
    while (slotEnd < slots && leaf.repetitionLevels !== undefined && leaf.repetitionLevels[slotEnd] !== 0) slotEnd++;
    let valueEnd = valueStart;
    let nulls = 0;
    let rows = slotEnd - slotStart;
    if (leaf.definitionLevels === undefined) valueEnd = slotEnd;
    else
      for (let slot = slotStart; slot < slotEnd; slot++) {
        if (leaf.definitionLevels[slot] === leaf.maxDefinitionLevel) valueEnd++;
        else nulls++;
      }
    if (leaf.repetitionLevels !== undefined) {
      rows = 0;
      for (let slot = slotStart; slot < slotEnd; slot++) if (leaf.repetitionLevels[slot] === 0) rows++;
    }
    const levels = new Bytes(256);
    const repetition_levels_byte_length = levelsOf(levels, leaf.repetitionLevels, leaf.maxRepetitionLevel, slotStart, slotEnd);
    const definition_levels_byte_length = levelsOf(levels, leaf.definitionLevels, leaf.maxDefinitionLevel, slotStart, slotEnd);
    const values =
      dictionary === undefined
        ? plainBytes(type, leaf.values, valueStart, valueEnd)
        : indexBytes(dictionary.indexes, dictionary.values.length, valueStart, valueEnd);
    const header: DataPageHeaderV2 = {
      num_values: slotEnd - slotStart,
      num_nulls: nulls,
      num_rows: rows,
      encoding,
      definition_levels_byte_length,
      repetition_levels_byte_length,
      is_compressed: true,
    };
    uncompressed += writePage(writer, values, levels.getBytes(), (page) => ({ type: 'DATA_PAGE_V2', ...page, data_page_header_v2: header }));
    slotStart = slotEnd;
    valueStart = valueEnd;
  }
  return {
    file_offset: BigInt(start),
    meta_data: {
      type,
      encodings: dictionary === undefined ? ['PLAIN'] : ['PLAIN', 'RLE_DICTIONARY'],
      path_in_schema: leaf.path,
      codec: 'SNAPPY',
      num_values: BigInt(slots),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(writer.offset - start),
      data_page_offset,
      ...(dictionary_page_offset === undefined ? {} : { dictionary_page_offset }),
      ...(leaf.statistics ? { statistics: statisticsOf(leaf.values, slots - leaf.values.length) } : {}),
    },
  };
}

type PageSizes = { uncompressed_page_size: number; compressed_page_size: number };

/** A page's header and bytes: levels as they are, values compressed. The uncompressed size, header included. */
function writePage(
  writer: ByteWriter,
  values: Uint8Array,
  levels: Uint8Array | undefined,
  header: (sizes: PageSizes) => Parameters<typeof writePageHeader>[1],
): number {
  const compressed = snappyCompress(values);
  const levelBytes = levels?.length ?? 0;
  const headerStart = writer.offset;
  writePageHeader(writer, header({ uncompressed_page_size: levelBytes + values.length, compressed_page_size: levelBytes + compressed.length }));
  const headerSize = writer.offset - headerStart;
  if (levels !== undefined) writer.appendBytes(levels);
  writer.appendBytes(compressed);
  return headerSize + levelBytes + values.length;
}

/** RLE/bit-packed levels of a page's slots; their byte length (0 where the schema gives none). */
function levelsOf(writer: ByteWriter, levels: number[] | undefined, max: number, from: number, to: number): number {
  if (levels === undefined || max === 0) return 0;
  return writeRleBitPackedHybrid(writer, levels.slice(from, to), Math.ceil(Math.log2(max + 1)));
}

/** The dictionary and each value's index in it, or undefined where a dictionary would not at least halve the values. */
function dictionaryOf(values: readonly LeafValue[], type: string): { values: LeafValue[]; indexes: Int32Array } | undefined {
  if (type === 'BOOLEAN' || values.length === 0) return undefined;
  const sample = Math.min(values.length, DICTIONARY_SAMPLE);
  if (sample >= 16 && new Set(values.slice(0, sample)).size > sample * 0.9) return undefined;
  const index = new Map<LeafValue, number>();
  const dictionary: LeafValue[] = [];
  const indexes = new Int32Array(values.length);
  const limit = values.length / 2;
  let previous: LeafValue | undefined;
  let at = -1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    // Rows of one record repeat its cells (a counter interval's nine rows): no lookup for a run.
    if (value === previous) {
      indexes[i] = at;
      continue;
    }
    previous = value;
    at = index.get(value) ?? -1;
    if (at === -1) {
      // A Map keys -0 as 0: a dictionary would turn it into 0, so such a column stays plain.
      if (dictionary.length >= limit || Object.is(value, -0)) return undefined;
      at = dictionary.length;
      index.set(value, at);
      dictionary.push(value);
    }
    indexes[i] = at;
  }
  if (type === 'BYTE_ARRAY') {
    let all = 0;
    let distinct = 0;
    for (const value of values) all += (value as string).length + 4;
    for (const value of dictionary) distinct += (value as string).length + 4;
    if (distinct * 2 > all) return undefined;
  }
  return { values: dictionary, indexes };
}

/** Dictionary indexes as a v2 data page holds them: their bit width, then RLE/bit-packed. */
function indexBytes(indexes: Int32Array, size: number, from: number, to: number): Uint8Array {
  const bitWidth = Math.max(1, Math.ceil(Math.log2(size)));
  const writer = new Bytes(Math.ceil(((to - from) * bitWidth) / 8) + 64);
  writer.appendUint8(bitWidth);
  writeRleBitPackedHybrid(writer, indexes.subarray(from, to), bitWidth);
  return writer.getBytes();
}

/** PLAIN encoding, little-endian as Parquet is on every host. */
function plainBytes(type: string, values: readonly LeafValue[], from: number, to: number): Uint8Array {
  const count = to - from;
  switch (type) {
    case 'DOUBLE': {
      const view = new DataView(new ArrayBuffer(count * 8));
      for (let i = 0; i < count; i++) view.setFloat64(i * 8, values[from + i] as number, true);
      return new Uint8Array(view.buffer);
    }
    case 'INT32': {
      const view = new DataView(new ArrayBuffer(count * 4));
      for (let i = 0; i < count; i++) view.setInt32(i * 4, values[from + i] as number, true);
      return new Uint8Array(view.buffer);
    }
    case 'INT64': {
      // Whole numbers up to 2^53 (unix ms, seqs) written as two 32-bit halves: no BigInt per value.
      const view = new DataView(new ArrayBuffer(count * 8));
      for (let i = 0; i < count; i++) {
        const value = values[from + i] as number;
        const high = Math.floor(value / 4_294_967_296);
        view.setUint32(i * 8, value - high * 4_294_967_296, true);
        view.setInt32(i * 8 + 4, high, true);
      }
      return new Uint8Array(view.buffer);
    }
    case 'BOOLEAN': {
      const bytes = new Uint8Array(Math.ceil(count / 8));
      for (let i = 0; i < count; i++) if (values[from + i] === true) bytes[i >> 3]! |= 1 << (i & 7);
      return bytes;
    }
    case 'BYTE_ARRAY': {
      let most = 0;
      for (let i = from; i < to; i++) most += 4 + (values[i] as string).length * 3;
      const buffer = Buffer.allocUnsafe(most);
      let at = 0;
      for (let i = from; i < to; i++) {
        const written = buffer.write(values[i] as string, at + 4);
        buffer.writeUInt32LE(written, at);
        at += 4 + written;
      }
      return buffer.subarray(0, at);
    }
    default:
      throw new Error(`no PLAIN encoding here for ${type}`);
  }
}

/** Min and max over the values (NaN aside; text by UTF-16 code unit, which is byte order for the ASCII stream IDs), and the nulls. */
function statisticsOf(values: readonly LeafValue[], nulls: number): { min_value?: LeafValue; max_value?: LeafValue; null_count: bigint } {
  let min: LeafValue | undefined;
  let max: LeafValue | undefined;
  for (const value of values) {
    if (typeof value === 'number' && Number.isNaN(value)) continue;
    if (min === undefined || value < min) min = value;
    if (max === undefined || value > max) max = value;
  }
  return { ...(min === undefined ? {} : { min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max }), null_count: BigInt(nulls) };
}
