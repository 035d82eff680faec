import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { counterDelta, type TimedReading } from '../../../agent/power/power-sampler.js';
import { energyOverWindow, nodeFigure, sourceEnergies } from '../../../agent/power/run-energy.js';

function power(points: Array<[number, number]>, extra: Partial<TimedReading> = {}): TimedReading[] {
  return points.map(([timeMs, watts]) => ({ source: 'ipmi-dcmi', sensor: 'system', timeMs, startedMs: timeMs, endedMs: timeMs, watts, ...extra }));
}

describe("energy over a run's window", () => {
  it('integrates power with the trapezoid rule, interpolating at the edges', () => {
    // 100 W until t=1 s, then a step to 200 W at t=2 s, sampled every second.
    const readings = power([
      [0, 100],
      [1000, 100],
      [2000, 200],
      [3000, 200],
    ]);
    const energy = energyOverWindow(readings, 500, 2500)!;
    // 0.5..1: 100 W; 1..2: ramp 100->200 (150 W mean); 2..2.5: 200 W  => 50 + 150 + 100
    assert.equal(energy.energyJoules, 300);
    assert.equal(energy.samples, 2);
  });

  it('needs readings on both sides of the window', () => {
    assert.equal(
      energyOverWindow(
        power([
          [1000, 100],
          [2000, 100],
        ]),
        500,
        1500,
      ),
      undefined,
    );
  });

  it('takes the difference of a cumulative counter, across a wraparound', () => {
    const range = 1000;
    const counter = (values: Array<[number, number]>): TimedReading[] =>
      values.map(([timeMs, joules]) => ({
        source: 'rapl',
        sensor: 'package-0',
        timeMs,
        startedMs: timeMs,
        endedMs: timeMs,
        energyJoules: joules,
        energyRangeJoules: range,
      }));
    // 100 W: +100 J per second, wrapping at 1000 J between t=2 and t=3.
    const readings = counter([
      [0, 800],
      [1000, 900],
      [2000, 0],
      [3000, 100],
      [4000, 200],
    ]);
    const energy = energyOverWindow(readings, 500, 3500)!;
    assert.equal(energy.energyJoules, 300);
    assert.equal(counterDelta(900, 0, range), 100);
    assert.equal(counterDelta(900, 0, undefined), undefined);
  });

  it("estimates the uncertainty from the swing, the sampling interval and the source's averaging", () => {
    const steady = energyOverWindow(
      power([
        [0, 100],
        [1000, 100],
        [2000, 100],
      ]),
      200,
      1800,
    )!;
    assert.equal(steady.uncertaintyJoules, 0);
    const stepping = energyOverWindow(
      power(
        [
          [0, 100],
          [1000, 200],
          [2000, 200],
        ],
        { samplingPeriodMs: 1000 },
      ),
      200,
      1800,
    )!;
    // swing 100 W x (1 s interval + 1 s BMC averaging)
    assert.equal(stepping.uncertaintyJoules, 200);
  });

  it("sums a source's total sensors (RAPL packages) and names the node figure", () => {
    const readings = [
      ...power(
        [
          [0, 50],
          [2000, 50],
        ],
        { source: 'rapl', sensor: 'package-0' },
      ),
      ...power(
        [
          [0, 30],
          [2000, 30],
        ],
        { source: 'rapl', sensor: 'package-1' },
      ),
      ...power(
        [
          [0, 90],
          [2000, 90],
        ],
        { source: 'rapl', sensor: 'psys' },
      ),
    ];
    const energies = sourceEnergies('rapl', readings, ['package-0', 'package-1'], 0, 1000);
    assert.deepEqual(
      energies.map((e) => [e.sensor, e.energy_joules]),
      [
        ['package-0', 50],
        ['package-1', 30],
        ['psys', 90],
        ['total', 80],
      ],
    );
    assert.equal(nodeFigure(energies, ['package-0', 'package-1'])?.energy_joules, 80);
    assert.equal(nodeFigure(energies, ['psys'])?.energy_joules, 90);
  });
});
