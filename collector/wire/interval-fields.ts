import { WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, WireReader } from '../../proto/wire-reader.js';
import { STATUS_CODES } from './stream-fields.js';

const STATUS_NAMES = ['COUNTER_STATUS_UNSPECIFIED', 'COUNTER_STATUS_COUNTED', 'COUNTER_STATUS_NOT_COUNTED', 'COUNTER_STATUS_NOT_SUPPORTED'];

/** An event's field names ("e:cycles", "r:cycles", ...), made once: the same few events come ten times a second. */
const namesByEvent = new Map<string, { value: string; running: string; status: string; unit: string }>();
function fieldNames(event: string): { value: string; running: string; status: string; unit: string } {
  let names = namesByEvent.get(event);
  if (names === undefined) {
    names = { value: `e:${event}`, running: `r:${event}`, status: `s:${event}`, unit: `u:${event}` };
    // Bounded: a sender inventing names cannot grow it without end.
    if (namesByEvent.size < 4096) namesByEvent.set(event, names);
  }
  return names;
}

/**
 * A counter interval's stream fields read straight from its wire bytes, as
 * counterIntervalFields() writes them from the message: most of what
 * arrives is intervals, and building each as an object first (JSON written,
 * then parsed) cost the collector 2.5 times the CPU. Called once the record
 * has passed the record rules, so the bytes are known valid; fields sent
 * twice keep their last value, as protobuf reads them.
 */
export function counterIntervalFieldsFromWire(buf: Buffer, start: number, end: number): string[] {
  const reader = new WireReader(buf, start, end);
  let runId = '';
  let timeS = 0;
  const counters: string[] = [];
  while (!reader.atEnd()) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === WIRE_LENGTH_DELIMITED) {
      const stop = reader.delimited();
      runId = buf.toString('utf8', reader.pos, stop);
      reader.pos = stop;
    } else if (field === 2 && wireType === WIRE_FIXED64) {
      timeS = reader.double();
    } else if (field === 3 && wireType === WIRE_LENGTH_DELIMITED) {
      const stop = reader.delimited();
      counterFields(buf, reader, stop, counters);
      reader.pos = stop;
    } else {
      reader.skip(wireType);
    }
  }
  return ['run_id', runId, 'time_s', String(timeS), ...counters];
}

function counterFields(buf: Buffer, outer: WireReader, end: number, fields: string[]): void {
  const reader = new WireReader(buf, outer.pos, end);
  let event = '';
  let value = 0;
  let unit = '';
  let running = 0;
  let status = 0;
  while (!reader.atEnd()) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if ((field === 1 || field === 3) && wireType === WIRE_LENGTH_DELIMITED) {
      const stop = reader.delimited();
      const text = buf.toString('utf8', reader.pos, stop);
      if (field === 1) event = text;
      else unit = text;
      reader.pos = stop;
    } else if ((field === 2 || field === 4) && wireType === WIRE_FIXED64) {
      if (field === 2) value = reader.double();
      else running = reader.double();
    } else if (field === 5 && wireType === WIRE_VARINT) {
      reader.varint();
      status = reader.lo;
    } else {
      reader.skip(wireType);
    }
  }
  const name = STATUS_NAMES[status] ?? 'COUNTER_STATUS_UNSPECIFIED';
  const names = fieldNames(event);
  if (name === 'COUNTER_STATUS_COUNTED') {
    fields.push(names.value, String(value));
    if (running < 100) fields.push(names.running, String(running));
  } else {
    fields.push(names.status, STATUS_CODES[name]!);
    if (running !== 0) fields.push(names.running, String(running));
  }
  if (unit !== '') fields.push(names.unit, unit);
}
