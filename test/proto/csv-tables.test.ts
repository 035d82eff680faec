import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { countersCsv, csvObjects, parseCsv, powerCsv, runsCsv } from '../../proto/csv-tables.js';
import { SAMPLE_TIME_MS, sampleCounter, sampleRun } from './sample-records.js';

describe('CSV tables', () => {
  it('runs.csv: contract columns, one column per event, empty where not counted', () => {
    const csv = runsCsv([
      { node: 'p9', run: sampleRun('r1') },
      {
        node: 'x86',
        run: sampleRun('r2', {
          repetition: 2,
          status: 'RUN_STATUS_KILLED',
          signal: 'SIGKILL',
          counters: [sampleCounter('cycles', 5), sampleCounter('task-clock', 12.5, { unit: 'msec' })],
        }),
      },
    ]);
    assert.equal(
      csv,
      'node,run_id,workload,repetition,status,started_at,duration_s,exit_code,cycles,instructions,cache-misses,task-clock\n' +
        `p9,r1,resnet50,1,ok,${new Date(SAMPLE_TIME_MS).toISOString()},12.5,0,1000000,2000000,,\n` +
        `x86,r2,resnet50,2,killed,${new Date(SAMPLE_TIME_MS).toISOString()},12.5,,5,,,12.5\n`,
    );
  });

  it('runs.csv adds the power columns once a run has energy', () => {
    const header = runsCsv([{ node: 'p9', run: sampleRun('r1', { counters: [], energy_joules: 1200 }) }]).split('\n')[0];
    assert.equal(
      header,
      'node,run_id,workload,repetition,status,started_at,duration_s,exit_code,energy_joules,avg_watts,idle_watts,dynamic_energy_joules,joules_per_item,energy_uncertainty_joules',
    );
  });

  it('quotes fields with commas (event names such as hv_24x7/pm_pb_cyc,chip=0/)', () => {
    const csv = countersCsv([{ node: 'p9', interval: { run_id: 'r1', time_s: 1.5, counters: [sampleCounter('hv_24x7/pm_pb_cyc,chip=0/', 9_356_933)] } }]);
    assert.equal(csv, 'node,run_id,time_s,event,value,unit,status,running_percent\np9,r1,1.5,"hv_24x7/pm_pb_cyc,chip=0/",9356933,,counted,100\n');
  });

  it('power.csv columns', () => {
    const csv = powerCsv([
      {
        node: 'p9',
        sample: {
          source: 'ipmi-dcmi',
          sensor: 'system',
          time_unix_ms: 1_604_865_078_000,
          watts: 262,
          min_watts: 248,
          max_watts: 263,
          avg_watts: 257,
          sampling_period_ms: 5000,
          state: 'activated',
          stale: false,
          read_started_unix_ms: 1_604_865_077_990,
          read_ended_unix_ms: 1_604_865_078_010,
        },
      },
    ]);
    assert.equal(
      csv,
      'node,source,sensor,time,watts,min_watts,max_watts,avg_watts,sampling_period_ms,state\np9,ipmi-dcmi,system,2020-11-08T19:51:18.000Z,262,248,263,257,5000,activated\n',
    );
  });

  it('guards text a spreadsheet would run as a formula, in cells and headers; numbers stay numbers; reading undoes it', () => {
    const csv = runsCsv([
      {
        node: 'p9',
        run: sampleRun('=HYPERLINK("http://x","y")', { workload: '@SUM(A1)', counters: [sampleCounter('-cmd|calc', -1)], workload_metrics: { '+ACC': 0.5 } }),
      },
    ]);
    const [header, row] = csv.trimEnd().split('\n');
    assert.match(header!, /,'-cmd\|calc,'\+ACC$/);
    assert.match(row!, /^p9,"'=HYPERLINK\(""http:\/\/x"",""y""\)",'@SUM\(A1\),/);
    assert.match(row!, /,-1,0\.5$/, 'a negative number is not text');
    const [read] = csvObjects(csv);
    assert.deepEqual([read!.run_id, read!.workload, read!['-cmd|calc'], read!['+ACC']], ['=HYPERLINK("http://x","y")', '@SUM(A1)', '-1', '0.5']);
  });

  it('any text survives a round trip through a cell', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const csv = powerCsv([
          {
            node: 'n',
            sample: {
              source: text,
              sensor: 's',
              time_unix_ms: SAMPLE_TIME_MS,
              watts: 1,
              state: '',
              stale: false,
              read_started_unix_ms: 0,
              read_ended_unix_ms: 0,
            },
          },
        ]);
        assert.equal(parseCsv(csv)[1]![1], text);
        const written = csv.slice(csv.indexOf('\nn,') + 3); // the source cell as a spreadsheet sees it
        assert.ok(!/^"?[=+\-@\t\r]/.test(written), JSON.stringify(written));
      }),
      { numRuns: 300 },
    );
  });
});
