import protobuf from 'protobufjs';
import { canonicalMessage } from './canonical-message.js';
import { FieldError, NonCanonicalEncoding } from './field-error.js';
import { ingestProtoRoot } from './ingest-proto-root.js';
import type { ByteWriter } from './byte-writer.js';
import type { RecordKind } from './records.js';
import { DAY_MS, fieldRules, MAX_MAP_ENTRIES, MAX_MAP_NAME_LENGTH, type BatchLimits, type FieldRule } from './record-rules.js';
import { WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, WireReader } from './wire-reader.js';

/**
 * A record from its protobuf bytes straight to the JSON the collector
 * stores, checked field by field on the way (record-rules.ts), in one pass
 * and without building message objects: decoding into objects, copying
 * them into the loader's shape and JSON.stringify were most of what ingest
 * spent its CPU and garbage collection on.
 *
 * The JSON parses to what the gRPC loader's objects are (every field
 * present, enums as names, 64-bit integers as numbers, `"_x":"x"` beside a
 * present proto3 optional x); keys come in wire order, then the absent
 * fields' defaults. A record not in the form encoders usually write (a
 * field twice, entries spread) is read by protobuf's rules once put in that
 * form (NonCanonicalEncoding, canonical-message.ts).
 */

export interface TranscodeContext {
  limits: BatchLimits;
  nowMs: number;
}

type FieldKind = 'string' | 'double' | 'int64' | 'uint64' | 'int32' | 'uint32' | 'bool' | 'enum' | 'message' | 'map';

interface FieldPlan {
  name: string;
  kind: FieldKind;
  wireType: number;
  repeated: boolean;
  /** proto3 `optional`: absent stays absent. */
  optional: boolean;
  rule: FieldRule;
  /** `"name":`, and `,"name":` for any field but the first written. */
  key: Uint8Array;
  commaKey: Uint8Array;
  defaultJson: Uint8Array;
  /** `,"_name":"name"`, as the loader's oneofs option adds for a present optional field. */
  optionalMarker: Uint8Array;
  /** Enum value names as JSON, by number, and what the enum is called in a sentence ("run status"). */
  enumJson: Map<number, Uint8Array> | undefined;
  enumNames: Map<number, string> | undefined;
  enumLabel: string | undefined;
  message: MessagePlan | undefined;
}

export interface MessagePlan {
  fields: FieldPlan[];
  /** By field number. */
  byNumber: (FieldPlan | undefined)[];
  /** Field index by field number. */
  indexOf: number[];
  /** The absent fields' JSON, by which fields are present (absentTail). */
  tails: Map<number, Uint8Array>;
}

export interface RecordSchema {
  /** Record's oneof `kind`: the member's name and plan, by field number. */
  kinds: Map<number, { kind: RecordKind; plan: MessagePlan }>;
  seqField: number;
  messages: Map<string, MessagePlan>;
}

/** Where a record's message lies, with its seq and kind: read before the message itself. */
export interface RecordHeader {
  seq: number;
  kind: RecordKind;
  plan: MessagePlan;
  start: number;
  end: number;
  /** When the member came in more than one part (protobuf merges them): each part's start and end. */
  parts?: Array<[number, number]>;
}

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** Sets of present fields whose tails are kept per message type; real agents use a handful. */
const MAX_TAILS_PER_MESSAGE = 256;

/** Reads the contract and plans how each message is read. */
export function loadRecordSchema(): RecordSchema {
  const root = ingestProtoRoot();
  const messages = new Map<string, MessagePlan>();
  const planning = new Set<string>();
  const plan = (type: protobuf.Type): MessagePlan => {
    const known = messages.get(type.name);
    if (known !== undefined) return known;
    if (planning.has(type.name)) throw new Error(`${type.fullName} contains itself, which the transcoder does not read`);
    if (type.fieldsArray.length > 62) throw new Error(`${type.fullName} has ${type.fieldsArray.length} fields; the transcoder tracks at most 62 per message`);
    planning.add(type.name);
    const fields = type.fieldsArray.map((field) => planField(field, fieldRules[type.name]?.[field.name] ?? {}, plan));
    const message: MessagePlan = { fields, byNumber: [], indexOf: [], tails: new Map() };
    type.fieldsArray.forEach((field, index) => {
      message.byNumber[field.id] = fields[index];
      message.indexOf[field.id] = index;
    });
    planning.delete(type.name);
    messages.set(type.name, message);
    return message;
  };
  const record = root.lookupType('powerprof.v1.Record');
  const kinds = new Map<number, { kind: RecordKind; plan: MessagePlan }>();
  for (const member of record.oneofs.kind!.fieldsArray)
    kinds.set(member.id, { kind: member.name as RecordKind, plan: plan(member.resolvedType as protobuf.Type) });
  plan(root.lookupType('powerprof.v1.NodeInfo'));
  return { kinds, seqField: record.fields.seq!.id, messages };
}

