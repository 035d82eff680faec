import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { eventPresets } from '../../../agent/perf/event-presets.js';
import { repositoryRoot } from '../../../proto/repository-root.js';

/** The event names a `perf list` excerpt offers: "  cpu-cycles OR cycles   [Hardware event]" gives both; perf lowercases JSON names. */
function listedEvents(capture: string): Set<string> {
  const text = readFileSync(join(repositoryRoot, 'test/fixtures/perf-list', capture, 'stdout.txt'), 'utf8');
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const entry = /^ {2}(\S.*?)(\s{2,}\[.*\])?\s*$/.exec(line)?.[1];
    if (entry !== undefined && !line.startsWith('   ')) for (const name of entry.split(' OR ')) names.add(name.trim().toLowerCase());
  }
  return names;
}

const seed = eventPresets.seed!;

it("every event of the power9 preset is one the POWER9 perf list names (captured from the kernel's POWER9 PMU driver)", () => {
  const listed = listedEvents('perf-list__qemu-power9-pseries-emulated__1');
  const missing = eventPresets.power9!.filter(
    (event) => !['task-clock', 'context-switches', 'page-faults'].includes(event) && !listed.has(event.toLowerCase()),
  );
  assert.deepEqual(missing, []);
});

it("the emulated ARM PMU lists only cycles of the generic hardware events and no cache event: what perf then counts there, and why the arm preset's others are reported not supported", () => {
  const arm = listedEvents('perf-list__qemu-arm64-virt-emulated__1');
  assert.deepEqual(
    seed.filter((event) => arm.has(event)),
    ['cycles'],
  );
  assert.ok(!arm.has('l1-dcache-loads') && !arm.has('llc-loads'));
  const power9 = listedEvents('perf-list__qemu-power9-pseries-emulated__1');
  assert.deepEqual(
    seed.filter((event) => !power9.has(event)),
    [],
  );
  assert.ok(power9.has('l1-dcache-loads'));
});
