import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseLscpu } from '../../agent/node-info/parse-lscpu.js';
import { parsePerfStat } from '../../agent/perf/parse-perf-stat.js';
import { parseDcmiPowerReading } from '../../agent/power/sources/ipmi-dcmi/parse-dcmi-power-reading.js';
import { parseNvidiaSmi } from '../../agent/power/sources/nvidia/parse-nvidia-smi.js';
import { parseSdrWatts } from '../../agent/power/sources/ipmi-sdr/parse-sdr-watts.js';
import { hwmonSource } from '../../agent/power/sources/hwmon/hwmon-source.js';
import { raplSource } from '../../agent/power/sources/rapl/rapl-source.js';
import { parseMetricLine } from '../../agent/workload/workload-metrics.js';
import { parseCsv } from '../../proto/csv-tables.js';
import { captureFolder } from '../support/capture-cases.js';
import { fileTree, writeSysfsValue } from '../support/file-tree.js';

/**
 * Property-based tests of every parser of tool output: on any input, real
 * captures mutated or plain noise, a parser answers (a result or a stated
 * error) and never throws; what it returns holds no NaN or infinity, and no
 * negative power; and it does not hang on huge input.
 */

const RUNS = Number(process.env.POWERPROF_FUZZ_RUNS ?? 300);

function fixtureLines(kind: string): string[] {
  const root = captureFolder(kind);
  return readdirSync(root).flatMap((name) =>
    readdirSync(join(root, name))
      .filter((file) => file.endsWith('.txt'))
      .flatMap((file) => readFileSync(join(root, name, file), 'utf8').split('\n')),
  );
}

/** Real lines, lines with their numbers swapped for hostile ones, and noise, in any order. */
function toolOutput(kind: string): fc.Arbitrary<string> {
  const lines = fixtureLines(kind);
  const hostileNumber = fc.oneof(
    fc.constantFrom(
      '-1',
      'nan',
      'NaN',
      'inf',
      '-inf',
      'Infinity',
      '1e309',
      '-0',
      '9'.repeat(400),
      '0x1F',
      '1,234,567',
      '1.2.3',
      '',
      ' ',
      '<not counted>',
      '<not supported>',
      '%',
    ),
    fc.double().map(String),
    fc.integer().map(String),
  );
  const mutated = fc.tuple(fc.constantFrom(...lines), hostileNumber).map(([line, number]) => line.replace(/-?\d+(\.\d+)?/, number));
  const line = fc.oneof(fc.constantFrom(...lines), mutated, fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
  return fc.tuple(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n', ',')).map(([parts, separator]) => parts.join(separator));
}

/** Every number anywhere in a value is finite; powers are not negative. */
function assertSaneNumbers(value: unknown, path = 'result'): void {
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value), `${path} is ${value}`);
    if (/watts/.test(path)) assert.ok(value >= 0, `${path} is ${value}, a negative power`);
    return;
  }
  if (value !== null && typeof value === 'object') for (const [key, inner] of Object.entries(value)) assertSaneNumbers(inner, `${path}.${key}`);
}

function assertAnswers(result: { ok: boolean; error?: string }): void {
  if (!result.ok) assert.ok(typeof result.error === 'string' && result.error.length > 0, 'a refusal says why');
  else assertSaneNumbers(result);
}

/** A few megabytes of the tool's output: the parser must finish, not backtrack for ever. */
function assertFinishesOnHugeInput(parse: (text: string) => unknown, kind: string): void {
  const lines = fixtureLines(kind);
  const huge = [
    Array.from({ length: 40_000 }, (_, i) => lines[i % lines.length]).join('\n'),
    `${'1,'.repeat(200_000)}x`,
    ' '.repeat(1_000_000),
    `${'9'.repeat(500_000)}.`,
  ].join('\n');
  const started = performance.now();
  parse(huge);
  const seconds = (performance.now() - started) / 1000;
  // Generous: linear parsing takes well under a second here; catastrophic backtracking takes minutes.
  assert.ok(seconds < 20, `${(huge.length / 1e6).toFixed(1)} MB took ${seconds.toFixed(1)} s`);
}

