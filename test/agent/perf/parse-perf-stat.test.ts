import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePerfStat, type PerfStatRow } from '../../../agent/perf/parse-perf-stat.js';
import { captureCases } from '../../support/capture-cases.js';

function rowsOf(text: string): PerfStatRow[] {
  const parsed = parsePerfStat(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.rows;
}

function find(rows: PerfStatRow[], event: string, scope?: string): PerfStatRow {
  const row = rows.find((r) => r.event === event && r.scope === scope);
  assert.ok(row, `no row for ${event}${scope === undefined ? '' : ` @ ${scope}`}`);
  return row;
}

const cases = captureCases('perf-stat');

describe('parsePerfStat over captured outputs', () => {
  it('has captures to read', () => assert.ok(cases.length >= 13));
  for (const capture of cases) {
    it(capture.name, () => {
      assert.match(capture.source, /source:/, 'every capture says where it came from');
      assert.deepEqual(rowsOf(capture.stdout), capture.expected);
    });
  }
});

// What PROVENANCE.md says a correct parser extracts, checked independently of expected.json.
describe('parsePerfStat: facts from the captures', () => {
  const text = (name: string): string => cases.find((c) => c.name === name)!.stdout;

  it('an emulated POWER9 PMU (QEMU pseries): raw PM_ names counted, zeros counted as 0 (not "not counted"), multiplexed shares kept', () => {
    const rows = rowsOf(text('perf-stat-csv__qemu-power9-pseries-emulated-multiplexed__1'));
    assert.equal(find(rows, 'PM_RUN_INST_CMPL').value, 1883046654);
    assert.deepEqual([find(rows, 'PM_LD_MISS_L1').value, find(rows, 'PM_LD_MISS_L1').status], [0, 'counted']);
    assert.equal(find(rows, 'instructions').running_percent, 60);
    assert.equal(rows.length, 11);
  });

  it('an emulated ARM PMUv3 (QEMU virt, -cpu max): only cycles counted, the rest "<not supported>"', () => {
    const rows = rowsOf(text('perf-stat-csv__qemu-arm64-virt-emulated-not-supported__1'));
    assert.deepEqual(
      rows.filter((row) => row.status === 'counted').map((row) => row.event),
      ['cycles', 'task-clock'],
    );
    assert.equal(find(rows, 'instructions').status, 'not_supported');
  });

  it('reads U+202F thousands and decimal commas (ru_RU)', () => {
    const rows = rowsOf(text('perf-stat__caos-ru-locale-vm-notsupported__1'));
    assert.equal(find(rows, 'task-clock').value, 3202.39);
    assert.equal(find(rows, 'task-clock').unit, 'msec');
    assert.equal(find(rows, 'cycles').status, 'not_supported');
    assert.equal(rows.length, 8, 'footer lines (elapsed, user, sys) are not rows');
  });

  it('keeps <not counted> apart from <not supported>', () => {
    const rows = rowsOf(text('perf-stat__lkml-arm64-default-events-not-counted__1'));
    assert.equal(find(rows, 'cycles').status, 'not_counted');
    assert.equal(find(rows, 'cycles').value, null);
    assert.equal(find(rows, 'page-faults').value, 38);
  });

  it("puts a continuation line's variance and running share on the row above", () => {
    const rows = rowsOf(text('perf-stat-repeat__go-reader-d-d-d-multiplex__1'));
    const instructions = find(rows, 'instructions');
    assert.equal(instructions.value, 280_399_455_767);
    assert.equal(instructions.running_percent, 33.48);
    assert.equal(instructions.variance_percent, 0.07);
    assert.equal(find(rows, 'cycles').running_percent, 32.73);
  });

  it('keeps commas inside a PMU event name', () => {
    const rows = rowsOf(text('perf-stat-interval__lkml-power9-hv24x7-metric__1'));
    assert.deepEqual(
      rows.map((r) => [r.time_s, r.event, r.value]),
      [
        [1.000101867, 'hv_24x7/pm_pb_cyc,chip=0/', 9_356_933],
        [1.000101867, 'hv_24x7/pm_pb_cyc,chip=1/', 9_366_134],
        [2.000314878, 'hv_24x7/pm_pb_cyc,chip=0/', 9_365_868],
        [2.000314878, 'hv_24x7/pm_pb_cyc,chip=1/', 9_366_092],
      ],
    );
  });

  it('reads CSV whose column count changes between interval and summary rows', () => {
    const rows = rowsOf(text('perf-stat-csv-interval__lkml-jinyao-summary-notimestamp__1'));
    assert.equal(rows.length, 16);
    assert.equal(rows.filter((r) => r.time_s === 1.001323097).length, 8);
    assert.deepEqual(rows[8], {
      event: 'cpu-clock',
      value: 8013.48,
      unit: 'msec',
      status: 'counted',
      running_percent: 100,
      metric_value: 7.984,
      metric_unit: 'CPUs utilized',
    });
  });

  it('skips metric-only CSV rows and the -o header', () => {
    assert.equal(rowsOf(text('perf-stat-csv__hsopt-amd-default-events__1')).length, 10);
    const energy = find(rowsOf(text('perf-stat-csv__cloudlab-ebbrt-ofile-energy-pkg__1')), 'power/energy-pkg/');
    assert.deepEqual([energy.value, energy.unit], [464.3, 'Joules']);
  });

  it('reads per-CPU, per-core and old "task-clock (msec)" rows', () => {
    const perCpu = rowsOf(text('perf-stat-per-cpu__cn-doc-perf3-A-tabs__1'));
    assert.equal(find(perCpu, 'cycles', 'CPU1').value, 2_865_718);
    assert.equal(find(perCpu, 'task-clock', 'CPU0').unit, 'msec');
    assert.equal(find(rowsOf(text('perf-stat-per-core__lkml-amd-apu405-energy-cores__1')), 'power/energy-cores/', 'S0-D0-C3').value, 0.51);
    assert.equal(find(rowsOf(text('perf-stat__cn-doc-perf3-task-clock-msec-old__1')), 'task-clock').value, 11478.833177);
  });

  it('reads multiplexed POWER9 raw events without grouping', () => {
    const rows = rowsOf(text('perf-stat__linuxppc-power9-alt-events-multiplexed__1'));
    assert.deepEqual(find(rows, 'r3e054'), { event: 'r3e054', value: 1_057_860, unit: '', status: 'counted', running_percent: 50.21 });
  });

  it('reads interval output with <not counted> stretches, repeated headers and foreign lines', () => {
    const rows = rowsOf(text('perf-stat-interval__lkml-budankov-not-counted-paused__1'));
    assert.equal(rows.length, 39, '"Monitoring paused", "resumed(a)" and the repeated header are not rows');
    assert.deepEqual(
      rows.slice(3, 6).map((r) => [r.time_s, r.status, r.value]),
      [
        [4.006727177, 'not_counted', null],
        [4.993808464, 'counted', 3_124_246],
        [5.008597004, 'counted', 3_325_624],
      ],
    );
  });

  it('reads one row per PMU when an event expands across big.LITTLE PMUs', () => {
    const rows = rowsOf(text('perf-stat__lkml-arm64-bigLITTLE-per-pmu-expansion__1'));
    assert.deepEqual(
      rows.map((r) => [r.event, r.status, r.value]),
      [
        ['armv8_pmuv3_0/cycles/', 'counted', 965_175],
        ['armv8_pmuv3_1/cycles/', 'not_counted', null],
        ['armv8_pmuv3_2/cycles/', 'not_counted', null],
        ['armv8_pmuv3_3/cycles/', 'not_counted', null],
      ],
    );
  });

  it('reads perf 6.x --summary rows in interval CSV', () => {
    const rows = rowsOf(
      '     0.100189668,99.56,msec,task-clock,99557415,100.00,0.996,CPUs utilized\n         summary,261.99,msec,task-clock,261985414,100.00,0.996,CPUs utilized\n',
    );
    assert.deepEqual(
      rows.map((r) => [r.time_s, r.scope, r.value]),
      [
        [0.100189668, undefined, 99.56],
        [undefined, undefined, 261.99],
      ],
    );
  });

  it('reads de_DE grouping with a dot', () => {
    const rows = rowsOf('        1.234.567      cycles                    #    1,234 GHz\n\n       0,5 seconds time elapsed\n');
    assert.equal(find(rows, 'cycles').value, 1_234_567);
  });

  it('reads -r CSV with a variance column', () => {
    const rows = rowsOf('1234,,cycles,0.43%,1000,100.00,,\n');
    assert.deepEqual(find(rows, 'cycles'), { event: 'cycles', value: 1234, unit: '', status: 'counted', running_percent: 100, variance_percent: 0.43 });
  });

  it('refuses output without counters, quoting perf', () => {
    const parsed = parsePerfStat("event syntax error: 'bogus'\n                      \\___ parser error\n");
    assert.deepEqual(parsed, { ok: false, error: 'perf stat printed no counters: "event syntax error: \'bogus\'"' });
    assert.deepEqual(parsePerfStat(''), { ok: false, error: 'perf stat printed no counters (empty output)' });
  });
});
