import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cpuJiffies, dcmiReading } from '../../deploy/demo/simulated-bmc.js';

it("the power model reads /proc/stat's first line: busy and total jiffies of all CPUs", () => {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const stat = 'cpu  100 5 50 800 20 3 2 10 7 0\ncpu0 50 2 25 400 10 1 1 5 3 0\n';
  assert.deepEqual(cpuJiffies(stat), { busy: 170, total: 990 });
});

it('a DCMI reading from the window: now, min, max, average and the window in ms, as the plugin takes them', () => {
  assert.equal(dcmiReading([120, 220.4, 219.6, 130], 5000), '130 120 220 173 5000');
  assert.equal(dcmiReading([200], 5000), '200 200 200 200 5000');
});
