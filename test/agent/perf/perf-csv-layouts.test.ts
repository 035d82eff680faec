import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parsePerfStat, type PerfStatRow } from '../../../agent/perf/parse-perf-stat.js';

/**
 * Every layout perf's CSV printer (tools/perf/util/stat-display.c) writes a
 * counter row in, generated from its parts, against what a parser must read
 * back: interval time or "summary", each aggregation's scope columns, counted
 * values and both markers with and without the event's unit (newer perf
 * keeps it, older leaves it empty), PMU names with commas, cgroups, -r
 * variance, and the metric columns of newer perf or none at all (older).
 */

const RUNS = Number(process.env.POWERPROF_FUZZ_RUNS ?? 300);

interface Layout {
  time: { kind: 'none' } | { kind: 'interval'; seconds: string } | { kind: 'summary' };
  scope: { token: string; cpus?: number } | undefined;
  value: { kind: 'counted'; text: string } | { kind: 'not_counted' } | { kind: 'not_supported' };
  unit: string;
  /** Older perf prints no unit beside a marker. */
  markerKeepsUnit: boolean;
  event: string;
  cgroup: string | undefined;
  variance: string | undefined;
  runNs: number;
  runningPercent: string;
  metric: { kind: 'none' } | { kind: 'empty' } | { kind: 'value'; value: string; unit: string };
}

const scopeArbitrary = fc.oneof(
  fc.constant(undefined),
  fc.nat(255).map((cpu) => ({ token: `CPU${cpu}` })),
  fc.tuple(fc.nat(3), fc.nat(3), fc.nat(63), fc.integer({ min: 1, max: 8 })).map(([s, d, c, n]) => ({ token: `S${s}-D${d}-C${c}`, cpus: n })),
  fc.tuple(fc.nat(3), fc.nat(63), fc.integer({ min: 1, max: 8 })).map(([s, c, n]) => ({ token: `S${s}-C${c}`, cpus: n })),
  fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 256 })).map(([s, n]) => ({ token: `S${s}`, cpus: n })),
  fc.tuple(fc.nat(3), fc.nat(3), fc.integer({ min: 1, max: 256 })).map(([s, d, n]) => ({ token: `S${s}-D${d}`, cpus: n })),
  fc.tuple(fc.nat(7), fc.integer({ min: 1, max: 256 })).map(([node, n]) => ({ token: `N${node}`, cpus: n })),
  fc
    .tuple(fc.nat(3), fc.nat(3), fc.integer({ min: 2, max: 3 }), fc.nat(15), fc.integer({ min: 1, max: 64 }))
    .map(([s, d, level, id, n]) => ({ token: `S${s}-D${d}-L${level}-ID${id}`, cpus: n })),
  fc
    .tuple(fc.constantFrom('python3', 'perf', 'resnet50.worker', 'sh'), fc.integer({ min: 1, max: 4_000_000 }))
    .map(([comm, tid]) => ({ token: `${comm}-${tid}` })),
);

const eventArbitrary = fc.constantFrom(
  'task-clock',
  'cycles',
  'instructions',
  'cache-misses',
  'branch-misses',
  'page-faults',
  'msec', // an event may share a unit's spelling; it is still the event column
  'power/energy-pkg/',
  'cpu/event=0x3c,umask=0x0/',
  'hv_24x7/pm_pb_cyc,chip=0/',
  'PM_RUN_INST_CMPL',
  'armv8_pmuv3_0/cpu_cycles/',
  'cycles [armv8_cortex_a53]', // perf's name for an event counted on several PMUs of one kind
  'L1-dcache-load-misses',
);

const layoutArbitrary: fc.Arbitrary<Layout> = fc.record({
  time: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.tuple(fc.nat(100_000), fc.nat(999_999_999)).map(([s, ns]) => ({ kind: 'interval' as const, seconds: `${s}.${String(ns).padStart(9, '0')}` })),
    fc.constant({ kind: 'summary' as const }),
  ),
  scope: scopeArbitrary,
  value: fc.oneof(
    fc.nat().map((n) => ({ kind: 'counted' as const, text: String(n) })),
    fc.tuple(fc.nat(1_000_000), fc.nat(99)).map(([a, b]) => ({ kind: 'counted' as const, text: `${a}.${String(b).padStart(2, '0')}` })),
    fc.constant({ kind: 'not_counted' as const }),
    fc.constant({ kind: 'not_supported' as const }),
  ),
  unit: fc.constantFrom('', 'msec', 'Joules', 'MiB', 'ns'),
  markerKeepsUnit: fc.boolean(),
  event: eventArbitrary,
  cgroup: fc.option(fc.constantFrom('/', '/user.slice', '/system.slice/powerprof-agent.service', 'machine.slice'), { nil: undefined }),
  variance: fc.option(
    fc.tuple(fc.nat(99), fc.nat(99)).map(([a, b]) => `${a}.${String(b).padStart(2, '0')}%`),
    { nil: undefined },
  ),
  runNs: fc.nat(),
  runningPercent: fc.constantFrom('100.00', '0.00', '33.48', '99.99', '50.00'),
  metric: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.constant({ kind: 'empty' as const }),
    fc
      .tuple(fc.nat(10_000), fc.constantFrom('CPUs utilized', 'insn per cycle', 'K/sec', 'GHz', '/sec', 'of all branches'))
      .map(([v, unit]) => ({ kind: 'value' as const, value: (v / 1000).toFixed(3), unit })),
  ),
});