const SCALARS: { [type: string]: [FieldKind, number, string] } = {
  string: ['string', WIRE_LENGTH_DELIMITED, '""'],
  double: ['double', WIRE_FIXED64, '0'],
  int64: ['int64', WIRE_VARINT, '0'],
  uint64: ['uint64', WIRE_VARINT, '0'],
  int32: ['int32', WIRE_VARINT, '0'],
  uint32: ['uint32', WIRE_VARINT, '0'],
  bool: ['bool', WIRE_VARINT, 'false'],
};

function planField(field: protobuf.Field, rule: FieldRule, plan: (type: protobuf.Type) => MessagePlan): FieldPlan {
  // Every plan has every property, in the same order: one object shape keeps the hot loop's property reads monomorphic.
  const fieldPlan: FieldPlan = {
    name: field.name,
    kind: 'string',
    wireType: WIRE_LENGTH_DELIMITED,
    repeated: field.repeated,
    optional: field.partOf?.name === `_${field.name}`,
    rule: { required: rule.required, min: rule.min, max: rule.max, timestamp: rule.timestamp },
    key: ascii(`"${field.name}":`),
    commaKey: ascii(`,"${field.name}":`),
    defaultJson: ascii('""'),
    optionalMarker: ascii(`,"_${field.name}":"${field.name}"`),
    enumJson: undefined,
    enumNames: undefined,
    enumLabel: undefined,
    message: undefined,
  };
  const resolved = field.resolvedType;
  if (field instanceof protobuf.MapField) {
    if (field.keyType !== 'string' || field.type !== 'double') throw new Error(`${field.fullName}: only map<string, double> is read here`);
    return Object.assign(fieldPlan, { kind: 'map', repeated: false, defaultJson: ascii('{}') });
  }
  if (field.repeated && !(resolved instanceof protobuf.Type) && field.type !== 'string') {
    // Packed repeated numbers would need their own reading; the contract has none.
    throw new Error(`${field.fullName}: repeated ${field.type} is not read here`);
  }
  if (resolved instanceof protobuf.Enum) {
    const values = Object.entries(resolved.values);
    fieldPlan.kind = 'enum';
    fieldPlan.wireType = WIRE_VARINT;
    fieldPlan.enumNames = new Map(values.map(([name, number]) => [number, name]));
    fieldPlan.enumJson = new Map(values.map(([name, number]) => [number, ascii(JSON.stringify(name))]));
    fieldPlan.enumLabel = resolved.name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    fieldPlan.defaultJson = fieldPlan.enumJson.get(0)!;
    return fieldPlan;
  }
  if (resolved instanceof protobuf.Type) {
    fieldPlan.kind = 'message';
    fieldPlan.defaultJson = ascii(field.repeated ? '[]' : 'null');
    fieldPlan.message = plan(resolved);
    return fieldPlan;
  }
  const scalar = SCALARS[field.type];
  if (scalar === undefined) throw new Error(`${field.fullName}: type ${field.type} is not read here`);
  [fieldPlan.kind, fieldPlan.wireType] = scalar;
  fieldPlan.defaultJson = ascii(field.repeated ? '[]' : scalar[2]);
  return fieldPlan;
}

/**
 * A Record's seq, its kind and where its message lies; the message itself is
 * not read yet. Throws FieldError for a record of no known kind, WireError
 * for bytes that are not protobuf.
 */
