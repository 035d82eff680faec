import { closeSync, ftruncateSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { scanEntry, type SpoolEntry } from './spool-entry.js';

/**
 * One file of the spool: entries appended in seq order. Its name is the
 * seq its first entry was given (zero-padded, so names sort as numbers).
 */
export interface Segment {
  name: string;
  path: string;
  /** Bytes of whole entries. */
  bytes: number;
  /** The highest seq in the segment; 0 while it is empty. */
  lastSeq: number;
  /** Entries of class "sample": what the drop policy removes first. */
  samples: number;
  records: number;
}

const SUFFIX = '.wal';
const CHUNK_BYTES = 256 * 1024;

export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}${SUFFIX}`;
}

export function listSegmentNames(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => /^\d{20}\.wal$/.test(name))
    .sort();
}

export function emptySegment(directory: string, name: string): Segment {
  return { name, path: join(directory, name), bytes: 0, lastSeq: 0, samples: 0, records: 0 };
}

export type SegmentRead = { kind: 'entry'; entry: SpoolEntry } | { kind: 'end'; offset: number; damaged?: string };

/**
 * The entries of a segment from `from` up to `end` (its length), read a
 * chunk at a time. The last item says where reading stopped: at `end`, or
 * earlier at a damaged or cut entry.
 */
export function* readSegment(path: string, from: number, end: number): Generator<SegmentRead> {
  const fd = openSync(path, 'r');
  try {
    let offset = from;
    let chunk = Buffer.alloc(0);
    let chunkOffset = from;
    let at = 0;
    while (offset < end) {
      const scan = scanEntry(chunk, at, chunkOffset);
      if (scan.kind === 'entry') {
        yield scan;
        offset += scan.entry.size;
        at += scan.entry.size;
        continue;
      }
      if (scan.kind === 'damaged') {
        yield { kind: 'end', offset, damaged: scan.why };
        return;
      }
      // Not enough bytes in hand: read on from this entry, at least what it needs.
      const available = end - offset;
      if (available < scan.needBytes) {
        yield { kind: 'end', offset, damaged: `the last entry is cut short (${available} of ${scan.needBytes} bytes)` };
        return;
      }
      const wanted = Math.min(Math.max(CHUNK_BYTES, scan.needBytes), available);
      chunk = Buffer.allocUnsafe(wanted);
      const read = readSync(fd, chunk, 0, wanted, offset);
      if (read < scan.needBytes) {
        yield { kind: 'end', offset, damaged: `the file ends inside an entry (${read} of ${scan.needBytes} bytes)` };
        return;
      }
      chunk = chunk.subarray(0, read);
      chunkOffset = offset;
      at = 0;
    }
    yield { kind: 'end', offset };
  } finally {
    closeSync(fd);
  }
}

export interface SegmentReplay {
  segment: Segment;
  /** Entries above the acked seq. */
  pending: number;
  /** The offset after the last entry at or below the acked seq (0 when none): where reading resumes. */
  ackedEnd: number;
  /** Bytes cut off the end: a damaged or half-written tail. */
  tornBytes: number;
  damage?: string;
}

/** Scans a segment at start, cutting a torn tail off so that appends follow whole entries. */
export function replaySegment(directory: string, name: string, fileBytes: number, ackedThrough: number): SegmentReplay {
  const segment = emptySegment(directory, name);
  let pending = 0;
  let ackedEnd = 0;
  for (const item of readSegment(segment.path, 0, fileBytes)) {
    if (item.kind === 'entry') {
      if (item.entry.seq > ackedThrough) pending++;
      else ackedEnd = item.entry.offset + item.entry.size;
      segment.lastSeq = item.entry.seq;
      segment.records++;
      if (item.entry.entryClass === 'sample') segment.samples++;
      continue;
    }
    segment.bytes = item.offset;
    if (item.offset < fileBytes) {
      const fd = openSync(segment.path, 'r+');
      try {
        ftruncateSync(fd, item.offset);
      } finally {
        closeSync(fd);
      }
      return { segment, pending, ackedEnd, tornBytes: fileBytes - item.offset, damage: item.damaged ?? 'cut short' };
    }
  }
  return { segment, pending, ackedEnd, tornBytes: 0 };
}
