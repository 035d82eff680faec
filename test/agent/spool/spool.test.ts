import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { encodeEntry } from '../../../agent/spool/spool-entry.js';
import { Spool, type SpoolOptions } from '../../../agent/spool/spool.js';
import { takeCollectorMark } from '../../../agent/transport/collector-mark.js';
import type { Record as RecordInput } from '../../../proto/generated/powerprof/v1/Record.js';
import { loadRecordCodec } from '../../../proto/record-codec.js';
import { loadRecordCheck } from '../../../proto/record-check.js';
import { sampleRun } from '../../proto/sample-records.js';
import { testLogger } from '../../support/silent-logger.js';

const codec = loadRecordCodec();
const check = loadRecordCheck();
const roots: string[] = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function spoolDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'powerprof-spool-'));
  roots.push(root);
  return join(root, 'node-a');
}

function open(directory: string, overrides: Partial<SpoolOptions> = {}): Spool {
  return Spool.open({ directory, nodeId: 'node-a', maxBytes: 1024 ** 3, fsync: 'runs', syncIntervalMs: 1000, codec, check, logger: testLogger, ...overrides });
}

function sample(index: number): RecordInput {
  return { power_sample: { source: 'ipmi-dcmi', sensor: 'system', time_unix_ms: 1_700_000_000_000 + index, watts: 100 + index, state: 'activated' } };
}

function readAll(spool: Spool): Array<{ seq: number; id: string }> {
  const out: Array<{ seq: number; id: string }> = [];
  for (;;) {
    const records = spool.read(7, 1024 * 1024);
    if (records.length === 0) return out;
    out.push(...records.map((r) => ({ seq: r.seq, id: r.run?.run_id ?? `w${r.power_sample!.watts}` })));
  }
}

function segmentFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.wal'))
    .sort();
}

