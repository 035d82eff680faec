import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMetricLine, WorkloadMetricsCollector } from '../../../agent/workload/workload-metrics.js';

describe('workload metrics', () => {
  it("reads the original script's lines", () => {
    assert.deepEqual(parseMetricLine('RIGHTS: 480'), [['RIGHTS', 480]]);
    assert.deepEqual(parseMetricLine('ACC: 0.96'), [['ACC', 0.96]]);
    assert.deepEqual(parseMetricLine('Time Elapsed: 12.3s'), [['Time Elapsed', 12.3]]);
    assert.deepEqual(parseMetricLine('items/s: 1.5e3'), [['items/s', 1500]]);
  });

  it('reads POWERPROF JSON lines, numbers only', () => {
    assert.deepEqual(parseMetricLine('POWERPROF {"items": 500, "acc": 0.9, "label": "x", "bad": null}'), [
      ['items', 500],
      ['acc', 0.9],
    ]);
    assert.deepEqual(parseMetricLine('POWERPROF {not json'), []);
  });

  it('leaves everything else alone', () => {
    for (const line of ['', 'hot dog', "Predicted: [('n07697537', 'hotdog', 0.98)]", 'url: http://x', 'RIGHTS: many', 'x: 1 2 3']) {
      assert.deepEqual(parseMetricLine(line), [], line);
    }
  });

  it('collects across chunks, the last value of a key wins', () => {
    const collector = new WorkloadMetricsCollector();
    collector.push('RIGH');
    collector.push('TS: 4');
    collector.push('80\nACC: 0.5\nACC: 0.96\r\nTime Elapsed: 1');
    collector.push('2.3s');
    assert.deepEqual(Object.fromEntries(collector.end()), { RIGHTS: 480, ACC: 0.96, 'Time Elapsed': 12.3 });
  });
});