describe('parser fuzzing (fast-check)', () => {
  const parsers: Array<[string, string, (text: string) => { ok: boolean; error?: string }]> = [
    ['perf stat', 'perf-stat', parsePerfStat],
    ['ipmitool dcmi power reading', 'ipmi-dcmi', parseDcmiPowerReading],
    ['ipmitool sdr', 'ipmi-sdr', parseSdrWatts],
    ['nvidia-smi', 'nvidia', (text) => parseNvidiaSmi(text)],
    ['lscpu', 'lscpu', parseLscpu],
  ];
  for (const [name, kind, parse] of parsers) {
    it(`${name}: never throws, no NaN, no negative power, on mutated captures and noise`, () => {
      fc.assert(
        fc.property(toolOutput(kind), (text) => assertAnswers(parse(text))),
        { numRuns: RUNS },
      );
    });
    it(`${name}: finishes on megabytes of input`, () => assertFinishesOnHugeInput(parse, kind));
  }

  it('perf stat: error outputs (permission, unknown event) are refusals, never rows', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtureLines('perf-errors').filter((l) => l.trim() !== '')), fc.string(), (line, noise) => {
        const result = parsePerfStat(`${line}\n${noise}`);
        assertAnswers(result);
      }),
      { numRuns: RUNS },
    );
  });

  it('workload metric lines: any line gives finite named numbers or none', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.tuple(fc.string(), fc.double()).map(([k, v]) => `${k}: ${v}`),
          fc.json().map((j) => `POWERPROF ${j}`),
        ),
        (line) => {
          for (const [key, value] of parseMetricLine(line)) {
            assert.equal(typeof key, 'string');
            assert.ok(Number.isFinite(value), `${key} = ${value}`);
          }
        },
      ),
      { numRuns: RUNS },
    );
    const started = performance.now();
    parseMetricLine(`POWERPROF ${'{"a":'.repeat(100_000)}`);
    parseMetricLine(`${'x: '.repeat(300_000)}1`);
    assert.ok(performance.now() - started < 20_000);
  });

  it('CSV: any text parses to rows without throwing, and what runsCsv quotes reads back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => void parseCsv(text)),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.string({ minLength: 1 }).filter((s) => !/[\r\n]/.test(s)),
            { minLength: 1, maxLength: 5 },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        (rows) => {
          // As the tables write a cell: formula guard (an apostrophe before = + - @ tab, or before an apostrophe), then RFC 4180 quoting.
          const written = (cell: string): string => (/^['=+\-@\t]/.test(cell) ? `'${cell}` : cell);
          const text = rows
            .map((row) =>
              row
                .map(written)
                .map((cell) => (/[",]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell))
                .join(','),
            )
            .join('\n');
          assert.deepEqual(parseCsv(`${text}\n`), rows);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('hwmon and RAPL: whatever a sysfs file holds, a reading is finite and not negative, or there is none', async () => {
    const tree = fileTree({
      'class/hwmon/hwmon0/name': 'ibmpowernv\n',
      'class/hwmon/hwmon0/power1_input': '1\n',
      'class/hwmon/hwmon0/power1_label': 'System\n',
      'class/powercap/intel-rapl:0/name': 'package-0\n',
      'class/powercap/intel-rapl:0/energy_uj': '1\n',
      'class/powercap/intel-rapl:0/max_energy_range_uj': '262143328850\n',
    });
    const hwmon = hwmonSource(tree);
    const rapl = raplSource(tree);
    await hwmon.probe(AbortSignal.timeout(1000));
    await rapl.probe(AbortSignal.timeout(1000));
    const content = fc.oneof(fc.string(), fc.constantFrom('-5\n', '9'.repeat(400), 'nan', '1e309', '', '\n', '12 34', '0x10'), fc.bigInt().map(String));
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        writeSysfsValue(join(tree, 'class/hwmon/hwmon0/power1_input'), text);
        writeSysfsValue(join(tree, 'class/powercap/intel-rapl:0/energy_uj'), text);
        for (const reading of [...(await hwmon.sample(AbortSignal.timeout(1000))), ...(await rapl.sample(AbortSignal.timeout(1000)))]) {
          assertSaneNumbers(reading, 'reading');
          for (const field of ['watts', 'energyJoules'] as const) if (field in reading) assert.ok((reading as unknown as Record<string, number>)[field]! >= 0);
        }
      }),
      { numRuns: Math.min(RUNS, 200) },
    );
  });
});