/** The line perf writes for a layout. */
function printLine(layout: Layout): string {
  const fields: string[] = [];
  if (layout.time.kind === 'interval') fields.push(layout.time.seconds.padStart(16));
  if (layout.time.kind === 'summary') fields.push('summary'.padStart(16));
  if (layout.scope !== undefined) {
    fields.push(layout.scope.token);
    if (layout.scope.cpus !== undefined) fields.push(String(layout.scope.cpus));
  }
  const marker = layout.value.kind === 'not_counted' ? '<not counted>' : layout.value.kind === 'not_supported' ? '<not supported>' : undefined;
  fields.push(marker ?? (layout.value as { text: string }).text);
  fields.push(marker !== undefined && !layout.markerKeepsUnit ? '' : layout.unit);
  fields.push(layout.event);
  if (layout.cgroup !== undefined) fields.push(layout.cgroup);
  if (layout.variance !== undefined) fields.push(layout.variance);
  fields.push(String(layout.runNs), layout.runningPercent);
  if (layout.metric.kind === 'empty') fields.push('', '');
  if (layout.metric.kind === 'value') fields.push(layout.metric.value, layout.metric.unit);
  return fields.join(',');
}

/** What a correct parser reads back from that line. */
function expectedRow(layout: Layout): PerfStatRow {
  const status = layout.value.kind;
  const row: PerfStatRow = {
    event: layout.event,
    value: layout.value.kind === 'counted' ? Number(layout.value.text) : null,
    unit: layout.value.kind !== 'counted' && !layout.markerKeepsUnit ? '' : layout.unit,
    status,
    running_percent: status === 'not_supported' ? 0 : Number(layout.runningPercent),
  };
  if (layout.time.kind === 'interval') row.time_s = Number(layout.time.seconds);
  if (layout.scope !== undefined) row.scope = layout.scope.token;
  if (layout.cgroup !== undefined) row.cgroup = layout.cgroup;
  if (layout.variance !== undefined) row.variance_percent = Number(layout.variance.slice(0, -1));
  if (layout.metric.kind === 'value') {
    row.metric_value = Number(layout.metric.value);
    row.metric_unit = layout.metric.unit;
  }
  return row;
}

describe("parsePerfStat: every layout of perf's CSV printer", () => {
  it('reads each generated row back as printed: event, value, unit, status, time, scope, cgroup, variance, metric', () => {
    fc.assert(
      fc.property(layoutArbitrary, (layout) => {
        const line = printLine(layout);
        const parsed = parsePerfStat(line);
        assert.ok(parsed.ok, `${line}: ${parsed.ok ? '' : parsed.error}`);
        assert.deepEqual(parsed.rows, [expectedRow(layout)], line);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('reads a whole interval run, with its last empty interval, as rows of the events asked for and no others', () => {
    fc.assert(
      fc.property(fc.array(layoutArbitrary, { minLength: 1, maxLength: 30 }), (layouts) => {
        const text = ['# started on Mon Nov 30 18:43:24 2026', '', ...layouts.map(printLine)].join('\n');
        const parsed = parsePerfStat(text);
        assert.ok(parsed.ok);
        assert.deepEqual(
          parsed.rows.map((row) => row.event),
          layouts.map((layout) => layout.event),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('the human format names an event counted on several PMUs the same way', () => {
    const parsed = parsePerfStat('         1,234,567      cycles [armv8_cortex_a53]                                     (50.01%)');
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.rows.map((row) => [row.event, row.value, row.running_percent]),
      [['cycles [armv8_cortex_a53]', 1_234_567, 50.01]],
    );
  });

  it('the row that misled an earlier parser: the empty last interval keeps its unit and is task-clock, not counted', () => {
    const parsed = parsePerfStat('     2.269248497,<not counted>,msec,task-clock,0,100.00,,');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.rows, [{ event: 'task-clock', value: null, unit: 'msec', status: 'not_counted', running_percent: 100, time_s: 2.269248497 }]);
  });
});