export function readRecordHeader(schema: RecordSchema, reader: WireReader): RecordHeader {
  let seq = 0;
  let member: { kind: RecordKind; plan: MessagePlan } | undefined;
  let start = 0;
  let end = 0;
  let parts: Array<[number, number]> | undefined;
  while (!reader.atEnd()) {
    const tag = reader.uint32();
    const number = tag >>> 3;
    const kind = schema.kinds.get(number);
    if (kind !== undefined && (tag & 7) === WIRE_LENGTH_DELIMITED) {
      // Of a oneof's members on the wire, the last is the one that counts; the same member again merges into it.
      const partEnd = reader.delimited();
      if (member === kind) (parts ??= [[start, end]]).push([reader.pos, partEnd]);
      else parts = undefined;
      member = kind;
      start = reader.pos;
      end = partEnd;
      reader.pos = end;
    } else if (number === schema.seqField && (tag & 7) === WIRE_VARINT) {
      reader.varint();
      seq = reader.unsigned64();
    } else {
      reader.skip(tag & 7);
    }
  }
  if (member === undefined)
    throw new FieldError('', 'has no known record kind (node_info, run, power_sample, counter_interval, power_source_status, job_status)', 'unknown_kind');
  return parts === undefined ? { seq, kind: member.kind, plan: member.plan, start, end } : { seq, kind: member.kind, plan: member.plan, start, end, parts };
}

/**
 * A record's message (where its header says it lies in the reader's bytes) as JSON into
 * `out`: read in one pass, or, when it is not in the usual form, by
 * protobuf's rules once put in that form. A rule broken throws FieldError,
 * its path starting at the record's kind.
 */
export function transcodeRecord(header: RecordHeader, reader: WireReader, out: ByteWriter, context: TranscodeContext): void {
  // Parts of a message sent more than once merge as their concatenation does; the usual case is one part, read in place.
  const buf = reader.buf;
  const joined = header.parts === undefined ? undefined : Buffer.concat(header.parts.map(([start, end]) => buf.subarray(start, end)));
  const message = joined === undefined ? reader : new WireReader(joined, 0, joined.length);
  const [start, end] = joined === undefined ? [header.start, header.end] : [0, joined.length];
  message.pos = start;
  message.end = end;
  const mark = out.pos;
  try {
    try {
      transcodeMessage(header.plan, message, out, context);
    } catch (error) {
      // A value that breaks a rule may yet be overridden by a later one of the same field: the usual form decides.
      if (!(error instanceof NonCanonicalEncoding) && !(error instanceof FieldError)) throw error;
      out.pos = mark;
      const canonical = canonicalMessage(header.plan, message.buf, start, end);
      transcodeMessage(header.plan, new WireReader(canonical, 0, canonical.length), out, context);
    }
  } catch (error) {
    throw error instanceof FieldError ? error.within(header.kind) : error;
  }
}

/** A record's message as JSON into `out`; the reader stands on the message's first byte and ends at its last. */
export function transcodeMessage(plan: MessagePlan, reader: WireReader, out: ByteWriter, context: TranscodeContext): void {
  // The fields seen so far, as bits: indexes 0-30 in low, 31-61 in high.
  let low = 0;
  let high = 0;
  out.byte(0x7b); // {
  let first = true;
  while (!reader.atEnd()) {
    const tag = reader.uint32();
    const number = tag >>> 3;
    const field = plan.byNumber[number];
    if (field === undefined) {
      reader.skip(tag & 7);
      continue;
    }
    if ((tag & 7) !== field.wireType) throw new FieldError(field.name, `has wire type ${tag & 7}, where a ${field.kind} field has ${field.wireType}`);
    const index = plan.indexOf[number]!;
    const seen = index < 31 ? (low >>> index) & 1 : (high >>> (index - 31)) & 1;
    if (seen === 1) throw new NonCanonicalEncoding(field.name);
    if (index < 31) low |= 1 << index;
    else high |= 1 << (index - 31);
    out.bytes(first ? field.key : field.commaKey);
    first = false;
    if (field.kind === 'map') writeMap(field, tag, reader, out);
    else if (field.repeated) writeRepeated(field, tag, reader, out, context);
    else {
      try {
        writeValue(field, reader, out, context);
      } catch (error) {
        throw error instanceof FieldError ? error.within(field.name) : error;
      }
      if (field.optional) out.bytes(field.optionalMarker);
    }
  }
  const tail = absentTail(plan, high * 2 ** 31 + low, context);
  if (tail.length > 0) out.bytes(tail, first ? 1 : 0);
  out.byte(0x7d); // }
}

