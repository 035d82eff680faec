import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isConstant, quantile, summarize, tCritical95 } from '../../collector/report/run-statistics.js';

it("summarizes runs as worked by hand: mean, sample sd, CV, the 95 % interval with Student's t, min and max", () => {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, sample variance 32/7.
  const summary = summarize([2, 4, 4, 4, 5, 5, 7, 9])!;
  assert.equal(summary.n, 8);
  assert.equal(summary.mean, 5);
  assert.ok(Math.abs(summary.sd - Math.sqrt(32 / 7)) < 1e-12);
  assert.ok(Math.abs(summary.cv! - Math.sqrt(32 / 7) / 5) < 1e-12);
  assert.ok(Math.abs(summary.ci95! - (2.365 * Math.sqrt(32 / 7)) / Math.sqrt(8)) < 1e-12, 't(7) = 2.365');
  assert.deepEqual([summary.min, summary.max], [2, 9]);
  // Quartiles 4 and 5.5, fences 1.75 and 7.75: the 9 stands apart.
  assert.deepEqual(summary.outliers, [7]);
});

it("flags a run outside Tukey's fences, and none from fewer than four runs", () => {
  // Eleven runs, one of them twice as slow: quartiles 10.1 and 10.35, fences 9.725 and 10.725.
  const times = [10.1, 10.0, 10.2, 10.3, 10.0, 20.5, 10.1, 10.4, 10.2, 10.3, 10.4];
  assert.deepEqual(summarize(times)!.outliers, [5]);
  assert.deepEqual(summarize([1, 1, 100])!.outliers, []);
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
});

it('one run: no spread, no interval; a zero mean: no CV', () => {
  const one = summarize([3])!;
  assert.deepEqual([one.sd, one.ci95, one.cv], [0, undefined, 0]);
  assert.equal(summarize([-1, 1])!.cv, undefined);
  assert.equal(summarize([]), undefined);
  assert.deepEqual([tCritical95(1), tCritical95(10), tCritical95(500)], [12.706, 2.228, 1.96]);
});

it('tells constants (twenty images eleven times) from measurements', () => {
  assert.ok(isConstant(Array(11).fill(20)));
  assert.ok(!isConstant([20, 20, 21]));
  assert.ok(isConstant([0, 0]));
});
