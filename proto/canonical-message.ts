import { FieldError } from './field-error.js';
import type { MessagePlan } from './record-transcoder.js';
import { WIRE_LENGTH_DELIMITED, WireReader } from './wire-reader.js';

/**
 * A message re-encoded the way encoders usually write it — each field once,
 * in field-number order, a repeated field's entries together — holding what
 * protobuf's parsing rules say the original holds:
 *   - a scalar (or string) sent more than once: the last one counts;
 *   - a message field sent more than once: the parts are merged (merging is
 *     parsing their concatenation), recursively;
 *   - a repeated field's entries, wherever they lie: all of them, in order;
 *   - a map: entries wherever they lie, the last of each key counting;
 *   - unknown fields: dropped (the collector stores what the contract names).
 * The transcoder reads the usual form in one pass; a record that is not in
 * it (which conforming encoders may send) is brought into it here first.
 */
export function canonicalMessage(plan: MessagePlan, buf: Buffer, start: number, end: number): Buffer {
  const reader = new WireReader(buf, start, end);
  /** By field number: what is kept of it, tag included (for a singular message: its parts' payloads, merged below). */
  const kept = new Map<number, Buffer[]>();
  const mapEntries = new Map<number, Map<string, Buffer>>();
  while (!reader.atEnd()) {
    const tag = reader.uint32();
    const field = plan.byNumber[tag >>> 3];
    if (field !== undefined && (tag & 7) !== field.wireType)
      throw new FieldError(field.name, `has wire type ${tag & 7}, where a ${field.kind} field has ${field.wireType}`);
    const number = tag >>> 3;
    const valueStart = reader.pos;
    reader.skip(tag & 7);
    const raw = buf.subarray(valueStart, reader.pos);
    if (field === undefined) continue;
    const values = kept.get(number) ?? [];
    kept.set(number, values);
    if (field.kind === 'map') {
      const entries = mapEntries.get(number) ?? new Map<string, Buffer>();
      const key = mapKey(raw);
      entries.delete(key); // a key again: the last one counts, where it now stands
      entries.set(key, withTag(tag, raw));
      mapEntries.set(number, entries);
    } else if (field.repeated && field.kind === 'message') {
      values.push(delimited(tag, canonicalOfDelimited(field.message!, raw)));
    } else if (field.repeated) {
      values.push(withTag(tag, raw));
    } else if (field.kind === 'message') {
      values.push(payloadOf(raw));
    } else {
      values.splice(0, values.length, withTag(tag, raw));
    }
  }
  const parts: Buffer[] = [];
  for (const number of [...kept.keys()].sort((a, b) => a - b)) {
    const field = plan.byNumber[number]!;
    const values = kept.get(number)!;
    if (field.kind === 'map') parts.push(...mapEntries.get(number)!.values());
    else if (field.kind === 'message' && !field.repeated) {
      const joined = Buffer.concat(values);
      parts.push(delimited((number << 3) | WIRE_LENGTH_DELIMITED, canonicalMessage(field.message!, joined, 0, joined.length)));
    } else parts.push(...values);
  }
  return Buffer.concat(parts);
}

/** A delimited value's payload (its length prefix read off). */
function payloadOf(raw: Buffer): Buffer {
  const reader = new WireReader(raw, 0, raw.length);
  const end = reader.delimited();
  return raw.subarray(reader.pos, end);
}

function canonicalOfDelimited(plan: MessagePlan, raw: Buffer): Buffer {
  const payload = payloadOf(raw);
  return canonicalMessage(plan, payload, 0, payload.length);
}

function withTag(tag: number, raw: Buffer): Buffer {
  return Buffer.concat([encodeVarint(tag), raw]);
}

/** A map entry's key (field 1), as UTF-8 text; "" when absent. */
function mapKey(raw: Buffer): string {
  const payload = payloadOf(raw);
  const reader = new WireReader(payload, 0, payload.length);
  let key = '';
  while (!reader.atEnd()) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_LENGTH_DELIMITED)) {
      const keyEnd = reader.delimited();
      key = payload.toString('utf8', reader.pos, keyEnd);
      reader.pos = keyEnd;
    } else {
      reader.skip(tag & 7);
    }
  }
  return key;
}

function delimited(tag: number, payload: Buffer): Buffer {
  return Buffer.concat([encodeVarint(tag), encodeVarint(payload.length), payload]);
}

function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