/**
 * The absent fields' defaults as JSON (`,"key":default...`), once their
 * rules are checked: the same for every message with the same fields
 * present, so it is worked out once per set and kept. A set whose absent
 * fields break a rule throws each time and is never kept.
 */
function absentTail(plan: MessagePlan, present: number, context: TranscodeContext): Uint8Array {
  const known = plan.tails.get(present);
  if (known !== undefined) return known;
  let tail = '';
  plan.fields.forEach((field, index) => {
    const seen = index < 31 ? Math.floor((present % 2 ** 31) / 2 ** index) % 2 : Math.floor(present / 2 ** 31 / 2 ** (index - 31)) % 2;
    if (seen === 1 || field.optional) return;
    checkAbsent(field, context);
    tail += `,"${field.name}":${Buffer.from(field.defaultJson).toString('latin1')}`;
  });
  // An absent timestamp, required string or enum throws above: what is kept holds whatever the clock says.
  const bytes = ascii(tail);
  if (plan.tails.size < MAX_TAILS_PER_MESSAGE) plan.tails.set(present, bytes);
  return bytes;
}

/** One field's value, checked, as JSON. */
function writeValue(field: FieldPlan, reader: WireReader, out: ByteWriter, context: TranscodeContext): void {
  switch (field.kind) {
    case 'string':
      writeString(field.rule.required === true, reader, out, context.limits.maxStringLength);
      return;
    case 'double':
      writeNumber(field.rule, reader.double(), out, context);
      return;
    case 'message': {
      const end = reader.delimited();
      const outer = reader.end;
      reader.end = end;
      transcodeMessage(field.message!, reader, out, context);
      reader.end = outer;
      return;
    }
    case 'bool':
      reader.varint();
      out.ascii(reader.lo !== 0 || reader.hi !== 0 ? 'true' : 'false');
      return;
    case 'enum': {
      reader.varint();
      const value = reader.lo | 0;
      checkEnum('', field, value);
      out.bytes(field.enumJson!.get(value)!);
      return;
    }
    default: {
      reader.varint();
      const kind = field.kind;
      const value = kind === 'uint64' ? reader.unsigned64() : kind === 'int64' ? reader.signed64() : kind === 'uint32' ? reader.lo : reader.lo | 0;
      writeNumber(field.rule, value, out, context);
    }
  }
}

/** A repeated field's entries, which follow one another on the wire under the same tag. */
function writeRepeated(field: FieldPlan, tag: number, reader: WireReader, out: ByteWriter, context: TranscodeContext): void {
  const max = context.limits.maxCountersPerRecord;
  out.byte(0x5b); // [
  let count = 0;
  for (;;) {
    if (count < max) {
      if (count > 0) out.byte(0x2c);
      try {
        writeValue(field, reader, out, context);
      } catch (error) {
        throw error instanceof FieldError ? error.within(`${field.name}[${count}]`) : error;
      }
    } else {
      reader.skip(field.wireType);
    }
    count++;
    if (!nextTagIs(tag, reader)) break;
  }
  if (count > max) throw new FieldError(field.name, `has ${count} entries, more than ${max}`);
  out.byte(0x5d); // ]
}

/** map<string, double>: entries as an object, names checked. */
function writeMap(field: FieldPlan, tag: number, reader: WireReader, out: ByteWriter): void {
  out.byte(0x7b);
  let count = 0;
  const keys = new Set<string>();
  for (;;) {
    const end = reader.delimited();
    const outer = reader.end;
    reader.end = end;
    let key = '';
    let value = 0;
    while (!reader.atEnd()) {
      const entryTag = reader.uint32();
      if (entryTag === ((1 << 3) | WIRE_LENGTH_DELIMITED)) {
        const keyEnd = reader.delimited();
        key = reader.buf.toString('utf8', reader.pos, keyEnd);
        reader.pos = keyEnd;
      } else if (entryTag === ((2 << 3) | WIRE_FIXED64)) {
        value = reader.double();
      } else {
        reader.skip(entryTag & 7);
      }
    }
    reader.end = outer;
    count++;
    if (count > MAX_MAP_ENTRIES) throw new FieldError(field.name, `has more than ${MAX_MAP_ENTRIES} entries`);
    if (key === '' || key.length > MAX_MAP_NAME_LENGTH)
      throw new FieldError(field.name, `has a name of ${key.length} characters; names are 1-${MAX_MAP_NAME_LENGTH}`);
    if (!Number.isFinite(value)) throw new FieldError(`${field.name}[${JSON.stringify(key)}]`, `is ${value}, not a finite number`);
    if (keys.has(key)) throw new NonCanonicalEncoding(field.name);
    keys.add(key);
    if (count > 1) out.byte(0x2c);
    out.utf8(JSON.stringify(key));
    out.byte(0x3a); // :
    out.ascii(String(value));
    if (!nextTagIs(tag, reader)) break;
  }
  out.byte(0x7d);
}

