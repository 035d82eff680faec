import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRun, relativeStandardDeviationPercent } from '../../../agent/experiment/repeat-policy.js';

const runs = (...durations: number[]) => durations.map((durationS) => ({ durationS }));

describe('repeat policy', () => {
  it('warm-ups first, then --repeat measured runs', () => {
    const options = { warmup: 2, repeat: 3, maxRepeat: 100 };
    assert.deepEqual(nextRun(options, 0, []), { kind: 'warmup' });
    assert.deepEqual(nextRun(options, 2, runs(1, 1)), { kind: 'measured' });
    assert.deepEqual(nextRun(options, 2, runs(1, 1, 1)), { kind: 'stop', reason: '3 runs done' });
  });

  it('--until-rsd needs at least 3 runs, stops once below target', () => {
    const options = { warmup: 0, repeat: 1, untilRsdPercent: 5, maxRepeat: 10 };
    assert.deepEqual(nextRun(options, 0, runs(1, 1)), { kind: 'measured' });
    const stop = nextRun(options, 0, runs(1, 1.01, 0.99));
    assert.equal(stop.kind, 'stop');
    assert.match(stop.kind === 'stop' ? stop.reason : '', /^relative standard deviation 1\.00 % < 5 % after 3 runs$/);
    assert.deepEqual(nextRun(options, 0, runs(1, 2, 1)), { kind: 'measured' });
  });

  it('--until-rsd gives up at --max-repeat and says so', () => {
    const stop = nextRun({ warmup: 0, repeat: 1, untilRsdPercent: 1, maxRepeat: 4 }, 0, runs(1, 2, 1, 2));
    assert.equal(stop.kind, 'stop');
    assert.match(stop.kind === 'stop' ? stop.reason : '', /^--max-repeat 4 reached with relative standard deviation 38\.49 % \(target 1 %\)$/);
  });

  it('counts energy too once every run has it', () => {
    const options = { warmup: 0, repeat: 3, untilRsdPercent: 5, maxRepeat: 10 };
    const steadyTimeNoisyEnergy = [1, 1, 1].map((durationS, i) => ({ durationS, energyJoules: [100, 200, 100][i]! }));
    assert.deepEqual(nextRun(options, 0, steadyTimeNoisyEnergy), { kind: 'measured' });
  });

  it('computes the sample RSD', () => {
    assert.equal(relativeStandardDeviationPercent([2, 4, 4, 4, 5, 5, 7, 9]), (Math.sqrt(32 / 7) / 5) * 100);
    assert.equal(relativeStandardDeviationPercent([1]), Number.POSITIVE_INFINITY);
  });
});

describe('progress', () => {
  it('a bar with elapsed time and ETA on a terminal, plain words otherwise', async () => {
    const { progressText } = await import('../../../agent/experiment/run-table.js');
    assert.equal(progressText({ done: 5, total: 11, elapsedS: 10, bar: true }), '[###########-------------] 5/11  elapsed 10 s  ETA 12 s\n');
    assert.equal(progressText({ done: 5, total: 11, elapsedS: 10, bar: false }), 'progress: 5/11, elapsed 10 s  ETA 12 s\n');
    assert.equal(progressText({ done: 4, total: undefined, elapsedS: 3, bar: true }), 'progress: 4 runs, elapsed 3 s\n');
  });
});