describe('Spool: a durable, segmented log of records', () => {
  it('numbers records, keeps them across a reopen, and goes on numbering after the last', () => {
    const directory = spoolDir();
    let spool = open(directory);
    spool.append([{ run: sampleRun('r1') }, sample(1), sample(2)]);
    const first = readAll(spool);
    assert.deepEqual(
      first.map((r) => r.id),
      ['r1', 'w101', 'w102'],
    );
    assert.ok(first[0]!.seq > 1e15, 'seqs start at the clock, above any earlier spool of this node');
    assert.deepEqual(
      first.map((r) => r.seq - first[0]!.seq),
      [0, 1, 2],
    );
    spool.close();

    spool = open(directory);
    assert.equal(spool.produced, 3);
    spool.append([sample(3)]);
    assert.deepEqual(readAll(spool), [...first, { seq: first[2]!.seq + 1, id: 'w103' }]);
    spool.close();
  });

  it('removes records only once acked; the acked position and seq survive with every segment gone', () => {
    const directory = spoolDir();
    let spool = open(directory, { maxBytes: 64 * 1024 }); // 8 KiB segments
    for (let i = 0; i < 400; i++) spool.append([sample(i)]);
    assert.ok(segmentFiles(directory).length > 3);
    const records = readAll(spool);
    assert.equal(records.length, 400);
    spool.acknowledge(records[199]!.seq);
    spool.rewind();
    assert.equal(readAll(spool)[0]!.id, 'w300', 'reading starts after the ack');
    spool.acknowledge(records.at(-1)!.seq);
    assert.equal(spool.hasPending(), false);
    assert.equal(segmentFiles(directory).length, 1, 'only the segment being written is left');
    spool.close();

    spool = open(directory, { maxBytes: 64 * 1024 });
    assert.equal(spool.hasPending(), false);
    assert.deepEqual(readAll(spool), []);
    spool.append([sample(9)]);
    assert.equal(readAll(spool)[0]!.seq, records.at(-1)!.seq + 1);
    spool.close();
  });

  it('a torn tail, cut anywhere inside the last record, is cut off and counted; the records before it are whole', () => {
    const reference = spoolDir();
    const spool = open(reference);
    spool.append([{ run: sampleRun('keep-me') }, sample(1)]);
    spool.close();
    const [segment] = segmentFiles(reference);
    const whole = readFileSync(join(reference, segment!));
    const lastEntry = encodeEntry(0, 'sample', codec.encode(sample(1))).length;
    for (let cut = 1; cut < lastEntry; cut++) {
      const directory = spoolDir();
      mkdirSync(directory, { recursive: true });
      writeFileSync(join(directory, segment!), whole.subarray(0, whole.length - cut));
      writeFileSync(join(directory, 'state.json'), readFileSync(join(reference, 'state.json')));
      const reopened = open(directory);
      assert.deepEqual(
        readAll(reopened).map((r) => r.id),
        ['keep-me'],
        `cut ${cut} bytes`,
      );
      assert.equal(reopened.tornBytes, lastEntry - cut, `cut ${cut} bytes`);
      reopened.append([sample(2)]);
      reopened.close();
      assert.deepEqual(
        readAll(open(directory)).map((r) => r.id),
        ['keep-me', 'w102'],
        'appends after a cut tail read back',
      );
    }
  });

  it('a damaged checksum stops the segment there and is counted, never fatal', () => {
    const directory = spoolDir();
    const spool = open(directory);
    spool.append([{ run: sampleRun('a') }, { run: sampleRun('b') }, { run: sampleRun('c') }]);
    spool.close();
    const path = join(directory, segmentFiles(directory)[0]!);
    const bytes = readFileSync(path);
    const firstSize = bytes.readUInt32LE(0) + 8;
    bytes[firstSize + 20] = bytes[firstSize + 20]! ^ 0xff; // inside the second record's body
    writeFileSync(path, bytes);
    const reopened = open(directory);
    assert.deepEqual(
      readAll(reopened).map((r) => r.id),
      ['a'],
    );
    assert.equal(reopened.tornBytes, bytes.length - firstSize);
    reopened.close();
  });

  it('reads on from where it left off, never going over entries it read before (across segments)', () => {
    const directory = spoolDir();
    const spool = open(directory, { maxBytes: 64 * 1024 }); // 8 KiB segments
    const segmentsSeen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      spool.append([sample(i)]);
      const [record, ...more] = spool.read(500, 1024 * 1024);
      assert.deepEqual([record?.power_sample?.watts, more.length], [100 + i, 0], `read ${i}`);
      spool.acknowledge(record!.seq);
      // Damage every entry read so far in the segments still on disk: a read that went over them again would stop there.
      for (const name of segmentFiles(directory)) {
        segmentsSeen.add(name);
        const bytes = readFileSync(join(directory, name));
        bytes.fill(0xee, 0, bytes.length);
        writeFileSync(join(directory, name), bytes);
      }
    }
    assert.ok(segmentsSeen.size > 3, `the records spanned several segments (${segmentsSeen.size})`);
    spool.close();
  });

  it('reopened, it reads from its first unacked entry on, not over the acked ones before it', () => {
    const directory = spoolDir();
    let spool = open(directory);
    spool.append([1, 2, 3, 4, 5].map(sample));
    const records = spool.read(500, 1024 * 1024);
    spool.acknowledge(records[2]!.seq);
    spool.close();
    spool = open(directory);
    // The acked entries, damaged once the reopen has checked them: a read from the segment's start would stop there.
    const [name] = segmentFiles(directory);
    const bytes = readFileSync(join(directory, name!));
    const ackedBytes = bytes.length - 2 * encodeEntry(0, 'sample', codec.encode(sample(4))).length;
    bytes.fill(0xee, 0, ackedBytes);
    writeFileSync(join(directory, name!), bytes);
    assert.deepEqual(
      readAll(spool).map((r) => r.id),
      ['w104', 'w105'],
    );
    spool.close();
  });
  it('when full, drops the oldest samples first, keeps run records, and counts exactly what it dropped', () => {
    const directory = spoolDir();
    const maxBytes = 64 * 1024;
    const spool = open(directory, { maxBytes });
    const runs: string[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 500 === 0) {
        runs.push(`run-${i}`);
        spool.append([{ run: sampleRun(`run-${i}`) }]);
      } else spool.append([sample(i)]);
    }
    assert.ok(spool.bytes <= maxBytes, `${spool.bytes} bytes`);
    const left = readAll(spool);
    assert.deepEqual(
      left.filter((r) => r.id.startsWith('run-')).map((r) => r.id),
      runs,
      'every run record is kept',
    );
    assert.equal(spool.produced, 3000);
    assert.equal(spool.dropped + left.length, 3000, 'dropped + kept = produced');
    const samplesLeft = left.filter((r) => r.id.startsWith('w')).map((r) => Number(r.id.slice(1)) - 100);
    assert.ok(samplesLeft[0]! > 1000, 'the samples kept are the newest');
    assert.deepEqual(
      samplesLeft,
      [...samplesLeft].sort((a, b) => a - b),
    );
    spool.close();
    assert.equal(open(directory, { maxBytes }).dropped, spool.dropped, 'the count survives a reopen');
  });

  it('does not drop samples that are on the wire unacked: they may be written already', () => {
    const directory = spoolDir();
    const spool = open(directory, { maxBytes: 64 * 1024 });
    for (let i = 0; i < 100; i++) spool.append([sample(i)]);
    const inFlight = spool.read(100, 1024 * 1024);
    for (let i = 100; i < 2000; i++) spool.append([sample(i)]);
    spool.rewind();
    const ids = new Set(readAll(spool).map((r) => r.id));
    assert.ok(inFlight.every((r) => ids.has(`w${r.power_sample!.watts}`)));
    spool.close();
  });

  it('one agent per spool; a lock left by a dead process is taken over', () => {
    const directory = spoolDir();
    const spool = open(directory);
    writeFileSync(join(directory, 'lock'), '1\n'); // pid 1 is alive: another agent
    assert.throws(() => open(directory), /in use by another agent \(pid 1\)/);
    writeFileSync(join(directory, 'lock'), '999999999\n');
    assert.doesNotThrow(() => open(directory).close());
    spool.close();
  });

  it('segments whose state.json is gone are kept, not taken for acked', () => {
    const directory = spoolDir();
    const spool = open(directory);
    spool.append([{ run: sampleRun('orphan') }, sample(1)]);
    spool.close();
    rmSync(join(directory, 'state.json'));
    const reopened = open(directory);
    assert.deepEqual(
      readAll(reopened).map((r) => r.id),
      ['orphan', 'w101'],
    );
    reopened.close();
  });

  it('any bytes in a segment (fast-check): the spool opens, keeps the whole records before the damage, counts the rest', () => {
    const directory = spoolDir();
    const spool = open(directory);
    spool.append([{ run: sampleRun('before') }]);
    spool.close();
    const path = join(directory, segmentFiles(directory)[0]!);
    const good = readFileSync(path);
    let tornBefore = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (noise) => {
        writeFileSync(path, Buffer.concat([good, noise]));
        const reopened = open(directory);
        try {
          const ids = readAll(reopened).map((r) => r.id);
          assert.equal(ids[0], 'before');
          assert.ok(reopened.tornBytes - tornBefore <= noise.length, 'only the noise is cut');
          tornBefore = reopened.tornBytes;
        } finally {
          reopened.close();
        }
      }),
      { numRuns: 200 },
    );
  });

  it("refuses another node's spool", () => {
    const directory = spoolDir();
    open(directory).close();
    assert.throws(
      () => Spool.open({ directory, nodeId: 'node-b', maxBytes: 1 << 20, fsync: 'runs', syncIntervalMs: 1000, codec, check, logger: testLogger }),
      /belongs to node "node-a", not "node-b"/,
    );
  });

  it('starts a new epoch, keeping every record and its seq, when the collector is ahead of everything the spool numbered', () => {
    const directory = spoolDir();
    const spool = open(directory);
    spool.append([{ run: sampleRun('new') }]);
    const epoch = spool.epoch;
    assert.ok(Number.isSafeInteger(epoch) && epoch > 0, `a new spool has an epoch: ${epoch}`);
    const [sent] = spool.read(10, 1 << 20);
    takeCollectorMark(spool, Number.MAX_SAFE_INTEGER, testLogger); // a forged mark, far above anything numbered here
    assert.notEqual(spool.epoch, epoch);
    const [record] = spool.read(10, 1 << 20);
    assert.equal(record!.seq, sent!.seq, 'seqs stay: the new epoch starts afresh at the collector');
    assert.ok(record!.seq < Number.MAX_SAFE_INTEGER);
    spool.acknowledge(record!.seq);
    assert.equal(spool.hasPending(), false);
    spool.close();
    assert.equal(open(directory).epoch, spool.epoch, 'the epoch is kept across restarts');
  });

  it('refuses a record that breaks the record rules, alone and counted, and numbers its neighbours', () => {
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => errors.push((JSON.parse(line) as { err: string }).err) });
    const spool = open(spoolDir(), { logger });
    spool.append([sample(1), { run: sampleRun('bad', { duration_ms: Number.NaN }) }, sample(2)]);
    assert.equal(spool.refused, 1);
    assert.deepEqual(errors, ['run.duration_ms is NaN, not a finite number']);
    const records = spool.read(10, 1 << 20);
    assert.deepEqual(
      records.map((r) => r.power_sample?.watts),
      [101, 102],
    );
    assert.equal(records[1]!.seq, records[0]!.seq + 1, 'a refused record takes no seq');
    assert.equal(spool.produced, 2);
    spool.close();
  });

  it('the collector behind the spool: records up to its seq are acked, reading starts after them', () => {
    const directory = spoolDir();
    const spool = open(directory);
    spool.append([sample(1), sample(2), sample(3)]);
    const [one, two] = spool.read(2, 1 << 20);
    takeCollectorMark(spool, one!.seq, testLogger);
    assert.deepEqual(
      readAll(spool).map((r) => r.seq),
      [two!.seq, two!.seq + 1],
    );
    spool.close();
  });

  it("warns that the collector lost acked data only when it did: not at a new spool's first connect", () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) });
    const spool = open(spoolDir(), { logger });
    spool.append([sample(1), sample(2)]);
    takeCollectorMark(spool, 0, logger); // a node the collector has not seen yet
    assert.deepEqual(warnings, []);
    const [one, two] = spool.read(2, 1 << 20);
    spool.acknowledge(two!.seq);
    takeCollectorMark(spool, one!.seq, logger); // Redis restored from before the second record's ack
    assert.deepEqual(warnings, ['the collector is behind records it acked before: its Redis lost acked data (restored from an older copy?)']);
    spool.close();
  });

  it('finishes a compaction a crash cut short when its count was saved, and undoes it otherwise', () => {
    for (const saved of [true, false]) {
      const directory = spoolDir();
      const spool = open(directory);
      spool.append([{ run: sampleRun('kept') }, sample(1), sample(2)]);
      const keptSeq = spool.read(1, 1 << 20)[0]!.seq;
      spool.close();
      const segment = segmentFiles(directory)[0]!;
      // A crash after the rewritten segment was written, before it replaced the old one.
      writeFileSync(join(directory, `${segment}.compact`), encodeEntry(keptSeq, 'keep', codec.encode({ run: sampleRun('kept') })));
      const state = JSON.parse(readFileSync(join(directory, 'state.json'), 'utf8')) as object;
      if (saved) writeFileSync(join(directory, 'state.json'), JSON.stringify({ ...state, dropped: 2, compacting: segment }));
      const reopened = open(directory);
      assert.deepEqual(
        readAll(reopened).map((r) => r.id),
        saved ? ['kept'] : ['kept', 'w101', 'w102'],
      );
      assert.equal(reopened.dropped, saved ? 2 : 0);
      assert.equal(existsSync(join(directory, `${segment}.compact`)), false);
      reopened.close();
    }
  });

  it('appending after a reopen of a file cut mid-header still works', () => {
    const directory = spoolDir();
    const spool = open(directory);
    spool.append([{ run: sampleRun('x') }]);
    spool.close();
    const path = join(directory, segmentFiles(directory)[0]!);
    appendFileSync(path, Buffer.from([1, 2, 3]));
    const size = statSync(path).size;
    const reopened = open(directory);
    assert.equal(reopened.tornBytes, 3);
    reopened.close();
    assert.equal(statSync(path).size, size - 3);
    truncateSync(path, 0);
    assert.deepEqual(
      readAll(open(directory)).map((r) => r.id),
      [],
    );
  });
});