/** Steps over the next tag when it is this one; otherwise stays where it is. */
function nextTagIs(tag: number, reader: WireReader): boolean {
  if (reader.atEnd()) return false;
  const pos = reader.pos;
  if (reader.uint32() === tag) return true;
  reader.pos = pos;
  return false;
}

/** A string as JSON: printable ASCII is copied as it is, anything else goes through UTF-8 decoding and JSON escaping. */
function writeString(required: boolean, reader: WireReader, out: ByteWriter, maxLength: number): void {
  const end = reader.delimited();
  const { buf, pos } = reader;
  reader.pos = end;
  let plain = true;
  for (let i = pos; i < end; i++) {
    const byte = buf[i]!;
    if (byte < 0x20 || byte > 0x7e || byte === 0x22 || byte === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) {
    if (end - pos > maxLength) throw new FieldError('', `is ${end - pos} characters, more than ${maxLength}`);
    if (required && end === pos) throw new FieldError('', 'is empty');
    out.byte(0x22);
    out.bytes(buf, pos, end);
    out.byte(0x22);
    return;
  }
  const text = buf.toString('utf8', pos, end);
  if (text.length > maxLength) throw new FieldError('', `is ${text.length} characters, more than ${maxLength}`);
  out.utf8(JSON.stringify(text));
}

function writeNumber(rule: FieldRule, value: number, out: ByteWriter, context: TranscodeContext): void {
  if (rule.timestamp === true) checkTimestamp('', value, context);
  if (!Number.isFinite(value)) throw new FieldError('', `is ${value}, not a finite number`);
  if (rule.max !== undefined && (value < rule.min! || value > rule.max)) throw new FieldError('', `${value} is outside ${rule.min}-${rule.max}`);
  if (rule.min !== undefined && value < rule.min) throw new FieldError('', `is ${value}, below ${rule.min}`);
  out.number(value);
}

/** An absent field is its default: the rules hold for that too. */
function checkAbsent(field: FieldPlan, context: TranscodeContext): void {
  if (field.rule.required === true) throw new FieldError(field.name, 'is empty');
  if (field.rule.timestamp === true) checkTimestamp(field.name, 0, context);
  if (field.kind === 'enum' && !field.repeated) checkEnum(field.name, field, 0);
}

function checkEnum(path: string, field: FieldPlan, value: number): void {
  if (value === 0 || !field.enumNames!.has(value)) throw new FieldError(path, `${field.enumNames!.get(value) ?? value} is not a ${field.enumLabel}`);
}

function checkTimestamp(path: string, value: number, context: TranscodeContext): void {
  const { limits, nowMs } = context;
  if (!Number.isSafeInteger(value) || value <= 0) throw new FieldError(path, `is ${value}, not a Unix time in milliseconds`);
  if (value > nowMs + limits.maxFutureMs) {
    throw new FieldError(
      path,
      `is ${formatUnixMs(value)}, more than ${formatSpan(limits.maxFutureMs)} ahead of the collector's clock (is the node's clock right?)`,
      'bad_timestamp',
    );
  }
  if (value < nowMs - limits.maxAgeMs)
    throw new FieldError(path, `is ${formatUnixMs(value)}, more than ${formatSpan(limits.maxAgeMs)} in the past`, 'bad_timestamp');
}

/** A date for a sentence; one past what a JavaScript Date holds (±8.64e15 ms) as its number. */
function formatUnixMs(value: number): string {
  return Math.abs(value) <= MAX_DATE_MS ? new Date(value).toISOString() : `${value} ms after 1970 (past the year 275760)`;
}

const MAX_DATE_MS = 8.64e15;

function formatSpan(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}` : `${Math.round(ms / 1000)} s`;
}
